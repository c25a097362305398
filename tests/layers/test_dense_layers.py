"""Dense layers beyond the contract table (tests/layers/test_layer_contract.py): Affine's shapes,
dtypes and references, ReLU's mask, SoftmaxWithLoss's gradient."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet
from xpnet.backend import array_namespace, normal
from xpnet.layers import Affine, Relu, SoftmaxWithLoss
from xpnet.testing import assert_close

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


def test_softmax_with_loss_of_soft_targets_is_torch_cross_entropy_with_probabilities(xp):
    """Rows of ``t`` that are probabilities, or any weights, give ``-sum(t * log_softmax(x)) / N``,
    torch's ``cross_entropy`` with a probability target, and its gradient ``(sum(t) * softmax - t)
    / N`` (``(softmax - t) / N`` for rows summing to 1)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    xn = rng.normal(size=(5, 4)) * 3
    tn = rng.random((5, 4))
    tn[:3] /= tn[:3].sum(axis=1, keepdims=True)  # three rows of probabilities, two of weights
    layer = SoftmaxWithLoss()
    loss = layer.forward(xpnet.asarray(xn, dtype=xp.float64), xpnet.asarray(tn, dtype=xp.float64))
    xt = torch.tensor(xn, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(xt, torch.tensor(tn))
    expected.backward()
    assert_close(loss, np.float64(expected.item()), rtol=1e-12, xp=xp, dtype=xp.float64)
    assert_close(layer.backward(), xt.grad.numpy(), rtol=1e-10, atol=1e-14, xp=xp, dtype=xp.float64)
