"""array_namespace's per-type cache returns what array_api_compat returns, and never hides errors."""

import array_api_compat
import numpy as np
import pytest

import xpnet
from xpnet.backend import array_namespace, normal


def test_cached_namespace_is_array_api_compats(xp):
    x = normal((2, 3))
    first, again = array_namespace(x), array_namespace(x, x)
    assert first is again is array_api_compat.array_namespace(x) is xp


def test_mixed_backends_still_raise_after_caching(xp):
    x = normal((2,))
    array_namespace(x)  # fill the cache for this type
    if isinstance(x, np.ndarray):
        import array_api_strict

        other = array_api_strict.ones(2)
    else:
        other = np.ones(2, dtype=np.float32)
    with pytest.raises(TypeError, match="different backends"):
        array_namespace(x, other)


def test_non_arrays_still_raise(xp):
    array_namespace(normal((1,)))
    with pytest.raises(TypeError, match="expected arrays"):
        array_namespace("not an array")


def test_scalars_are_ignored_next_to_an_array(xp):
    x = normal((2,))
    assert array_namespace(x, 1.0, None) is array_namespace(x)
    assert xpnet.get_namespace() is array_namespace(x)
