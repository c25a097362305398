"""The book's numerical_gradient: f receives x, x is perturbed in place and restored."""

import numpy as np
import pytest

import xpnet
from xpnet.backend import normal
from xpnet.functions import numerical_gradient
from xpnet.testing import assert_close


def test_gradient_of_sum_of_squares_is_2x(float64):
    xp = float64
    x = normal((3, 4))
    before = xpnet.to_numpy(x).copy()
    g = numerical_gradient(lambda w: xp.sum(w * w), x)
    assert_close(g, 2 * before, rtol=1e-8, atol=1e-10, xp=xp, dtype=xp.float64)
    np.testing.assert_array_equal(xpnet.to_numpy(x), before)


def test_book_style_closure_reads_the_parameter_by_reference(float64):
    # The book's networks pass ``lambda W: self.loss(x, t)``: f ignores its argument.
    xp = float64
    params = {"W": normal((2, 3))}
    v = normal((2, 3))
    g = numerical_gradient(lambda _: xp.sum(params["W"] * v), params["W"])
    assert_close(g, xpnet.to_numpy(v), rtol=1e-8, atol=1e-10, xp=xp)


def test_float32_parameter_gets_a_float32_gradient(xp):
    x = normal((4,))
    g = numerical_gradient(lambda w: xp.sum(w * w * w), x)
    assert_close(g, 3 * xpnet.to_numpy(x).astype(np.float64) ** 2, rtol=2e-2, atol=2e-2,
                 xp=xp, dtype=xp.float32)


def test_integer_x_is_a_type_error_naming_the_dtype(xp):
    x = xpnet.asarray(np.arange(3))
    with pytest.raises(TypeError, match="int64"):
        numerical_gradient(lambda w: w, x)
