"""Assertions for tests of xpnet and of code built on it."""

from __future__ import annotations

import numpy as np

from .backend import array_namespace, to_numpy


def assert_close(actual, expected, *, rtol: float = 1e-7, atol: float = 0.0, xp=None, dtype=None):
    """Namespace, dtype and shape first, then values (like array-api-extra's ``assert_close``).

    ``expected`` may be a NumPy array or an array of the same backend; ``xp`` and ``dtype``, when
    given, are what ``actual`` must have.
    """
    if xp is not None and array_namespace(actual) is not xp:
        raise AssertionError(f"expected an array of {xp.__name__}, got {type(actual).__module__}")
    if dtype is not None and actual.dtype != dtype:
        raise AssertionError(f"expected dtype {dtype}, got {actual.dtype}")
    a, e = to_numpy(actual), to_numpy(expected) if hasattr(expected, "shape") else np.asarray(expected)
    if a.shape != e.shape:
        raise AssertionError(f"shape {a.shape} != expected {e.shape}")
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol)
