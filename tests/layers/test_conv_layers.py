"""Convolution and Pooling: float64 gradient checks, dtype, parity with torch.nn.functional, bad input."""

import numpy as np
import pytest

import xpnet
from xpnet.gradient_check import gradient_check
from xpnet.layers import Convolution, Pooling
from xpnet.testing import assert_close

torch = pytest.importorskip("torch")  # a run without torch (XPNET_TEST_BACKENDS) skips this module
F = torch.nn.functional

GRAD_TOL = 1e-7  # smooth (conv, avg) and piecewise-linear away from kinks (max): all near 1e-10

CONV_CASES = [(1, 0), (2, 1), (1, 1), (2, 0)]  # (stride, pad)
POOL_CASES = [(2, 2, 2, 0), (3, 3, 2, 1), (2, 3, 1, 1), (3, 2, 3, 0)]  # (pool_h, pool_w, stride, pad)


def _conv(rng, fn=4, c=3, fh=3, fw=3, stride=1, pad=0, dtype=np.float64):
    w = rng.normal(size=(fn, c, fh, fw)).astype(dtype)
    b = rng.normal(size=(fn,)).astype(dtype)
    return Convolution(xpnet.asarray(w), xpnet.asarray(b), stride, pad), w, b


def _distinct(rng, shape):
    """Values at least 0.05 apart, so no window has a tie and a 1e-6 step never flips an argmax."""
    n = int(np.prod(shape))
    return (rng.permutation(n).reshape(shape) * 0.05 - n * 0.025).astype(np.float64)


@pytest.mark.parametrize(("stride", "pad"), CONV_CASES)
def test_convolution_gradients_match_numerical(float64, stride, pad):
    rng = np.random.default_rng(0)
    layer, _, _ = _conv(rng, fn=3, c=2, fh=3, fw=2, stride=stride, pad=pad)
    x = xpnet.asarray(rng.normal(size=(2, 2, 5, 4)))
    errors = gradient_check(layer, x)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < GRAD_TOL, errors


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_pooling_gradients_match_numerical(float64, mode, case):
    ph, pw, stride, pad = case
    x = xpnet.asarray(_distinct(np.random.default_rng(1), (2, 2, 5, 6)))
    errors = gradient_check(Pooling(ph, pw, stride, pad, mode=mode), x)
    assert errors["x"] < GRAD_TOL, errors


def test_convolution_keeps_float32(float32):
    xp = float32
    rng = np.random.default_rng(2)
    layer, _, _ = _conv(rng, stride=2, pad=1, dtype=np.float32)
    x = xpnet.asarray(rng.normal(size=(2, 3, 6, 6)).astype(np.float32))
    out = layer.forward(x)
    dx = layer.backward(xp.ones_like(out))
    for a in (out, dx, layer.dW, layer.db):
        assert a.dtype == xp.float32
    assert tuple(out.shape) == (2, 4, 3, 3) and tuple(dx.shape) == (2, 3, 6, 6)


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pooling_keeps_float32(float32, mode):
    xp = float32
    x = xpnet.asarray(np.random.default_rng(3).normal(size=(2, 3, 6, 6)).astype(np.float32))
    layer = Pooling(3, 3, 2, 1, mode=mode)
    out = layer.forward(x)
    dx = layer.backward(xp.ones_like(out))
    assert out.dtype == xp.float32 and dx.dtype == xp.float32
    assert tuple(out.shape) == (2, 3, 3, 3) and tuple(dx.shape) == (2, 3, 6, 6)


@pytest.mark.parametrize(("stride", "pad"), CONV_CASES)
def test_convolution_forward_matches_torch_conv2d(float64, stride, pad):
    rng = np.random.default_rng(4)
    layer, w, b = _conv(rng, fn=5, c=3, fh=3, fw=2, stride=stride, pad=pad)
    x = rng.normal(size=(2, 3, 7, 6))
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b),
                        stride=stride, padding=pad)
    assert_close(layer.forward(xpnet.asarray(x)), expected.numpy(), rtol=1e-12, atol=1e-12,
                 xp=float64, dtype=float64.float64)


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_pooling_forward_matches_torch(float64, case):
    ph, pw, stride, pad = case
    x = np.random.default_rng(5).normal(size=(2, 3, 7, 6))
    tx = torch.from_numpy(x)
    got_max = Pooling(ph, pw, stride, pad, mode="max").forward(xpnet.asarray(x))
    got_avg = Pooling(ph, pw, stride, pad, mode="avg").forward(xpnet.asarray(x))
    assert_close(got_max, F.max_pool2d(tx, (ph, pw), stride, pad).numpy(), rtol=0, xp=float64)
    assert_close(got_avg, F.avg_pool2d(tx, (ph, pw), stride, pad).numpy(), rtol=1e-12, atol=1e-15, xp=float64)


def test_max_pooling_pads_with_minus_infinity(float32):
    xp = float32
    x = xpnet.asarray(-np.ones((1, 1, 2, 2), dtype=np.float32))  # all negative: zero padding would win
    out = Pooling(2, 2, stride=1, pad=1).forward(x)
    assert_close(out, -np.ones((1, 1, 3, 3), dtype=np.float32), xp=xp, dtype=xp.float32)


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_one_by_one_pooling_returns_a_new_array(xp, mode):
    x = xpnet.asarray(np.arange(8, dtype=np.float32).reshape(2, 1, 2, 2))
    out = Pooling(1, 1, stride=1, mode=mode).forward(x)
    out[...] = -1.0
    assert_close(x, np.arange(8, dtype=np.float32).reshape(2, 1, 2, 2), xp=xp)


def test_max_pooling_tie_sends_the_gradient_to_the_first_maximum(float32):
    xp = float32
    x = xpnet.asarray(np.zeros((1, 1, 4, 4), dtype=np.float32))
    layer = Pooling(2, 2, stride=2)
    dx = layer.backward(xp.ones_like(layer.forward(x)))
    tx = torch.zeros((1, 1, 4, 4), requires_grad=True)
    F.max_pool2d(tx, 2, 2).sum().backward()
    assert_close(dx, tx.grad.numpy(), xp=xp, dtype=xp.float32)
    assert float(xp.sum(dx)) == 4.0  # one pixel per window, the top-left one


def test_convolution_shares_parameter_and_gradient_objects(xp):
    layer, _, _ = _conv(np.random.default_rng(6), dtype=np.float32)
    assert layer.params["W"] is layer.W and layer.params["b"] is layer.b
    x = xpnet.asarray(np.ones((1, 3, 4, 4), dtype=np.float32))
    layer.backward(xp.ones_like(layer.forward(x)))
    assert layer.grads["W"] is layer.dW and layer.grads["b"] is layer.db


def test_convolution_releases_its_column_buffer_after_backward(xp):
    layer, _, _ = _conv(np.random.default_rng(7), dtype=np.float32)
    x = xpnet.asarray(np.ones((1, 3, 4, 4), dtype=np.float32))
    out = layer.forward(x)
    layer.backward(xp.ones_like(out))
    assert layer._ctx is None
    with pytest.raises(RuntimeError, match="one backward per forward"):
        layer.backward(xp.ones_like(out))


# ---- bad input: each raises a ValueError/TypeError naming the offending shape or value ---------

def test_convolution_channel_mismatch_names_both_shapes(xp):
    layer, _, _ = _conv(np.random.default_rng(8), fn=4, c=3, dtype=np.float32)
    x = xpnet.asarray(np.zeros((2, 2, 5, 5), dtype=np.float32))
    mismatch = r"x of shape \(2, 2, 5, 5\) does not match W of shape \(4, 3, 3, 3\)"
    with pytest.raises(ValueError, match=mismatch):
        layer.forward(x)


def test_convolution_rejects_w_and_b_of_inconsistent_shapes(xp):
    w = xpnet.asarray(np.zeros((4, 3, 3, 3), dtype=np.float32))
    b = xpnet.asarray(np.zeros((5,), dtype=np.float32))
    with pytest.raises(ValueError, match=r"W of shape \(4, 3, 3, 3\) and b of shape \(5,\)"):
        Convolution(w, b)


def test_convolution_kernel_larger_than_padded_input(xp):
    layer, _, _ = _conv(np.random.default_rng(9), fh=5, fw=5, pad=0, dtype=np.float32)
    x = xpnet.asarray(np.zeros((1, 3, 4, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=r"kernel size 5 .* input size 4 with pad 0"):
        layer.forward(x)


def test_convolution_rejects_a_dtype_mismatch(float32):
    xp = float32
    layer, _, _ = _conv(np.random.default_rng(10), dtype=np.float32)
    x = xpnet.asarray(np.zeros((1, 3, 4, 4)), dtype=xp.float64)
    with pytest.raises(TypeError, match=r"x has dtype .*float64 but W has dtype .*float32"):
        layer.forward(x)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"stride": 0}, r"stride must be a positive integer, got 0"),
    ({"pad": -1}, r"pad must be a non-negative integer, got -1"),
])
def test_convolution_rejects_bad_stride_or_pad(xp, kwargs, message):
    w = xpnet.asarray(np.zeros((2, 1, 3, 3), dtype=np.float32))
    b = xpnet.asarray(np.zeros((2,), dtype=np.float32))
    with pytest.raises(ValueError, match=message):
        Convolution(w, b, **kwargs)


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    ((2, 2), {"mode": "median"}, r"unknown pooling mode 'median'"),
    ((2, 2), {"pad": 2}, r"pad 2 is more than half the pool size 2x2"),
    ((2, 2), {"stride": 0}, r"stride must be a positive integer, got 0"),
])
def test_pooling_rejects_bad_arguments(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        Pooling(*args, **kwargs)


def test_pooling_window_larger_than_padded_input(xp):
    x = xpnet.asarray(np.zeros((1, 1, 2, 2), dtype=np.float32))
    with pytest.raises(ValueError, match=r"kernel size 3 .* input size 2 with pad 0"):
        Pooling(3, 3).forward(x)


DX_CASES = [  # (fn, c, k, pad): on NumPy, FN <= C with stride 1 takes the transposed convolution
    (2, 3, 3, 0), (2, 3, 3, 1), (3, 3, 3, 2), (3, 4, 5, 2), (4, 3, 3, 1),  # the last: dcol + col2im
]


@pytest.mark.parametrize(("fn", "c", "k", "pad"), DX_CASES, ids=str)
def test_convolution_dx_by_either_path_matches_numerical_and_torch(float64, fn, c, k, pad):
    rng = np.random.default_rng(7)
    layer, w, b = _conv(rng, fn=fn, c=c, fh=k, fw=k, stride=1, pad=pad)
    x = rng.normal(size=(2, c, 7, 6))
    errors = gradient_check(layer, xpnet.asarray(x))
    assert max(errors.values()) < GRAD_TOL, errors
    out = layer.forward(xpnet.asarray(x))
    dout = rng.normal(size=tuple(out.shape))
    dx = layer.backward(xpnet.asarray(dout))
    tx = torch.from_numpy(x).requires_grad_(True)
    F.conv2d(tx, torch.from_numpy(w), torch.from_numpy(b), padding=pad).backward(torch.from_numpy(dout))
    assert_close(dx, tx.grad.numpy(), rtol=1e-12, atol=1e-12, xp=float64, dtype=float64.float64)
