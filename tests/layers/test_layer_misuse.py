"""Misused layers raise one line naming the thing, from the constructor or the very start of
forward/backward: a backward before any forward, a pool size of 0, an empty batch (which
Pooling now takes, as Convolution does), a gradient from another backend."""

from __future__ import annotations

import re

import numpy as np
import pytest

import xpnet
from xpnet.backend import get_backend, to_numpy
from xpnet.layers import (
    Affine,
    BatchNormalization,
    Convolution,
    Dropout,
    Flatten,
    Pooling,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
    Tanh,
)


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



@pytest.mark.parametrize("make, message", [
    (lambda: Affine([[1.0]], [1.0]), r"Affine W must be an array, got list"),
    (lambda: Convolution(np.zeros((1, 1, 2, 2)).tolist(), [0.0]),
     r"Convolution W must be an array, got list"),
    (lambda: Dropout("0.5"), r"dropout_ratio must be a number in \[0, 1\), got '0.5'"),
])
def test_constructors_name_an_argument_that_is_not_what_they_take(make, message):
    with pytest.raises((TypeError, ValueError), match=message):
        make()


@pytest.mark.parametrize("layer", [Sigmoid, Tanh, Flatten])
def test_backward_before_a_forward_says_so(xp, layer):
    with pytest.raises(RuntimeError, match=rf"{layer.__name__}.backward needs a forward first"):
        layer().backward(xpnet.asarray(np.ones((2, 3), np.float32)))


def _affine():
    return Affine(xpnet.asarray(np.ones((3, 2), np.float32)), xpnet.asarray(np.zeros(2, np.float32)))


@pytest.mark.parametrize("name, make, x, dout", [
    ("Affine", _affine, (4, 3), (5, 2)),
    ("Dropout", lambda: Dropout(0.5), (4, 3), (2, 2)),
    ("Pooling", lambda: Pooling(2, 2), (1, 1, 4, 4), (1, 1, 3, 3)),
])
def test_backward_with_a_dout_of_another_shape_names_both_shapes(xp, name, make, x, dout):
    layer = make()
    layer.forward(xpnet.asarray(np.ones(x, np.float32)), train_flg=True)
    with pytest.raises(ValueError, match=rf"{name}.backward: dout has shape {re.escape(str(dout))}, but the "
                                         r"last forward's output has shape"):
        layer.backward(xpnet.asarray(np.ones(dout, np.float32)))


def test_batchnorm_running_statistics_of_another_backend_or_dtype_are_refused(xp):
    gamma, beta = xpnet.asarray(np.ones(3, np.float32)), xpnet.asarray(np.zeros(3, np.float32))
    with pytest.raises(TypeError, match=r"running_var has dtype .*float64.*gamma has dtype .*float32"):
        BatchNormalization(gamma, beta, running_var=xpnet.asarray(np.ones(3), dtype="float64"))
    other = __import__("torch").ones(3) if get_backend() == "numpy" else np.ones(3, np.float32)
    with pytest.raises(TypeError, match=r"arrays from different backends met in one operation"):
        BatchNormalization(gamma, beta, running_mean=other)
