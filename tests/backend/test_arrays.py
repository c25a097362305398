"""asarray / to_numpy / array_namespace across backends, and the RNG shim."""

import numpy as np
import pytest

import xpnet
from xpnet import backend


def test_asarray_lands_on_current_backend_in_float32(xp):
    x = xpnet.asarray(np.arange(6, dtype=np.float64).reshape(2, 3))
    assert backend.array_namespace(x) is xp
    assert x.dtype == xp.float32
    np.testing.assert_array_equal(xpnet.to_numpy(x), np.arange(6).reshape(2, 3))


def test_asarray_keeps_integer_labels(xp):
    t = xpnet.asarray(np.array([3, 1, 2], dtype=np.int64))
    assert t.dtype == xp.int64


def test_float64_setting_reaches_new_arrays(float64):
    xp = float64
    assert xpnet.asarray([1.5, 2.5]).dtype == xp.float64
    assert backend.normal((3,)).dtype == xp.float64


def test_asarray_crosses_backends_through_host(xp):
    torch = pytest.importorskip("torch")

    source = torch.arange(4, dtype=torch.float64)
    x = xpnet.asarray(source)
    assert backend.array_namespace(x) is xp
    np.testing.assert_array_equal(xpnet.to_numpy(x), [0, 1, 2, 3])


def test_mixed_backends_raise_type_error_naming_both():
    torch = pytest.importorskip("torch")

    with pytest.raises(TypeError, match=r"numpy \(ndarray\), torch \(Tensor\)"):
        backend.array_namespace(np.ones(2), torch.ones(2))


def test_same_seed_same_draws_on_one_backend(xp):
    draws = []
    for _ in range(2):
        xpnet.seed(123)
        draws.append([xpnet.to_numpy(f()) for f in (
            lambda: backend.normal((3, 4)),
            lambda: backend.uniform((5,), low=-1.0, high=2.0),
            lambda: backend.permutation(10),
            lambda: backend.choice(10, 4),
            lambda: backend.bernoulli_mask((8,), 0.3),
        )])
    for a, b in zip(*draws):
        np.testing.assert_array_equal(a, b)


def test_draws_live_on_the_backend_with_right_dtype(xp):
    x = backend.normal((1000,), std=2.0, mean=1.0)
    assert backend.array_namespace(x) is xp
    assert x.dtype == xp.float32
    host = xpnet.to_numpy(x)
    assert abs(host.mean() - 1.0) < 0.2 and abs(host.std() - 2.0) < 0.2
    u = xpnet.to_numpy(backend.uniform((1000,), low=-1.0, high=2.0))
    assert u.min() >= -1.0 and u.max() < 2.0
    p = np.sort(xpnet.to_numpy(backend.permutation(50)))
    np.testing.assert_array_equal(p, np.arange(50))
    assert backend.bernoulli_mask((4,), 0.5).dtype == xp.bool


@pytest.mark.parametrize("call", [
    lambda: xpnet.seed(-1),
    lambda: xpnet.seed(1.5),
    lambda: backend.uniform((2,), low=1.0, high=1.0),
    lambda: backend.bernoulli_mask((2,), 1.5),
    lambda: backend.choice(3, 5, replace=False),
    lambda: backend.normal((-1, 2)),
])
def test_rng_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()
