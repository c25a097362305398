"""The Trainer's constructor checks: every argument, before any work.

A setting that cannot work fails when the Trainer is built, with a message naming it, not after
an epoch of training (``evaluate_sample_num_per_epoch=0`` used to fail at the first evaluation,
``-1`` silently evaluated on ``x[:-1]``, an empty test set after epoch 1, ``callbacks=[1]``
with an AttributeError at train time).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .._validation import check_int

_NUMERIC = ("float", "int", "uint", "bool")


def check_network(network) -> None:
    """TypeError unless ``network`` has a ``params`` dict, ``gradient`` and ``accuracy``."""
    if not isinstance(getattr(network, "params", None), Mapping):
        raise TypeError(f"network must have a 'params' dict of arrays (the book's networks do), "
                        f"got a {type(network).__name__}")
    for method in ("gradient", "accuracy"):
        if not callable(getattr(network, method, None)):
            raise TypeError(f"network must have a {method}() method, got a {type(network).__name__} "
                            "without one")


def _dtype_name(a) -> str:
    dtype = getattr(a, "dtype", None)
    if dtype is None:  # a list or a number: what NumPy would make of it (host data, once)
        try:
            dtype = np.asarray(a).dtype
        except ValueError:  # ragged
            return "object"
    return str(dtype).rsplit(".", 1)[-1]


def check_numbers(splits) -> None:
    """TypeError naming the split and array for data that is not numbers (strings, objects),
    before it is moved to a backend that would fail with its own message."""
    for split, x, t in splits:
        for name, a in (("x", x), ("t", t)):
            dtype = _dtype_name(a)
            if not dtype.startswith(_NUMERIC):
                raise TypeError(f"{split} set: {name} has dtype {dtype}; expected numbers")


def check_split(split: str, x, t) -> None:
    """ValueError naming the split for data that cannot be batched: not at least 1-D,
    different sample counts, or empty."""
    for name, a in (("x", x), ("t", t)):
        if a.ndim < 1:
            raise ValueError(f"{split} set: {name} must be an array of samples (at least 1-D), "
                             f"got a 0-d array")
    if x.shape[0] != t.shape[0]:
        raise ValueError(f"{split} set: x has {x.shape[0]} samples but t has {t.shape[0]}")
    if x.shape[0] == 0:
        raise ValueError(f"the {split} set is empty: accuracy on it would be undefined")


def same_sample_shape(splits) -> None:
    """ValueError naming the split whose samples hold another number of values than the
    training samples (the network would fail on them only at the first evaluation, after an
    epoch). Only the count: an MLP takes (N, 784) and (N, 1, 28, 28) alike."""
    (_, x_train, _), *others = splits
    size = math.prod(x_train.shape[1:])
    for split, x, _ in others:
        if math.prod(x.shape[1:]) != size:
            raise ValueError(f"{split} set: samples of shape {tuple(x.shape[1:])}, but the training "
                             f"samples have shape {tuple(x_train.shape[1:])}")


def optional_count(name: str, value):
    """None, or a positive integer (TypeError for a float such as 2.5, ValueError below 1)."""
    return None if value is None else check_int(name, value, non_integer=TypeError)


def check_seed(value):
    """None, or a non-negative integer seed."""
    return None if value is None else check_int("seed", value, minimum=0, non_integer=TypeError)


def check_optimizer_param(optimizer, optimizer_param):
    """``optimizer_param`` (a dict or None) applies only to an optimizer given by name."""
    if optimizer_param is None:
        return {}
    if not isinstance(optimizer_param, Mapping):
        raise TypeError(f"optimizer_param must be a dict of the optimizer's arguments, got "
                        f"{type(optimizer_param).__name__}")
    if optimizer_param and not isinstance(optimizer, str):
        raise ValueError(f"optimizer_param {dict(optimizer_param)} is for an optimizer given by name; "
                         f"this {type(optimizer).__name__} is already built: pass its arguments to it")
    return dict(optimizer_param)


def check_callbacks(callbacks) -> list:
    """A list of objects with ``on_epoch_end(trainer, epoch, logs)`` (and, if they have them,
    callable ``on_train_begin`` / ``on_train_end``); TypeError naming the index otherwise."""
    if isinstance(callbacks, (str, bytes, Mapping)) or not hasattr(callbacks, "__iter__"):
        raise TypeError(f"callbacks must be a list of callbacks, got {type(callbacks).__name__}")
    out = list(callbacks)
    for i, cb in enumerate(out):
        if not callable(getattr(cb, "on_epoch_end", None)):
            raise TypeError(f"callbacks[{i}] is a {type(cb).__name__} ({cb!r}): a callback needs an "
                            "on_epoch_end(trainer, epoch, logs) method (see xpnet.training.Callback)")
        for hook in ("on_train_begin", "on_train_end"):
            if hasattr(cb, hook) and not callable(getattr(cb, hook)):
                raise TypeError(f"callbacks[{i}].{hook} is not callable")
    return out
