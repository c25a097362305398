"""Random indices drawn without reading anything back from the device, on every backend.

``choice`` on CuPy scales uniform draws (``indices_from_uniform``) instead of CuPy's ``randint``,
which syncs; the same function runs here on every backend, so its range is checked exactly and
its distribution loosely without a GPU. NumPy keeps its ``Generator.integers`` draws.
"""

from __future__ import annotations

import numpy as np
import pytest

import xpnet
from xpnet import backend
from xpnet.backend._random import indices_from_uniform


@pytest.mark.parametrize("n", [1, 3, 1000003, 2**24 + 1])
def test_indices_from_uniform_stay_in_range_at_both_ends(xp, n):
    for dtype in ("float32", "float64"):
        top = np.nextafter(np.array(1.0, dtype), np.array(0.0, dtype))  # the largest u < 1
        u = backend.asarray(np.array([0.0, 0.5, top], dtype), dtype=dtype)
        i = indices_from_uniform(u, n)
        assert i.dtype == xp.int64
        got = xpnet.to_numpy(i)
        assert got[0] == 0 and 0 <= got[1] < n and 0 <= got[2] < n, (dtype, got)
        if dtype == "float64" or n <= 2**24:  # float32 cannot resolve the top of 2**24 + 1 indices
            assert got[2] == n - 1, (dtype, got)


def test_indices_from_uniform_are_uniform_over_the_classes(xp):
    counts = np.bincount(xpnet.to_numpy(indices_from_uniform(backend.uniform((20000,)), 7)), minlength=7)
    assert counts.shape == (7,)
    assert np.all(np.abs(counts / 20000 - 1 / 7) < 0.02), counts  # ~6 standard deviations


@pytest.mark.parametrize("n", [1, 5, 1000])
def test_choice_draws_every_index_in_range_and_no_other(xp, n):
    draws = backend.choice(n, 5000)
    assert backend.array_namespace(draws) is xp and draws.shape == (5000,)
    host = xpnet.to_numpy(draws)
    assert host.min() >= 0 and host.max() <= n - 1
    if n <= 5:
        assert set(host.tolist()) == set(range(n))
        assert np.all(np.abs(np.bincount(host, minlength=n) / 5000 - 1 / n) < 0.05)


def test_numpy_choice_keeps_its_generator_integers_sequence():
    """Seeded NumPy runs (the book scripts' reference draws) are unchanged by the CuPy rewrite."""
    with xpnet.use_backend("numpy"):
        xpnet.seed(7)
        got = xpnet.to_numpy(backend.choice(10, 6))
    np.testing.assert_array_equal(got, np.random.default_rng(7).integers(0, 10, size=6))
