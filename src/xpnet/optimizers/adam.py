"""The Adam family, one implementation: Adam, AdamW, Adamax, Nadam.

[`Adam`][xpnet.optimizers.adam.Adam] holds the whole family behind three switches, as optax does
(``nadam = partial(adam, nesterov=True)``): ``weight_decay`` (decoupled, AdamW),
``infinity_norm`` (Adamax) and ``nesterov`` (Nadam). The other classes are thin names with their
papers' defaults.

Two forms (``form=``), differing only in where eps meets the second-moment bias correction
``bc2 = 1 − β2^t`` (``bc1 = 1 − β1^t``)::

    'book'  (the book's Adam)  lr_t = lr·√bc2 / bc1;  p −= lr_t · m / (√v + eps)
    'torch' (torch.optim.Adam) p −= lr/bc1 · m / (√v / √bc2 + eps)

The book folds the bias correction into lr_t and adds eps to the *uncorrected* √v, which is
the torch form with eps replaced by eps/√bc2: a larger eps early on (×31.6 at t = 1 for
β2 = 0.999), the same method once bc2 → 1. Both use ``m += (1 − β1)·(g − m)`` and
``v = β2·v + (1 − β2)·g²``. Adam defaults to the book form and the book's eps = 1e-7 (torch: 1e-8);
AdamW, Adamax and Nadam are not in the book's code and default to the torch form (the papers'
placement of eps), keeping eps = 1e-7 for the whole library.

- AdamW (Loshchilov & Hutter): ``p *= 1 − lr·weight_decay`` before the Adam step, as
  ``torch.optim.AdamW`` (the decay is scaled by the scheduled lr, as torch does).
- Adamax (Kingma & Ba §7.1): ``u = max(β2·u, |g| + eps); p −= lr/bc1 · m / u``, with eps inside
  the max as ``torch.optim.Adamax``. ``form='book'`` means ``u = max(β2·u, |g|)`` and
  ``m / (u + eps)`` (eps outside, as the book places it for Adam; this is Keras's Adamax).
- Nadam (Dozat 2016), as ``torch.optim.NAdam``: momentum schedule
  ``μ_t = β1·(1 − ½·0.96^(t·momentum_decay))`` and
  ``p −= [lr(1 − μ_t)/(1 − Πμ) · g + lr·μ_{t+1}/(1 − Πμ·μ_{t+1}) · m] / (√v/√bc2 + eps)``.
  ``momentum_decay=inf`` gives the constant μ = β1 of optax's nadam; torch's
  ``momentum_decay=inf`` gives the same.

Plain Adam and AdamW run as the backend's [`adam_step`][xpnet.backend.portable.ops.Ops.adam_step] (on a
network's
flat buffers: one call for all parameters); Nadam and Adamax as the array expressions below.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ..backend import array_namespace, get_ops
from ._checks import as_float, choice, non_negative, positive, unit_interval
from .base import Optimizer

FORMS = ("book", "torch")


def _momentum_decay(name: str, value) -> float:
    out = as_float(name, value)
    if not out >= 0.0:
        raise ValueError(f"{name} must be >= 0 (inf for a constant momentum), got {value!r}")
    return out


class AdamStep(NamedTuple):
    """The per-step scalars of one update (``Adam._begin_step``)::

        p ← decay·p − grad_coef·g / d − moment_coef·m / d,   d = √v / divisor + eps

    ``grad_coef`` is 0 except for Nadam.
    """

    grad_coef: float
    moment_coef: float
    divisor: float
    decay: float


class Adam(Optimizer):
    """Adam (Kingma & Ba 2014, arXiv:1412.6980) and, by its switches, AdamW/Adamax/Nadam.

    Parameters
    ----------
    lr : float
        Default 0.001 (the book's and torch's).
    beta1 : float
        In [0, 1); defaults 0.9, 0.999.
    beta2 : float
        In [0, 1); defaults 0.9, 0.999.
    eps : float
        Default 1e-7, the book's (torch: 1e-8).
    form : {'book', 'torch'}
        Where eps meets the bias correction; see `xpnet.optimizers.adam`.
    weight_decay : float
        Decoupled weight decay (AdamW), ``p *= 1 − lr·weight_decay``; 0 disables it. Note that
        ``torch.optim.Adam(weight_decay=)`` is the *coupled* L2 form instead; for that, use
        [`xpnet.regularization`][xpnet.regularization] in the loss, as the book does.
    infinity_norm : bool
        Adamax: ∞-norm ``u`` instead of ``v`` (state slot ``'u'``).
    nesterov : bool
        Nadam's Nesterov momentum, with ``momentum_decay`` (default 0.004, torch's).
    **common
        ``clip_norm``, ``lr_schedule``: see [`Optimizer`][xpnet.optimizers.base.Optimizer].
    """

    #: keep ``weight_decay`` in the state even when it is 0 (AdamW)
    _decoupled = False

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, *, eps=1e-7, form="book",
                 weight_decay=0.0, infinity_norm=False, nesterov=False, momentum_decay=0.004, **common):
        self.form = choice("form", form, FORMS)
        self.infinity_norm = bool(infinity_norm)
        self.nesterov = bool(nesterov)
        hyper = {"lr": non_negative, "beta1": unit_interval, "beta2": unit_interval, "eps": positive}
        values = {"beta1": beta1, "beta2": beta2, "eps": eps}
        if non_negative("weight_decay", weight_decay) != 0.0 or self._decoupled:
            hyper["weight_decay"] = non_negative
            values["weight_decay"] = weight_decay
        else:
            self.weight_decay = 0.0
        if self.nesterov:
            hyper["momentum_decay"] = _momentum_decay
            values["momentum_decay"] = momentum_decay
            self.scalar_state = ("mu_product",)
            self.mu_product = 1.0
        self.hyperparameters = hyper
        slots = ("m", "u") if self.infinity_norm else ("m", "v")
        super().__init__(lr, slots=slots, hyper=values, **common)

    def _begin_step(self, lr: float, t: int):
        b1 = self.beta1
        if self.nesterov:
            psi = self.momentum_decay
            mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
            mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
            self.mu_product *= mu
            c_g = lr * (1.0 - mu) / (1.0 - self.mu_product)
            c_m = lr * mu_next / (1.0 - self.mu_product * mu_next)
        else:
            c_g, c_m = 0.0, lr / (1.0 - b1 ** t)
        divisor = 1.0
        if not self.infinity_norm:
            sqrt_bc2 = math.sqrt(1.0 - self.beta2 ** t)
            if self.form == "book":
                c_g, c_m = c_g * sqrt_bc2, c_m * sqrt_bc2
            else:
                divisor = sqrt_bc2
        return AdamStep(c_g, c_m, divisor, 1.0 - lr * self.weight_decay)

    @property
    def _takes_packed(self) -> bool:
        return not self.infinity_norm  # adam_step takes packed gradients

    def _update_param(self, p, g, s, step) -> None:
        if self.infinity_norm:
            self._update_adamax(p, g, s, step)
            return
        get_ops(p).adam_step(p, g, s["m"], s["v"], beta1=self.beta1, beta2=self.beta2, eps=self.eps,
                             scale=step.moment_coef, divisor=step.divisor, decay=step.decay,
                             grad_scale=step.grad_coef)

    def _update_adamax(self, p, g, s, step) -> None:
        """Adamax: the ∞-norm ``u = max(β2·u, |g| (+ eps))`` in place of the second moment."""
        xp = array_namespace(p)
        if step.decay != 1.0:
            p *= step.decay
        m = s["m"]
        diff = g - m
        diff *= 1.0 - self.beta1
        m += diff
        u = s["u"]
        u *= self.beta2
        a = xp.abs(g)
        if self.form == "torch":
            a += self.eps
        u[...] = xp.maximum(u, a)
        d = u if self.form == "torch" else u + self.eps
        step_m = m / d
        step_m *= step.moment_coef
        p -= step_m


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2017), as ``torch.optim.AdamW``.

    ``p *= 1 − lr·weight_decay`` then the Adam step. Defaults: lr 0.001, weight_decay 0.01
    (torch's), eps 1e-7 (library-wide; torch: 1e-8), ``form='torch'``.
    """

    _decoupled = True

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, *, weight_decay=0.01, eps=1e-7,
                 form="torch", **common):
        super().__init__(lr, beta1, beta2, eps=eps, form=form, weight_decay=weight_decay, **common)


class Adamax(Adam):
    """Adamax (Kingma & Ba §7.1), as ``torch.optim.Adamax``: ``Adam(infinity_norm=True)``.

    Defaults: lr 0.002 (the paper's and torch's), eps 1e-7 (torch: 1e-8), ``form='torch'``
    (eps inside the max).
    """

    def __init__(self, lr=0.002, beta1=0.9, beta2=0.999, *, eps=1e-7, form="torch", **common):
        super().__init__(lr, beta1, beta2, eps=eps, form=form, infinity_norm=True, **common)


class Nadam(Adam):
    """Nadam (Dozat 2016), as ``torch.optim.NAdam``: ``Adam(nesterov=True)``.

    Defaults: lr 0.002 and momentum_decay 0.004 (torch's), eps 1e-7 (torch: 1e-8),
    ``form='torch'``. ``momentum_decay=float('inf')`` is Nadam with a constant μ = β1 (optax).
    """

    def __init__(self, lr=0.002, beta1=0.9, beta2=0.999, *, eps=1e-7, momentum_decay=0.004,
                 form="torch", **common):
        super().__init__(lr, beta1, beta2, eps=eps, form=form, nesterov=True,
                         momentum_decay=momentum_decay, **common)
