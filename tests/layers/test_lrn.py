"""LRN: float64 gradient check, float32, parity with torch.nn.functional.local_response_norm."""

import numpy as np
import pytest

import xpnet
from xpnet.gradient_check import gradient_check
from xpnet.layers import LRN
from xpnet.testing import assert_close

torch = pytest.importorskip("torch")  # a run without torch (XPNET_TEST_BACKENDS) skips this module
F = torch.nn.functional

# AlexNet's defaults, plus settings where the cross-channel term is large enough for a
# gradient check to notice a mistake in it (alpha 1e-4 leaves it near 1e-5 of the total);
# even sizes have an asymmetric window, which backward must mirror.
SETTINGS = [
    {"size": 5, "alpha": 1e-4, "beta": 0.75, "k": 2.0},
    {"size": 3, "alpha": 0.5, "beta": 0.75, "k": 1.0},
    {"size": 4, "alpha": 0.8, "beta": 0.6, "k": 1.5},
    {"size": 1, "alpha": 0.3, "beta": 0.5, "k": 1.0},
]


@pytest.mark.parametrize("params", SETTINGS[1:], ids=lambda p: f"size{p['size']}")
def test_lrn_gradient_matches_numerical(float64, params):
    x = xpnet.asarray(np.random.default_rng(0).normal(size=(2, 6, 2, 3)))
    errors = gradient_check(LRN(**params), x)
    assert errors["x"] < 1e-7, errors


@pytest.mark.parametrize("params", SETTINGS, ids=lambda p: f"size{p['size']}")
def test_lrn_forward_matches_torch(float64, params):
    x = np.random.default_rng(1).normal(size=(2, 7, 3, 3)) * 2.0
    expected = F.local_response_norm(torch.from_numpy(x), **params).numpy()
    assert_close(LRN(**params).forward(xpnet.asarray(x)), expected, rtol=1e-12, atol=1e-15,
                 xp=float64, dtype=float64.float64)


def test_lrn_backward_matches_torch_autograd(float64):
    params = SETTINGS[2]
    rng = np.random.default_rng(2)
    x, dout = rng.normal(size=(2, 6, 2, 2)), rng.normal(size=(2, 6, 2, 2))
    tx = torch.from_numpy(x).requires_grad_(True)
    F.local_response_norm(tx, **params).backward(torch.from_numpy(dout))
    layer = LRN(**params)
    layer.forward(xpnet.asarray(x))
    assert_close(layer.backward(xpnet.asarray(dout)), tx.grad.numpy(), rtol=1e-10, atol=1e-14, xp=float64)


def test_lrn_keeps_float32(xp):
    x = xpnet.asarray(np.random.default_rng(3).normal(size=(2, 8, 3, 3)).astype(np.float32))
    layer = LRN()
    out = layer.forward(x)
    dx = layer.backward(xp.ones_like(out))
    assert out.dtype == xp.float32 and dx.dtype == xp.float32 and tuple(dx.shape) == (2, 8, 3, 3)


@pytest.mark.parametrize("size", [0, -3, 2.5])
def test_lrn_rejects_a_bad_size(size):
    with pytest.raises(ValueError, match=f"size must be a positive integer, got {size}"):
        LRN(size=size)


def test_lrn_rejects_input_without_a_channel_axis(xp):
    with pytest.raises(ValueError, match=r"\(N, C, \.\.\.\), got shape \(5,\)"):
        LRN().forward(xpnet.asarray(np.zeros(5, dtype=np.float32)))
