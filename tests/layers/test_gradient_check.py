"""gradient_check can fail: deliberately wrong backwards give large relative errors.

Without these, a gradient check that always reported ~0 would let every layer test pass.
"""

import pytest

from xpnet.backend import array_namespace, normal
from xpnet.gradient_check import gradient_check
from xpnet.layers import Affine, Sigmoid


class SigmoidMissingFactor(Sigmoid):
    """Forgets the ``(1 - y)`` factor: dout * y instead of dout * y * (1 - y)."""

    def backward(self, dout=1):
        return dout * self.out


class AffineDoubledWeightGradient(Affine):
    """Right dx and db, but dW twice too large."""

    def backward(self, dout=1):
        dx = super().backward(dout)
        self.grads["W"] = self.grads["W"] * 2.0
        return dx


class AffineFlippedInputGradient(Affine):
    """dx of the right shape and scale but with its features in reverse order."""

    def backward(self, dout=1):
        dx = super().backward(dout)
        return array_namespace(dx).flip(dx, axis=1)


def test_wrong_input_gradient_is_caught(float64):
    x = normal((3, 4))
    assert gradient_check(Sigmoid(), x)["x"] <= 1e-6
    assert gradient_check(SigmoidMissingFactor(), x)["x"] > 0.1


def test_wrong_parameter_gradient_is_caught_and_attributed(float64):
    W, b, x = normal((4, 3)), normal((3,)), normal((2, 4))
    errors = gradient_check(AffineDoubledWeightGradient(W, b), x)
    assert errors["W"] == pytest.approx(0.5, rel=1e-4)  # ||2g - g|| / ||2g||
    assert errors["x"] <= 1e-6 and errors["b"] <= 1e-6


def test_permuted_input_gradient_is_caught(float64):
    W, b, x = normal((4, 3)), normal((3,)), normal((2, 4))
    assert gradient_check(AffineFlippedInputGradient(W, b), x)["x"] > 0.1


def test_wrong_gradient_shape_is_a_value_error(float64):
    class Flattening(Sigmoid):
        def backward(self, dout=1):
            return super().backward(dout)[0, :]

    with pytest.raises(ValueError, match=r"analytic \(4,\) vs numerical \(3, 4\)"):
        gradient_check(Flattening(), normal((3, 4)))


def test_plain_functions_are_checked_through_their_backward(float64):
    from xpnet.functions import sigmoid, tanh

    x = normal((3, 4))
    right = gradient_check(tanh, x, backward=lambda x, dout: dout * (1 - tanh(x) ** 2))
    wrong = gradient_check(sigmoid, x, backward=lambda x, dout: dout * sigmoid(x))
    assert right["x"] <= 1e-6
    assert wrong["x"] > 0.1


def test_function_without_backward_is_a_type_error(float64):
    from xpnet.functions import tanh

    with pytest.raises(TypeError, match="backward=\\(x, dout\\) -> dx"):
        gradient_check(tanh, normal((2, 2)))
    with pytest.raises(TypeError, match="a layer brings its own backward"):
        gradient_check(Sigmoid(), normal((2, 2)), backward=lambda x, d: d)
