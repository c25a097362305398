"""Hyperparameter checks shared by the optimizers and schedules.

Each returns the value as a Python ``float`` (so a NumPy float64 scalar cannot promote float32
parameters) or raises a ValueError/TypeError whose message names the argument and the value.
"""

from __future__ import annotations

from .._validation import as_float, check_int, non_negative, positive, unit_interval

__all__ = ["as_float", "choice", "non_negative", "positive", "positive_int", "unit_interval"]


def positive_int(name: str, value) -> int:
    """A step count ≥ 1 (schedule lengths): TypeError for a non-integer, ValueError below 1."""
    return check_int(name, value, non_integer=TypeError)


def choice(name: str, value, accepted: tuple[str, ...]) -> str:
    """One of ``accepted`` (a string option such as ``form``)."""
    if value not in accepted:
        raise ValueError(f"unknown {name} {value!r}: expected one of {', '.join(map(repr, accepted))}")
    return value
