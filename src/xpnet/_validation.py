"""Argument checks shared by every layer of the library (a leaf module: imports nothing of xpnet).

Integers are accepted through ``operator.index`` (Python and NumPy integers alike) and ``bool`` is
refused, so ``epochs=True`` or ``n_trials=2.5`` fail with a message that names the setting.
`check_int` is the library's one integer check (settings, kernel sizes, schedule lengths). Real
numbers come back as a Python ``float`` (so a NumPy float64 scalar cannot promote float32 arrays)
or raise a TypeError/ValueError naming the setting and the value.
"""

from __future__ import annotations

import math
import operator


def check_int(name: str, value, *, minimum: int = 1, non_integer: type[Exception] = ValueError) -> int:
    """``value`` as an ``int`` >= ``minimum``; errors name ``name`` and the value.

    Too small: a ValueError ("stride must be a positive integer, got 0"). Not an integer (a
    float, a string, ``True``): ``non_integer``, a ValueError by default (a setting is simply
    wrong) or a TypeError where the caller keeps the two apart ("stride must be an integer").
    """
    try:
        out = None if isinstance(value, bool) else operator.index(value)
    except TypeError:
        out = None
    kind = {0: "a non-negative integer", 1: "a positive integer"}.get(minimum, f"an integer >= {minimum}")
    if out is None and non_integer is not ValueError:
        raise non_integer(f"{name} must be an integer, got {value!r}")
    if out is None or out < minimum:
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    return out


def as_float(name: str, value) -> float:
    """``value`` as a Python float; TypeError naming ``name`` for anything not a real number."""
    if isinstance(value, bool) or isinstance(value, str):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {value!r}") from None
    if math.isnan(out):
        raise ValueError(f"{name} must be a number, got {value!r}")
    return out


def non_negative(name: str, value) -> float:
    """A finite value ≥ 0 (learning rates, weight decay)."""
    out = as_float(name, value)
    if not 0.0 <= out < math.inf:
        raise ValueError(f"{name} must be >= 0 and finite, got {value!r}")
    return out


def positive(name: str, value) -> float:
    """A finite value > 0 (eps, max_norm)."""
    out = as_float(name, value)
    if not 0.0 < out < math.inf:
        raise ValueError(f"{name} must be > 0 and finite, got {value!r}")
    return out


def unit_interval(name: str, value) -> float:
    """A decay rate in [0, 1): betas, momentum, decay_rate, rho."""
    out = as_float(name, value)
    if not 0.0 <= out < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return out
