"""Everything [`Optimizer.update`][xpnet.optimizers.Optimizer.update] checks before it changes anything.

An update is all or nothing: a bad gradient, a state array that does not fit, or a learning-rate
schedule that fails must raise *before* the first parameter, moment or the step count ``t``
moves. The checks read metadata only (keys, shapes, dtypes, array types, devices) and Python
floats, never an array's values, so they cost no device synchronisation in a train step.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

from ..backend import array_namespace, asarray

__all__ = ["check_containers", "check_flat_grads", "check_pairs", "check_state", "is_number"]


def is_number(value) -> bool:
    """A real Python number or NumPy scalar: a parameter that cannot be updated in place."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_containers(params, grads) -> None:
    """TypeError unless ``params`` and ``grads`` are mappings of names (the book's dicts)."""
    for name, value in (("params", params), ("grads", grads)):
        if not isinstance(value, Mapping):
            raise TypeError(f"update(params, grads) takes dicts of name -> array; {name} is a "
                            f"{type(value).__name__}")


def _library(x) -> str:
    return type(x).__module__.split(".", 1)[0]


def _backend_of(x):
    """The namespace of array ``x``; TypeError naming its type for something that is none."""
    try:
        return array_namespace(x)
    except TypeError:
        raise TypeError(f"expected an array, got a {type(x).__name__}") from None


def check_match(key: str, p, g) -> None:
    """ValueError/TypeError naming ``key`` unless array ``g`` can update array ``p`` in place:
    same backend, device and dtype (a real floating one), same shape."""
    if type(g) is not type(p) and _backend_of(g) is not _backend_of(p):
        raise TypeError(f"gradient {key!r} is a {_library(g)} array ({type(g).__name__}), but its "
                        f"parameter is a {_library(p)} array ({type(p).__name__}); move them onto one "
                        "backend with xpnet.asarray() first")
    if tuple(g.shape) != tuple(p.shape):
        raise ValueError(f"gradient {key!r} has shape {tuple(g.shape)}, parameter has {tuple(p.shape)}")
    if g.dtype != p.dtype:
        raise TypeError(f"gradient {key!r} has dtype {g.dtype}, but its parameter has dtype {p.dtype}; "
                        "an in-place update would cast it silently (or fail part-way)")
    if getattr(g, "device", None) != getattr(p, "device", None):
        raise ValueError(f"gradient {key!r} is on device {g.device}, but its parameter is on {p.device}")


#: dtype -> whether it is real floating (array_api_compat's ``isdtype`` costs microseconds a call)
_FLOATING: dict = {}


def _check_floating(key: str, p) -> None:
    # keyed by the dtype's type first: a NumPy and an array-api-strict float32 may hash alike,
    # and comparing them warns
    cache_key = (type(p.dtype), p.dtype)
    try:
        floating = _FLOATING.get(cache_key)
    except TypeError:  # an unhashable dtype
        floating = None
    if floating is None:
        floating = bool(array_namespace(p).isdtype(p.dtype, "real floating"))
        try:
            _FLOATING[cache_key] = floating
        except TypeError:
            pass
    if not floating:
        raise TypeError(f"parameter {key!r} has dtype {p.dtype}: an optimizer updates real floating "
                        "arrays only")


def _scalar(key: str, p, g):
    """0-d float64 arrays (current backend) for the number ``p`` and its gradient ``g``."""
    if not is_number(g):
        shape = getattr(g, "shape", None)
        if shape is None:
            raise TypeError(f"parameter {key!r} is a number, but its gradient is a {type(g).__name__}")
        if tuple(shape) != ():
            raise ValueError(f"parameter {key!r} is a number, but its gradient has shape {tuple(shape)}")
    if isinstance(g, complex) or "complex" in str(getattr(g, "dtype", "")):
        raise TypeError(f"gradient {key!r} is complex ({g!r}): expected a real number")
    return asarray(float(p), dtype="float64"), asarray(g, dtype="float64")


def check_pairs(params: Mapping, grads: Mapping):
    """``(grads by key, params as updated, keys of Python-number params)`` after checking every
    pair; ValueError or TypeError naming the key for a missing gradient or one that does not fit
    (backend, device, dtype, shape)."""
    gs, work, scalars = {}, {}, []
    for key, p in params.items():
        g = grads.get(key)
        if g is None:
            raise ValueError(f"no gradient for parameter {key!r} (grads has {sorted(map(str, grads))})")
        if hasattr(p, "shape") and hasattr(g, "shape"):  # the common case first: two arrays
            _check_floating(key, p)
            check_match(key, p, g)
        elif is_number(p):
            p, g = _scalar(key, p, g)
            scalars.append(key)
        elif not hasattr(p, "shape"):
            raise TypeError(f"parameter {key!r} must be an array or a number, got {type(p).__name__}")
        else:
            raise TypeError(f"gradient {key!r} is a {type(g).__name__}, but its parameter is an "
                            f"array of shape {tuple(p.shape)}")
        work[key] = p
        gs[key] = g
    return gs, work, scalars


def check_flat_grads(flat_p, flat_g) -> None:
    """Gradients of a flat buffer's layout (keys and shapes already equal): each of the same
    backend, device and dtype as the parameter buffer."""
    data = flat_p.data
    _check_floating("(flat buffer)", data)
    for key, g in flat_g.views.items():
        if type(g) is not type(data) or g.dtype != data.dtype or getattr(g, "device", None) != data.device:
            check_match(key, flat_p.views[key], g)


def check_state(optimizer, params: Mapping) -> None:
    """ValueError naming the slot and key when state held (or pending from a loaded state dict)
    for a parameter does not fit it: another shape, or, for held state, another backend,
    device or dtype."""
    for slot in optimizer.slots:
        held = optimizer.state[slot]
        for key, p in params.items():
            a = held.get(key)
            if a is not None and type(a) is type(p) and a.shape == p.shape and a.dtype == p.dtype \
                    and a.device == p.device:
                continue  # the common case: state made for this parameter
            if not hasattr(p, "shape"):  # a Python number: its state is 0-d, made when first updated
                continue
            if a is None:
                a = optimizer._pending.get(f"{slot}/{key}")
                if a is not None and tuple(getattr(a, "shape", ())) != tuple(p.shape):
                    raise ValueError(f"parameter {key!r} has shape {tuple(p.shape)}, but the loaded "
                                     f"optimizer state '{slot}/{key}' has shape {tuple(a.shape)}")
                continue
            if tuple(a.shape) != tuple(p.shape):
                raise ValueError(f"parameter {key!r} has shape {tuple(p.shape)}, but optimizer state "
                                 f"'{slot}/{key}' has shape {tuple(a.shape)} (is this optimizer another "
                                 "network's?)")
            try:
                check_match(f"{slot}/{key}", p, a)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"optimizer state '{slot}/{key}' does not fit its parameter: "
                                 f"{str(exc).replace('gradient ', 'state ', 1)}") from None


def check_hyperparameters(optimizer) -> None:
    """Every hyperparameter a finite Python float (its range was checked when it was set, by
    ``__setattr__``); anything else, set around that check, gets its full check again here."""
    for name, check in optimizer.hyperparameters.items():
        value = getattr(optimizer, name)
        if type(value) is not float or value - value != 0.0:  # not a float, or NaN / inf
            check(name, value)
