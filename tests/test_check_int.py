"""The library's one integer check, ``check_int``: its two error types and the names in its messages."""

import numpy as np
import pytest

from xpnet._validation import check_int


def test_integers_of_any_kind_come_back_as_python_ints():
    assert check_int("n", np.int64(3)) == 3
    assert type(check_int("n", np.int64(3))) is int
    assert check_int("pad", 0, minimum=0) == 0


@pytest.mark.parametrize(("value", "minimum", "message"), [
    (0, 1, "n must be a positive integer, got 0"),
    (-1, 0, "n must be a non-negative integer, got -1"),
    (2, 3, "n must be an integer >= 3, got 2"),
    (2.5, 1, "n must be a positive integer, got 2.5"),
    (True, 1, "n must be a positive integer, got True"),
])
def test_a_bad_setting_is_a_value_error_naming_it(value, minimum, message):
    with pytest.raises(ValueError, match=message):
        check_int("n", value, minimum=minimum)


@pytest.mark.parametrize("value", [2.5, True, "3"])
def test_callers_that_keep_types_apart_get_a_type_error_for_a_non_integer(value):
    with pytest.raises(TypeError, match=f"stride must be an integer, got {value!r}"):
        check_int("stride", value, non_integer=TypeError)
    with pytest.raises(ValueError, match="stride must be a positive integer, got 0"):
        check_int("stride", 0, non_integer=TypeError)
