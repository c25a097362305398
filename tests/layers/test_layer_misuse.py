"""Misused layers raise one line naming the thing, from the constructor or the very start of
forward/backward: a backward before any forward, a pool size of 0, an empty batch (which
Pooling now takes, as Convolution does), a gradient from another backend."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet
from xpnet.backend import get_backend, to_numpy
from xpnet.layers import Convolution, Pooling, Relu, SoftmaxWithLoss


def test_softmax_with_loss_backward_before_a_forward_says_so(xp):
    with pytest.raises(RuntimeError, match=r"SoftmaxWithLoss.backward needs a forward first"):
        SoftmaxWithLoss().backward()


def test_relu_backward_before_a_forward_says_so(xp):
    with pytest.raises(RuntimeError, match=r"Relu.backward needs a forward first"):
        Relu().backward(xpnet.asarray(np.ones((2, 2), np.float32)))


def test_relu_backward_with_a_gradient_of_another_backend_names_both(xp):
    relu = Relu()
    relu.forward(xpnet.asarray(np.array([[1.0, -1.0]], np.float32)))
    if get_backend() == "numpy":
        import torch

        dout = torch.ones((1, 2))
    else:
        dout = np.ones((1, 2), np.float32)
    with pytest.raises(TypeError, match=r"arrays from different backends met in one operation"):
        relu.backward(dout)


@pytest.mark.parametrize("args, kwargs, message", [
    ((0, 2), {}, r"pool_h must be a positive integer, got 0"),
    ((2, 0), {}, r"pool_w must be a positive integer, got 0"),
    ((2, 2), {"stride": 0}, r"stride must be a positive integer, got 0"),
    ((2, 2), {"pad": -1}, r"pad must be a non-negative integer, got -1"),
    ((2.5, 2), {}, r"pool_h must be a positive integer, got 2.5"),
])
def test_pooling_constructor_names_the_bad_argument(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        Pooling(*args, **kwargs)


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pooling_takes_an_empty_batch_as_convolution_does(xp, mode):
    x = xpnet.asarray(np.zeros((0, 3, 6, 6), np.float32))
    pool = Pooling(2, 2, mode=mode)
    out = pool.forward(x)
    conv = Convolution(xpnet.asarray(np.ones((2, 3, 3, 3), np.float32)),
                       xpnet.asarray(np.zeros(2, np.float32)))
    assert tuple(out.shape) == (0, 3, 3, 3) and tuple(conv.forward(x).shape) == (0, 2, 4, 4)
    assert out.dtype == x.dtype
    dx = pool.backward(out)
    assert tuple(dx.shape) == (0, 3, 6, 6) and dx.dtype == x.dtype
    # and a real batch after it works as before
    y = pool.forward(xpnet.asarray(np.arange(36, dtype=np.float32).reshape(1, 1, 6, 6)))
    assert to_numpy(y).shape == (1, 1, 3, 3)

