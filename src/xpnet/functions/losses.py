"""Cross-entropy losses, from probabilities (the book's) and from logits (the stable one).

Both take the targets ``t`` as integer labels, shape (N,), or one-hot rows, shape (N, C), and
validate them at the boundary: integer labels outside ``0..C-1`` raise ValueError naming the
label, floating labels raise TypeError naming the dtype, and a batch-size mismatch raises
ValueError naming both sizes. A single sample (``x`` of shape (C,)) is treated as a batch of one,
as in the book.

The checks come in two kinds. :func:`as_one_hot_targets` checks shapes and dtypes, which the host
knows without asking the device; it runs inside every train step (``SoftmaxWithLoss``).
:func:`check_label_range` reads the labels' values, one device-to-host sync, so it runs only where
data enters: these two functions, the networks' public ``loss``/``gradient``/``accuracy``, and the
Trainer once per dataset, whose steps then run inside :func:`trusted_labels` (where the check is
skipped). Inside a step an out-of-range label would give an all-zero one-hot row.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Iterator

from ..backend import array_namespace
from .activations import log_softmax

#: Floor for probabilities in :func:`cross_entropy_error`: the book's constant, so one sample's
#: loss is at most ``-log(1e-7) ≈ 16.1`` as in the book.
PROB_FLOOR = 1e-7

_trusted: contextvars.ContextVar[bool] = contextvars.ContextVar("xpnet_trusted_labels", default=False)


@contextlib.contextmanager
def trusted_labels() -> Iterator[None]:
    """Within the block :func:`check_label_range` reads nothing: the caller checked the labels
    already (the Trainer, when its datasets arrived), so a train step waits for no device."""
    token = _trusted.set(True)
    try:
        yield
    finally:
        _trusted.reset(token)


def as_one_hot_targets(x, t, *, encode: bool = True):
    """Validate ``(x, t)``; return ``x`` as (N, C) and ``t`` as one-hot rows in ``x``'s dtype.

    With ``encode=False`` integer labels come back as labels, shape (N,) (one-hot rows are
    still cast to ``x``'s dtype).

    Parameters
    ----------
    x : array, shape (N, C) or (C,)
        Scores or probabilities, real floating.
    t : array, shape (N,) integer labels, or (N, C) one-hot (any real dtype)
        For a single sample ``x`` of shape (C,): a 0-d label or a one-hot row of shape (C,).

    Returns
    -------
    x2 : array, shape (N, C)
    onehot : array, shape (N, C), ``x.dtype``
        Labels become one-hot by comparison with ``arange(C)`` (no scatter).

    Shapes and dtypes only, never values (no device sync): the label range is
    :func:`check_label_range`'s job, at the entry points.
    """
    xp = array_namespace(x, t)
    if not hasattr(t, "shape"):
        raise TypeError(f"targets t must be an array of labels or one-hot rows, got {type(t).__name__}")
    if not xp.isdtype(x.dtype, "real floating"):
        raise TypeError(f"scores x must be real floating, got dtype {x.dtype}")
    if x.ndim == 1:
        x = xp.reshape(x, (1, x.shape[0]))
        t = xp.reshape(t, (1,) + tuple(t.shape))
    if x.ndim != 2:
        raise ValueError(f"cross-entropy takes x of shape (N, C) or (C,), got shape {tuple(x.shape)}")
    n, c = x.shape
    if t.ndim not in (1, 2):
        raise ValueError(
            f"targets t must be labels of shape ({n},) or one-hot of shape ({n}, {c}), "
            f"got shape {tuple(t.shape)}"
        )
    if t.shape[0] != n:
        raise ValueError(f"batch size mismatch: x has batch size {n} but t has batch size {t.shape[0]}")
    if n == 0:
        raise ValueError(f"cross-entropy needs at least one sample, got x of shape {tuple(x.shape)}")
    if t.ndim == 2:
        if t.shape[1] != c:
            raise ValueError(
                f"one-hot t has {t.shape[1]} classes but x has {c} "
                f"(t of shape {tuple(t.shape)}, x of shape {tuple(x.shape)})"
            )
        return x, (t if t.dtype == x.dtype else xp.astype(t, x.dtype))
    if not xp.isdtype(t.dtype, "integral"):
        raise TypeError(
            f"labels t must be integers (or one-hot rows of shape ({n}, {c})), got dtype {t.dtype}"
        )
    if not encode:
        return x, t
    classes = xp.arange(c, dtype=xp.int64, device=t.device)
    return x, xp.astype(classes[None, :] == t[:, None], x.dtype)


def check_label_range(t, num_classes: int) -> None:
    """ValueError naming the first offending label unless every integer label is in ``0..C-1``.

    One device-to-host sync (a single boolean) when the labels are fine; the details are read
    only on error. One-hot targets (2-D) have no range to check and pass.

    Parameters
    ----------
    t : array, shape (N,) integer labels (or (N, C) one-hot, ignored)
    num_classes : int
        C, the number of classes.
    """
    if _trusted.get():
        return
    if not hasattr(t, "shape"):
        raise TypeError(f"targets t must be an array of labels or one-hot rows, got {type(t).__name__}")
    if t.ndim > 1:
        return
    c = int(num_classes)
    xp = array_namespace(t)
    if not xp.isdtype(t.dtype, "integral"):
        raise TypeError(f"labels t must be integers, got dtype {t.dtype}")
    if bool(xp.any((t < 0) | (t >= c))):
        lo, hi = int(xp.min(t)), int(xp.max(t))
        bad = lo if lo < 0 else hi
        raise ValueError(f"label {bad} is out of range for {c} classes (expected 0 <= t < {c})")


def _checked(x, t):
    """:func:`as_one_hot_targets` plus the label range: the public functions' boundary."""
    x2, onehot = as_one_hot_targets(x, t)
    if x.ndim == 1:  # one sample: a 0-d label or a one-hot row, as a batch of one
        t = array_namespace(t).reshape(t, (1,) + tuple(t.shape))
    check_label_range(t, x2.shape[1])
    return x2, onehot


def mean_nll(logp, onehot):
    """``-sum(onehot * logp) / N`` as a 0-d array (NumPy would hand back a bare scalar).

    Parameters
    ----------
    logp : array, shape (N, C)
        Log-probabilities, finite.
    onehot : array, shape (N, C), ``logp``'s dtype
    """
    xp = array_namespace(logp)
    return xp.asarray(-xp.sum(onehot * logp) / logp.shape[0])


def cross_entropy_error(y, t):
    """Mean cross-entropy of probabilities ``y`` against targets ``t`` (the book's function).

    ``y`` is clipped to ``[PROB_FLOOR, 1]`` before the log, so a zero probability costs
    ``-log(1e-7)`` instead of ``inf``. This is a clip, not the book's ``log(y + 1e-7)``: exact
    probabilities above the floor give exact losses. Prefer :func:`softmax_cross_entropy` on
    logits, which needs no floor.

    Parameters
    ----------
    y : array, shape (N, C) or (C,)
    t : array, shape (N,) labels or (N, C) one-hot

    Returns
    -------
    array, shape ()  (``y``'s dtype and backend)
    """
    y2, onehot = _checked(y, t)
    xp = array_namespace(y2)
    # the clip through where: compat's CuPy clip writes through boolean masks (host syncs)
    y2 = xp.where(y2 < PROB_FLOOR, PROB_FLOOR, y2)
    return mean_nll(xp.log(xp.where(y2 > 1.0, 1.0, y2)), onehot)


def softmax_cross_entropy(x, t):
    """Mean cross-entropy of ``softmax(x)`` against ``t``, from logits through log-sum-exp.

    Finite for any finite logits (±1e4 in float32, ±1e30 in float64): the log-probabilities are
    ``x - max - log(sum(exp(x - max)))``, never ``log(0)``.

    Parameters
    ----------
    x : array, shape (N, C) or (C,)
        Logits.
    t : array, shape (N,) labels or (N, C) one-hot

    Returns
    -------
    array, shape ()  (``x``'s dtype and backend)
    """
    x2, onehot = _checked(x, t)
    return mean_nll(log_softmax(x2), onehot)
