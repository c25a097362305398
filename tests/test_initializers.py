"""The book's weight_init_std: a number is the std, 'xavier'/'sigmoid' √(1/n), 'he'/'relu' √(2/n);
normal and uniform draws with that std, on the current backend and dtype."""

import math

import numpy as np
import pytest

import xpnet
from xpnet.backend import array_namespace, normal, to_numpy
from xpnet.initializers import default_fan_in, init_weight, resolve_std


@pytest.mark.parametrize("spec, fan_in, expected", [
    (0.01, None, 0.01), (2, None, 2.0), ("xavier", 100, 0.1), ("Sigmoid", 25, 0.2),
    ("he", 50, 0.2), ("RELU", 8, 0.5),
])
def test_resolve_std(spec, fan_in, expected):
    assert resolve_std(spec, fan_in) == pytest.approx(expected, rel=1e-15)


def test_default_fan_in_follows_the_books_layouts():
    assert default_fan_in((784, 100)) == 784  # Affine W: (n_in, n_out)
    assert default_fan_in((30, 1, 5, 5)) == 25  # Convolution W: (FN, C, FH, FW) -> C*FH*FW
    assert default_fan_in((16, 3, 3, 3)) == 27


@pytest.mark.parametrize("spec, fan_in, error, match", [
    ("lecun", 10, ValueError,
     r"unknown weight_init_std 'lecun': expected a positive number or one of "
     r"'xavier', 'sigmoid', 'he', 'relu'$"),
    (0.0, None, ValueError, r"weight_init_std must be > 0 and finite, got 0.0"),
    (-0.01, None, ValueError, r"got -0.01"),
    (math.inf, None, ValueError, r"got inf"),
    ("he", None, ValueError, r"weight_init_std 'he' needs an integer fan_in, got None"),
    ("he", 0, ValueError, r"fan_in must be >= 1, got 0"),
    (None, None, TypeError, r"weight_init_std must be a number or a name, got None"),
])
def test_bad_weight_init_std_is_rejected(spec, fan_in, error, match):
    with pytest.raises(error, match=match):
        resolve_std(spec, fan_in)


def test_bad_distribution_is_rejected():
    with pytest.raises(ValueError, match=r"distribution 'gaussian': expected one of 'normal', 'uniform'$"):
        init_weight((2, 2), 0.1, distribution="gaussian")


@pytest.mark.parametrize("distribution", ["normal", "uniform"])
@pytest.mark.parametrize("spec, shape, std", [
    (0.05, (200, 300), 0.05),
    ("he", (200, 300), math.sqrt(2 / 200)),
    ("xavier", (200, 300), math.sqrt(1 / 200)),
    ("relu", (64, 3, 5, 5), math.sqrt(2 / 75)),  # conv: fan-in C*FH*FW
])
def test_init_weight_has_the_std_it_means(xp, spec, shape, std, distribution):
    W = init_weight(shape, spec, distribution=distribution)
    assert array_namespace(W) is xp and W.dtype == xp.float32 and tuple(W.shape) == shape
    host = to_numpy(W).astype(np.float64)
    assert abs(host.std() / std - 1) < 0.03 and abs(host.mean()) < 0.03 * std
    if distribution == "uniform":
        assert np.abs(host).max() <= std * math.sqrt(3) * (1 + 1e-6)
        assert np.abs(host).max() > 0.95 * std * math.sqrt(3)  # really uniform, not normal


def test_init_weight_is_the_books_std_times_a_seeded_normal_draw(xp):
    xpnet.seed(5)
    W = init_weight((4, 6), 0.01)
    xpnet.seed(5)
    expected = normal((4, 6)) * 0.01
    np.testing.assert_array_equal(to_numpy(W), to_numpy(expected))


def test_init_weight_takes_the_default_dtype_and_an_explicit_fan_in(float64):
    W = init_weight((10, 4000), "he", fan_in=8)
    assert W.dtype == float64.float64
    assert abs(to_numpy(W).std() / 0.5 - 1) < 0.03
