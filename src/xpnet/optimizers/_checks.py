"""Hyperparameter checks shared by the optimizers and schedules.

Each returns the value as a Python ``float`` (so a NumPy float64 scalar cannot promote float32
parameters) or raises a ValueError/TypeError whose message names the argument and the value.
"""

from __future__ import annotations

from .._validation import as_float, non_negative, positive, unit_interval

__all__ = ["as_float", "choice", "non_negative", "positive", "positive_int", "unit_interval"]


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
