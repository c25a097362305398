"""Optimizers by name, as the book's Trainer chooses them (``optimizer='adam'``)."""

from __future__ import annotations

from .adam import Adam, Adamax, AdamW, Nadam
from .adaptive import AdaDelta, AdaGrad, RMSprop
from .base import Optimizer
from .sgd import SGD, Momentum, Nesterov

OPTIMIZERS = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adadelta": AdaDelta,
    "adamax": Adamax,
    "nadam": Nadam,
    "adamw": AdamW,
}


def get_optimizer(name, **kwargs) -> Optimizer:
    """``get_optimizer('adam', lr=1e-3)``: a new optimizer; names are case-insensitive.

    An [`Optimizer`][xpnet.optimizers.Optimizer] instance is returned as is (when no kwargs are given), so
    callers
    such as the Trainer may accept either. Unknown names raise a ValueError listing the valid
    ones. (The book's Trainer misspells ``'rmsprpo'``; here it is ``'rmsprop'``.)
    """
    if isinstance(name, Optimizer):
        if kwargs:
            raise TypeError(f"got an optimizer instance {name!r} and also arguments {sorted(kwargs)}")
        return name
    if not isinstance(name, str):
        raise TypeError(f"optimizer must be a name or an Optimizer, got {name!r}")
    cls = OPTIMIZERS.get(name.strip().lower())
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}: expected one of {', '.join(OPTIMIZERS)}")
    return cls(**kwargs)
