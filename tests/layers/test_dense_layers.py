"""The layer contract, one table row per dense layer (thinc's TEST_CASES style).

Every row runs on every backend through: a float64 gradient check, float32 in -> float32 out
(forward, backward and parameter gradients), input shape restored by backward, and no mutation of
the caller's ``x``, ``t`` or ``dout``. Adding a layer means adding a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

import xpnet
from xpnet.backend import array_namespace, choice, normal
from xpnet.gradient_check import gradient_check
from xpnet.layers import Affine, Dropout, Flatten, Relu, Sigmoid, SoftmaxWithLoss, Tanh
from xpnet.testing import assert_close

GRAD_TOL = 1e-6


def _labels(xp, n, c):
    return choice(c, n)


def _one_hot(xp, n, c):
    t = choice(c, n)
    return xp.astype(xp.arange(c, dtype=xp.int64)[None, :] == t[:, None], xpnet.backend.default_float(xp))


@dataclass(frozen=True)
class Case:
    """One layer under test: how to build it on the current backend and what to feed it."""

    id: str
    make: Callable[[], object]
    x_shape: tuple
    out_shape: tuple
    targets: Callable | None = None  # (xp, N, C) -> t, for loss layers
    train_flg: bool = True
    off_kink: bool = False  # move |x| >= 0.1 so ReLU's kink at 0 is never straddled


CASES = [
    Case("affine-2d", lambda: Affine(normal((6, 4), std=0.5), normal((4,))), (3, 6), (3, 4)),
    Case("affine-4d", lambda: Affine(normal((12, 5), std=0.5), normal((5,))), (2, 3, 2, 2), (2, 5)),
    Case("relu", Relu, (4, 5), (4, 5), off_kink=True),
    Case("sigmoid", Sigmoid, (4, 5), (4, 5)),
    Case("tanh", Tanh, (4, 5), (4, 5)),
    Case("softmax-loss-labels", SoftmaxWithLoss, (4, 5), (), targets=_labels),
    Case("softmax-loss-one-hot", SoftmaxWithLoss, (4, 5), (), targets=_one_hot),
    Case("dropout-inverted-train", lambda: Dropout(0.4), (4, 5), (4, 5)),
    Case("dropout-inverted-test", lambda: Dropout(0.4), (4, 5), (4, 5), train_flg=False),
    Case("dropout-book-train", lambda: Dropout(0.4, inverted=False), (4, 5), (4, 5)),
    Case("dropout-book-test", lambda: Dropout(0.4, inverted=False), (4, 5), (4, 5), train_flg=False),
    Case("flatten", Flatten, (2, 3, 2, 2), (2, 12)),
]
CASE_PARAMS = [pytest.param(c, id=c.id) for c in CASES]


def _inputs(xp, case):
    """(x, extra forward args) on the current backend and default dtype."""
    x = normal(case.x_shape)
    if case.off_kink:
        x = xp.where(x >= 0, x + 0.1, x - 0.1)
    extra = (case.targets(xp, case.x_shape[0], case.x_shape[-1]),) if case.targets else ()
    return x, extra


def _run(case, layer, x, extra, dout=None):
    out = layer.forward(x, *extra, train_flg=case.train_flg)
    dx = layer.backward(dout if dout is not None else (1 if case.targets else out * 0.5 + 1.0))
    return out, dx


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_backward_matches_float64_numerical_gradient(float64, case):
    layer = case.make()
    x, extra = _inputs(float64, case)
    errors = gradient_check(layer, x, *extra, train_flg=case.train_flg)
    assert set(errors) == {"x", *layer.params}
    assert max(errors.values()) <= GRAD_TOL, errors


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_float32_in_float32_out_and_shapes(xp, case):
    layer = case.make()
    x, extra = _inputs(xp, case)
    out, dx = _run(case, layer, x, extra)
    assert array_namespace(out) is xp and array_namespace(dx) is xp
    assert out.dtype == xp.float32 and dx.dtype == xp.float32
    assert tuple(out.shape) == case.out_shape and tuple(dx.shape) == case.x_shape
    for name, g in layer.grads.items():
        assert g.dtype == xp.float32 and g.shape == layer.params[name].shape, name


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_never_mutates_the_callers_arrays(xp, case):
    layer = case.make()
    x, extra = _inputs(xp, case)
    out = layer.forward(x, *extra, train_flg=case.train_flg)
    dout = normal(tuple(out.shape))
    saved = [xpnet.to_numpy(a).copy() for a in (x, *extra, dout)]
    layer.backward(dout)
    for before, a in zip(saved, (x, *extra, dout)):
        np.testing.assert_array_equal(xpnet.to_numpy(a), before)


# --- Affine -------------------------------------------------------------------------------------

def test_affine_on_4d_input_equals_flattened_matmul_and_restores_shape(xp):
    W, b, x, dout = normal((12, 5)), normal((5,)), normal((2, 3, 2, 2)), normal((2, 5))
    layer = Affine(W, b)
    x2 = xpnet.to_numpy(x).reshape(2, 12).astype(np.float64)
    Wn, dn = xpnet.to_numpy(W).astype(np.float64), xpnet.to_numpy(dout).astype(np.float64)
    assert_close(layer.forward(x), x2 @ Wn + xpnet.to_numpy(b), rtol=1e-5, atol=1e-5, xp=xp)
    dx = layer.backward(dout)
    assert_close(dx, (dn @ Wn.T).reshape(2, 3, 2, 2), rtol=1e-5, atol=1e-5, xp=xp, dtype=xp.float32)
    assert_close(layer.dW, x2.T @ dn, rtol=1e-5, atol=1e-5, xp=xp)
    assert_close(layer.db, dn.sum(axis=0), rtol=1e-5, atol=1e-5, xp=xp)
    assert layer.grads["W"] is layer.dW and layer.grads["b"] is layer.db


def test_affine_params_are_the_callers_arrays_by_reference(xp):
    W, b = normal((3, 2)), normal((2,))
    layer = Affine(W, b)
    assert layer.params["W"] is W and layer.W is W and layer.params["b"] is b and layer.b is b
    x = normal((1, 3))
    before = xpnet.to_numpy(layer.forward(x)).copy()
    layer.params["b"] += 1.0  # what an optimizer does
    np.testing.assert_allclose(xpnet.to_numpy(layer.forward(x)), before + 1.0, rtol=1e-6)


BAD_AFFINE_INPUTS = [
    pytest.param((4, 7), r"x of shape \(4, 7\) does not match W of shape \(6, 3\)", id="features"),
    pytest.param((4, 2, 2, 2), r"x of shape \(4, 2, 2, 2\) does not match W of shape \(6, 3\)",
                 id="4d-features"),
    pytest.param((6,), r"x of shape \(6,\) does not match W of shape \(6, 3\)", id="no-batch-axis"),
]


@pytest.mark.parametrize("shape, pattern", BAD_AFFINE_INPUTS)
def test_affine_shape_mismatch_names_both_shapes(xp, shape, pattern):
    layer = Affine(normal((6, 3)), normal((3,)))
    with pytest.raises(ValueError, match=pattern):
        layer.forward(normal(shape))


def test_affine_dtype_mismatch_is_a_type_error_naming_both(xp):
    layer = Affine(normal((6, 3)), normal((3,)))
    with pytest.raises(TypeError, match="x has dtype .*float64.* but W has dtype .*float32"):
        layer.forward(normal((2, 6), dtype=xp.float64))


def test_affine_construction_checks_w_and_b_shapes(xp):
    with pytest.raises(ValueError, match=r"got W of shape \(6, 3\) and b of shape \(4,\)"):
        Affine(normal((6, 3)), normal((4,)))


# --- activations and SoftmaxWithLoss -----------------------------------------------------------

def test_relu_gradient_is_zero_where_input_is_not_positive(xp):
    x = xpnet.asarray(np.array([[-1.0, 0.0, 2.0]]))
    layer = Relu()
    layer.forward(x)
    dx = layer.backward(xpnet.asarray(np.array([[5.0, 5.0, 5.0]])))
    assert_close(dx, np.array([[0, 0, 5.0]], np.float32), xp=xp, dtype=xp.float32)


def test_softmax_with_loss_backward_is_softmax_minus_one_hot_times_dout_over_n(xp):
    x, t = normal((4, 3)), xpnet.asarray(np.array([0, 2, 1, 2]))
    layer = SoftmaxWithLoss()
    loss = layer.forward(x, t)
    assert array_namespace(loss) is xp and tuple(loss.shape) == () and loss.dtype == xp.float32
    xn = xpnet.to_numpy(x).astype(np.float64)
    y = np.exp(xn - xn.max(axis=1, keepdims=True))
    y /= y.sum(axis=1, keepdims=True)
    expected = (y - np.eye(3)[[0, 2, 1, 2]]) * 2.0 / 4
    assert_close(layer.backward(2.0), expected, rtol=1e-5, atol=1e-7, xp=xp, dtype=xp.float32)


def test_softmax_with_loss_single_sample_keeps_its_shape(xp):
    layer = SoftmaxWithLoss()
    layer.forward(normal((5,)), xpnet.asarray(np.array(3)))
    assert tuple(layer.backward().shape) == (5,)
