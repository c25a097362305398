"""Weight decay penalties: L2 as the book (0.5·λ·ΣW², λW) and L1 (λ·Σ|W|, λ·sign(W)); the
gradients match central differences of the penalties; float32 kept; bad input rejected."""

import numpy as np
import pytest

import xpnet
from xpnet.backend import array_namespace, to_numpy
from xpnet.regularization import PENALTIES, penalty, penalty_grad

LAM = 0.3


def _weights(dtype="float64"):
    rng = np.random.default_rng(0)
    host = rng.normal(size=(4, 5))
    host[np.abs(host) < 0.05] += 0.1  # off the kink of |W| for the L1 checks
    return host, xpnet.asarray(host, dtype=dtype)


@pytest.mark.parametrize("norm, formula", [
    ("l2", lambda W: 0.5 * LAM * np.sum(W**2)),
    ("l1", lambda W: LAM * np.sum(np.abs(W))),
])
def test_penalty_values(float64, norm, formula):
    host, W = _weights()
    value = penalty(W, LAM, norm)
    assert tuple(value.shape) == () and value.dtype == float64.float64
    assert float(to_numpy(value)) == pytest.approx(formula(host), rel=1e-14)


@pytest.mark.parametrize("norm", ["l2", "l1"])
def test_penalty_grad_matches_central_differences(float64, norm):
    host, W = _weights()
    grad = to_numpy(penalty_grad(W, LAM, norm))
    h, numeric = 1e-6, np.zeros_like(host)
    for idx in np.ndindex(host.shape):
        plus, minus = host.copy(), host.copy()
        plus[idx] += h
        minus[idx] -= h
        numeric[idx] = (float(to_numpy(penalty(xpnet.asarray(plus), LAM, norm)))
                        - float(to_numpy(penalty(xpnet.asarray(minus), LAM, norm)))) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-7, atol=1e-9)


def test_l2_and_l1_gradients_are_the_books_forms(xp):
    host, W = _weights("float32")
    np.testing.assert_allclose(to_numpy(penalty_grad(W, LAM, "l2")), LAM * host.astype(np.float32), rtol=1e-6)
    l1 = to_numpy(penalty_grad(W, LAM, "l1"))
    np.testing.assert_array_equal(l1, (LAM * np.sign(host)).astype(np.float32))
    zero = xpnet.asarray([0.0, -2.0, 3.0])
    np.testing.assert_array_equal(to_numpy(penalty_grad(zero, 1.0, "l1")), [0.0, -1.0, 1.0])  # sign(0) = 0


@pytest.mark.parametrize("norm", ["l2", "l1"])
def test_float32_stays_float32(xp, norm):
    _, W = _weights("float32")
    for out in (penalty(W, np.float64(LAM), norm), penalty_grad(W, np.float64(LAM), norm)):
        assert array_namespace(out) is xp and out.dtype == xp.float32


def test_penalty_sums_over_several_weights(float64):
    host, W = _weights()
    W2 = xpnet.asarray(host[:2] * 2)
    expected = 0.5 * LAM * (np.sum(host**2) + np.sum((host[:2] * 2) ** 2))
    for weights in ([W, W2], {"W1": W, "W2": W2}):
        assert float(to_numpy(penalty(weights, LAM))) == pytest.approx(expected, rel=1e-14)
    fn, _ = PENALTIES["l2"]
    assert float(to_numpy(fn(W, LAM) + fn(W2, LAM))) == pytest.approx(expected, rel=1e-14)


def test_bad_norm_and_lambda_are_rejected(xp):
    _, W = _weights("float32")
    with pytest.raises(ValueError, match=r"unknown norm 'l3': expected one of 'l2', 'l1'"):
        penalty(W, LAM, "l3")
    with pytest.raises(ValueError, match=r"unknown norm 'L2'"):
        penalty_grad(W, LAM, "L2")
    with pytest.raises(ValueError, match=r"lam \(weight_decay_lambda\) must be >= 0 and finite, got -0.1"):
        penalty(W, -0.1)
    with pytest.raises(ValueError, match="at least one weight"):
        penalty([], LAM)
