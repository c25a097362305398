"""Weight decay as a penalty on the loss: L2 (the book's) and L1.

- L2: ``0.5·λ·ΣW²`` added to the loss, ``λ·W`` added to the gradient (the book's
  ``MultiLayerNet(weight_decay_lambda=)``).
- L1: ``λ·Σ|W|`` added to the loss, ``λ·sign(W)`` added to the gradient (sign(0) = 0, the
  subgradient that keeps exact zeros at zero).

The networks apply them to weights only: biases (and BatchNorm's gamma/beta) are excluded, as in
the book. ``PENALTIES[norm] = (penalty_of_one_array, gradient_of_one_array)`` is what a network
loops over; [`penalty`][xpnet.regularization.penalty] sums over several weights. This is the *coupled* form
(it goes through
the gradient and so through Adam's normalisation); decoupled decay is
[`xpnet.optimizers.AdamW`][xpnet.optimizers.AdamW].
"""

from __future__ import annotations

from ._validation import non_negative
from .backend import array_namespace


def _lam(lam) -> float:
    return non_negative("lam (weight_decay_lambda)", lam)


def l2_penalty(W, lam):
    """``0.5·λ·ΣW²`` as a 0-d array; W : array of any shape."""
    xp = array_namespace(W)
    return 0.5 * _lam(lam) * xp.sum(W * W)


def l2_grad(W, lam):
    """``λ·W``, the gradient of [`l2_penalty`][xpnet.regularization.l2_penalty]; same shape and dtype as W."""
    return _lam(lam) * W


def l1_penalty(W, lam):
    """``λ·Σ|W|`` as a 0-d array."""
    xp = array_namespace(W)
    return _lam(lam) * xp.sum(xp.abs(W))


def l1_grad(W, lam):
    """``λ·sign(W)``, a subgradient of [`l1_penalty`][xpnet.regularization.l1_penalty] (0 at W = 0, NaN at
NaN).

    sign through ``where``, not ``xp.sign``: compat's CuPy and torch ``sign`` write NaNs through a
    boolean mask, a host sync per weight on a GPU.
    """
    xp = array_namespace(W)
    sign = xp.where(W > 0, 1.0, xp.where(W < 0, -1.0, W))  # W itself where W is ±0 or NaN
    return _lam(lam) * sign


PENALTIES = {"l2": (l2_penalty, l2_grad), "l1": (l1_penalty, l1_grad)}


def _pair(norm: str):
    pair = PENALTIES.get(norm)
    if pair is None:
        raise ValueError(f"unknown norm {norm!r}: expected one of {', '.join(map(repr, PENALTIES))}")
    return pair


def penalty(weights, lam, norm: str = "l2"):
    """The penalty summed over ``weights`` (an array, a list of arrays or a dict), 0-d array."""
    fn, _ = _pair(norm)
    if hasattr(weights, "shape"):
        return fn(weights, lam)
    arrays = list(weights.values()) if hasattr(weights, "values") else list(weights)
    if not arrays:
        raise ValueError("penalty needs at least one weight array, got none")
    total = fn(arrays[0], lam)
    for W in arrays[1:]:
        total = total + fn(W, lam)
    return total


def penalty_grad(W, lam, norm: str = "l2"):
    """The gradient of the penalty with respect to ``W`` (to add to ``grads[k]``)."""
    _, fn = _pair(norm)
    return fn(W, lam)
