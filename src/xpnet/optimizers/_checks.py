"""Hyperparameter checks shared by the optimizers and schedules.

Each returns the value as a Python ``float`` (so a NumPy float64 scalar cannot promote float32
parameters) or raises a ValueError/TypeError whose message names the argument and the value.
"""

from __future__ import annotations

import math


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


def positive_int(name: str, value) -> int:
    """A step count ≥ 1 (schedule lengths)."""
    if isinstance(value, bool) or not isinstance(value, int) and not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    out = int(value)
    if out < 1:
        raise ValueError(f"{name} must be >= 1, got {value!r}")
    return out


def choice(name: str, value, accepted: tuple[str, ...]) -> str:
    """One of ``accepted`` (a string option such as ``form``)."""
    if value not in accepted:
        raise ValueError(f"unknown {name} {value!r}: expected one of {', '.join(map(repr, accepted))}")
    return value
