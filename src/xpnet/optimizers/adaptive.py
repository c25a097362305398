"""Per-coordinate step sizes from a running sum of squared gradients: AdaGrad, RMSprop, AdaDelta.

AdaGrad and RMSprop are one update, ``h = a·h + b·g²; p −= lr·g / (√h + eps)``, with
(a, b) = (1, 1) for AdaGrad and (ρ, 1 − ρ) for RMSprop. Both are the book's code and also exactly
torch's ``Adagrad`` (``lr_decay=0, initial_accumulator_value=0``) and ``RMSprop``
(``alpha=decay_rate, momentum=0, centered=False``): eps is added outside the square root in all
four. Only the default eps differs: the book hard-codes 1e-7, torch uses 1e-10 (Adagrad) and
1e-8 (RMSprop); here eps is an argument defaulting to the book's 1e-7.

AdaDelta (Zeiler 2012, not in the book's code) equals ``torch.optim.Adadelta``.
"""

from __future__ import annotations

from ..backend import array_namespace
from ._checks import non_negative, positive, unit_interval
from .base import Optimizer


class _RootMeanSquare(Optimizer):
    """``h = a·h + b·g²;  p −= lr·g / (√h + eps)``; subclasses give (a, b)."""

    def _coefficients(self) -> tuple[float, float]:  # pragma: no cover - interface
        raise NotImplementedError

    def _update_param(self, p, g, s, lr) -> None:
        xp = array_namespace(p)
        a, b = self._coefficients()
        h = s["h"]
        if a != 1.0:
            h *= a
        sq = g * g
        if b != 1.0:
            sq *= b
        h += sq
        d = xp.sqrt(h)
        d += self.eps
        step = g / d
        step *= lr
        p -= step


class AdaGrad(_RootMeanSquare):
    """The book's AdaGrad: ``h += g²;  p −= lr·g / (√h + eps)``.

    Parameters
    ----------
    lr : float
        Default 0.01 (the book's; torch's is also 0.01).
    eps : float
        Default 1e-7 (the book's constant; torch's default is 1e-10).
    **common
        ``clip_norm``, ``lr_schedule``: see [`Optimizer`][xpnet.optimizers.base.Optimizer].
    """

    hyperparameters = {"lr": non_negative, "eps": positive}

    def __init__(self, lr=0.01, *, eps=1e-7, **common):
        super().__init__(lr, slots=("h",), hyper={"eps": eps}, **common)

    def _coefficients(self):
        return 1.0, 1.0


class RMSprop(_RootMeanSquare):
    """The book's RMSprop: ``h = ρ·h + (1 − ρ)·g²;  p −= lr·g / (√h + eps)``.

    Parameters
    ----------
    lr : float
        Default 0.01 (the book's and torch's).
    decay_rate : float
        ρ in [0, 1), default 0.99 (torch calls it ``alpha``, same default).
    eps : float
        Default 1e-7 (the book's; torch's is 1e-8).
    **common
        ``clip_norm``, ``lr_schedule``: see [`Optimizer`][xpnet.optimizers.base.Optimizer].
    """

    hyperparameters = {"lr": non_negative, "decay_rate": unit_interval, "eps": positive}

    def __init__(self, lr=0.01, decay_rate=0.99, *, eps=1e-7, **common):
        super().__init__(lr, slots=("h",), hyper={"decay_rate": decay_rate, "eps": eps}, **common)

    def _coefficients(self):
        return self.decay_rate, 1.0 - self.decay_rate


class AdaDelta(Optimizer):
    """AdaDelta (Zeiler 2012, arXiv:1212.5701), as ``torch.optim.Adadelta``::

        h = ρ·h + (1 − ρ)·g²
        Δ = √(d + eps) / √(h + eps) · g
        d = ρ·d + (1 − ρ)·Δ²
        p −= lr·Δ

    Parameters
    ----------
    lr : float
        Default 1.0: the paper's method has no learning rate (torch's default is also 1.0).
    rho : float
        Default 0.95, the paper's (torch's default is 0.9).
    eps : float
        Default 1e-6, the paper's and torch's.
    **common
        ``clip_norm``, ``lr_schedule``: see [`Optimizer`][xpnet.optimizers.base.Optimizer].
    """

    hyperparameters = {"lr": non_negative, "rho": unit_interval, "eps": positive}

    def __init__(self, lr=1.0, rho=0.95, *, eps=1e-6, **common):
        super().__init__(lr, slots=("h", "acc_delta"), hyper={"rho": rho, "eps": eps}, **common)

    def _update_param(self, p, g, s, lr) -> None:
        xp = array_namespace(p)
        rho, eps = self.rho, self.eps
        h, acc = s["h"], s["acc_delta"]
        h *= rho
        sq = g * g
        sq *= 1.0 - rho
        h += sq
        delta = xp.sqrt(acc + eps)
        delta /= xp.sqrt(h + eps)
        delta *= g
        acc *= rho
        sq = delta * delta
        sq *= 1.0 - rho
        acc += sq
        delta *= lr
        p -= delta
