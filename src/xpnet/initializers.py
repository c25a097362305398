"""Initial weights with the book's ``weight_init_std`` semantics.

``weight_init_std`` is either a number, used as the standard deviation (the book's default
0.01), or a name that derives the std from the fan-in ``n``:

- ``'xavier'`` / ``'sigmoid'``: √(1/n) (Glorot & Bengio, the book's form for sigmoid/tanh);
- ``'he'`` / ``'relu'``: √(2/n) (He et al., for ReLU).

Names are case-insensitive, as in the book. ``distribution='uniform'`` draws from
U(−a, a) with a = std·√3, which has the same std as the normal variant.

Fan-in follows the book's layouts: an Affine weight (n_in, n_out) has fan-in ``shape[0]``; a
convolution filter (FN, C, FH, FW) has fan-in C·FH·FW = ``prod(shape[1:])``. Pass ``fan_in``
explicitly to override. Draws come from [`xpnet.backend`][xpnet.backend] (seeded, on the current device,
in the default dtype).
"""

from __future__ import annotations

import math

from ._validation import positive
from .backend import normal, uniform

#: name -> numerator of the variance: std = sqrt(GAINS[name] / fan_in)
GAINS = {"xavier": 1.0, "sigmoid": 1.0, "he": 2.0, "relu": 2.0}
DISTRIBUTIONS = ("normal", "uniform")


def default_fan_in(shape) -> int:
    """``shape[0]`` for 1-D and 2-D (Affine: (n_in, n_out)), ``prod(shape[1:])`` above (conv)."""
    shape = tuple(int(s) for s in shape)
    if not shape:
        raise ValueError("a weight needs at least one dimension to have a fan-in, got shape ()")
    return shape[0] if len(shape) <= 2 else math.prod(shape[1:])


def resolve_std(weight_init_std, fan_in=None) -> float:
    """The standard deviation that ``weight_init_std`` means for a layer with ``fan_in`` inputs.

    Parameters
    ----------
    weight_init_std : float or {'xavier', 'sigmoid', 'he', 'relu'}
    fan_in : int, optional
        Needed for the names.
    """
    if isinstance(weight_init_std, str):
        key = weight_init_std.strip().lower()
        if key not in GAINS:
            raise ValueError(
                f"unknown weight_init_std {weight_init_std!r}: expected a positive number or one of "
                f"{', '.join(map(repr, GAINS))}"
            )
        if isinstance(fan_in, bool) or not isinstance(fan_in, int) and not hasattr(fan_in, "__index__"):
            raise ValueError(f"weight_init_std {weight_init_std!r} needs an integer fan_in, got {fan_in!r}")
        if int(fan_in) < 1:
            raise ValueError(f"fan_in must be >= 1, got {fan_in!r}")
        return math.sqrt(GAINS[key] / int(fan_in))
    try:
        return positive("weight_init_std", weight_init_std)
    except TypeError:
        raise TypeError(f"weight_init_std must be a number or a name, got {weight_init_std!r}") from None


def init_weight(shape, weight_init_std, fan_in=None, distribution: str = "normal", *, dtype=None):
    """Random weights of ``shape`` with the std that ``weight_init_std`` means.

    Parameters
    ----------
    shape : tuple of int
        E.g. (n_in, n_out) for Affine, (FN, C, FH, FW) for Convolution.
    weight_init_std : float or {'xavier', 'sigmoid', 'he', 'relu'}
    fan_in : int, optional
        Default: [`default_fan_in`][xpnet.initializers.default_fan_in] of ``shape``.
    distribution : {'normal', 'uniform'}
        Normal N(0, std²), or uniform U(−std·√3, std·√3) with the same std.
    dtype : optional
        Default: the backend's default float (float32 unless set to float64).

    Returns
    -------
    array, shape ``shape``
        On the current backend and device.
    """
    if distribution not in DISTRIBUTIONS:
        accepted = ", ".join(map(repr, DISTRIBUTIONS))
        raise ValueError(f"unknown distribution {distribution!r}: expected one of {accepted}")
    shape = tuple(int(s) for s in shape)
    if fan_in is None and isinstance(weight_init_std, str):
        fan_in = default_fan_in(shape)
    std = resolve_std(weight_init_std, fan_in)
    if distribution == "normal":
        return normal(shape, std=std, dtype=dtype)
    limit = std * math.sqrt(3.0)
    return uniform(shape, low=-limit, high=limit, dtype=dtype)
