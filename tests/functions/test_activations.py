"""Activations and softmax: values against host NumPy, dtype kept, no overflow at extremes."""

import numpy as np
import pytest

import xpnet
from xpnet.backend import array_namespace, normal
from xpnet.functions import log_softmax, relu, sigmoid, softmax, tanh
from xpnet.layers import Relu
from xpnet.testing import assert_close


def _np_softmax(a):
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


REFERENCES = [
    pytest.param(sigmoid, lambda a: 1 / (1 + np.exp(-a)), id="sigmoid"),
    pytest.param(relu, lambda a: np.maximum(a, 0), id="relu"),
    pytest.param(tanh, np.tanh, id="tanh"),
    pytest.param(softmax, _np_softmax, id="softmax"),
    pytest.param(log_softmax, lambda a: np.log(_np_softmax(a)), id="log_softmax"),
]


@pytest.mark.parametrize("fn, reference", REFERENCES)
@pytest.mark.parametrize("shape", [(7,), (4, 7)], ids=["1d", "2d"])
def test_matches_numpy_and_keeps_float32(xp, fn, reference, shape):
    x = normal(shape, std=3.0)
    y = fn(x)
    assert_close(y, reference(xpnet.to_numpy(x).astype(np.float64)), rtol=1e-5, atol=1e-6,
                 xp=xp, dtype=xp.float32)


@pytest.mark.parametrize("fn", [sigmoid, tanh, softmax, log_softmax], ids=lambda f: f.__name__)
def test_finite_for_extreme_inputs_without_overflow(xp, fn):
    # pytest turns NumPy's overflow RuntimeWarning into an error, so this also proves that no
    # intermediate overflows (the book's 1 / (1 + exp(-x)) does at x = -1e4 in float32).
    x = xpnet.asarray(np.array([[1e4, -1e4, 0.0], [-3e4, -1e4, -2e4]], dtype=np.float32))
    y = fn(x)
    assert y.dtype == xp.float32
    assert np.isfinite(xpnet.to_numpy(y)).all()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_equals_the_relu_layer_keeps_dtype_and_leaves_its_input_alone(xp, dtype):
    host = np.array([[-2.0, -0.0, 0.0], [0.5, 3.0, -1e-30]], dtype=dtype)
    x = xpnet.asarray(host, dtype=dtype)
    y = relu(x)
    assert y.dtype == getattr(xp, dtype)
    assert y.device == x.device
    np.testing.assert_array_equal(xpnet.to_numpy(y), xpnet.to_numpy(Relu().forward(x)))
    np.testing.assert_array_equal(xpnet.to_numpy(y), [[0.0, 0.0, 0.0], [0.5, 3.0, 0.0]])
    np.testing.assert_array_equal(xpnet.to_numpy(x), host)


def test_sigmoid_saturates_to_exact_limits(xp):
    y = xpnet.to_numpy(sigmoid(xpnet.asarray(np.array([-1e4, 1e4], dtype=np.float32))))
    np.testing.assert_array_equal(y, [0.0, 1.0])


def test_softmax_rows_sum_to_one_and_ignore_a_shift(float64):
    xp = float64
    x = normal((5, 6), std=4.0)
    y = softmax(x)
    assert_close(xp.sum(y, axis=-1), np.ones(5), rtol=1e-12, xp=xp)
    assert_close(softmax(x + 1000.0), xpnet.to_numpy(y), rtol=1e-10, xp=xp)


def test_softmax_of_huge_logits_is_one_hot(float64):
    xp = float64
    y = softmax(xpnet.asarray(np.array([[1e30, -1e30, 0.0]])))
    assert array_namespace(y) is xp
    np.testing.assert_array_equal(xpnet.to_numpy(y), [[1.0, 0.0, 0.0]])
