"""Gradient descent with (optionally Nesterov) momentum: SGD, Momentum, Nesterov.

One class, [`SGD`][xpnet.optimizers.sgd.SGD], with ``momentum`` and ``nesterov``; the book's ``Momentum`` and
``Nesterov`` are thin names for it with the book's defaults.

Three forms (``form=``):

``'book'`` (default), the book's current code (its repository's ``common/optimizer.py``; the
Nesterov update was reordered in January 2021, commit 89eadd0), velocity ``v`` with the
learning rate inside it::

    Momentum:  v = μ·v − lr·g;  p += v
    Nesterov:  p += μ²·v − (1 + μ)·lr·g;  v = μ·v − lr·g        (μ² on the *old* v)

``'book-2016'``, the code up to that fix (and the printed book): Momentum as above, Nesterov
with the two statements in the other order, so μ² meets the *updated* velocity::

    Nesterov:  v = μ·v − lr·g;  p += μ²·v − (1 + μ)·lr·g

``'torch'``, ``torch.optim.SGD(momentum=μ, dampening=0, nesterov=...)``, a buffer ``b``
without the learning rate::

    b = μ·b + g;  p −= lr·b                     (momentum)
    b = μ·b + g;  p −= lr·(g + μ·b)             (nesterov)

Where they differ:

- With a constant lr, ``'book'`` and ``'torch'`` are the same algorithm (v = −lr·b), equal up
  to rounding, for Momentum and for Nesterov: the book's Nesterov is Bengio et al.'s (2012,
  arXiv:1212.0901) rewrite of NAG, ``p += μ²·v_old − (1 + μ)·lr·g``, which is torch's
  nesterov step. Under a learning-rate schedule they differ: the book's v keeps the old lr in
  the accumulated velocity, torch rescales the whole buffer by the current lr.
- ``'book-2016'`` Nesterov steps by ``μ³·v_old − (1 + μ + μ²)·lr·g``: a slightly different
  (still convergent) method, kept only to reproduce results made with the old code.

The state slot is ``'v'`` in the book forms and ``'momentum_buffer'`` in the torch form, so a
state saved in one form cannot be loaded into the other by mistake.
"""

from __future__ import annotations

from ._checks import choice, non_negative, unit_interval
from .base import Optimizer

FORMS = ("book", "book-2016", "torch")


class SGD(Optimizer):
    """Stochastic gradient descent, ``p −= lr·g``; with ``momentum > 0`` the momentum methods.

    Parameters
    ----------
    lr : float
        Learning rate, default 0.01 (the book's).
    momentum : float
        μ in [0, 1); 0 is plain SGD (no state).
    nesterov : bool
        Nesterov's accelerated gradient (see the module docstring for the forms).
    form : {'book', 'book-2016', 'torch'}
        Which formulas (module docstring); identical when ``momentum == 0``.
    **common
        ``clip_norm``, ``lr_schedule``: see [`Optimizer`][xpnet.optimizers.base.Optimizer].
    """

    hyperparameters = {"lr": non_negative, "momentum": unit_interval}

    def __init__(self, lr=0.01, momentum=0.0, *, nesterov=False, form="book", **common):
        self.form = choice("form", form, FORMS)
        self.nesterov = bool(nesterov)
        slot = "momentum_buffer" if form == "torch" else "v"
        slots = (slot,) if unit_interval("momentum", momentum) != 0.0 else ()
        super().__init__(lr, slots=slots, hyper={"momentum": momentum}, **common)

    def _update_param(self, p, g, s, lr) -> None:
        mu = self.momentum
        if not self.slots:
            p -= lr * g
        elif self.form == "book" and self.nesterov:
            v = s["v"]
            p += (mu * mu) * v
            p -= ((1.0 + mu) * lr) * g
            v *= mu
            v -= lr * g
        elif self.form != "torch":
            v = s["v"]
            v *= mu
            v -= lr * g
            if self.nesterov:  # 'book-2016': mu^2 on the updated velocity
                p += (mu * mu) * v
                p -= ((1.0 + mu) * lr) * g
            else:
                p += v
        else:
            b = s["momentum_buffer"]
            b *= mu
            b += g
            if self.nesterov:
                step = b * mu
                step += g
                step *= lr
                p -= step
            else:
                p -= lr * b


class Momentum(SGD):
    """The book's Momentum SGD: ``v = μ·v − lr·g; p += v`` (``SGD`` with ``momentum=0.9``)."""

    def __init__(self, lr=0.01, momentum=0.9, *, form="book", **common):
        super().__init__(lr, momentum, nesterov=False, form=form, **common)


class Nesterov(SGD):
    """The book's Nesterov momentum (``SGD`` with ``nesterov=True``).

    ``form='book'`` (default) is the book's current code, Bengio et al.'s
    ``p += μ²·v − (1 + μ)·lr·g`` before ``v = μ·v − lr·g``; at a constant lr it equals
    ``form='torch'`` (``torch.optim.SGD(nesterov=True)``). ``form='book-2016'`` is the book's
    code before its 2021 fix (μ² on the updated velocity). See `xpnet.optimizers.sgd`.
    """

    def __init__(self, lr=0.01, momentum=0.9, *, form="book", **common):
        super().__init__(lr, momentum, nesterov=True, form=form, **common)
