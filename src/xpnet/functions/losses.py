"""Cross-entropy losses, from probabilities (the book's) and from logits (the stable one).

Both take the targets ``t`` as integer labels, shape (N,), or one-hot rows, shape (N, C), and
validate them at the boundary: integer labels outside ``0..C-1`` raise ValueError naming the
label, floating labels raise TypeError naming the dtype, and a batch-size mismatch raises
ValueError naming both sizes. A single sample (``x`` of shape (C,)) is treated as a batch of one,
as in the book.

The checks come in two kinds. [`as_one_hot_targets`][xpnet.functions.losses.as_one_hot_targets] checks shapes
and dtypes, which the host
knows without asking the device; it runs inside every train step (``SoftmaxWithLoss``).
`check_label_range` checks the labels' values where data enters: these two functions, the
networks' public ``loss``/``gradient``/``accuracy``, and the Trainer once per dataset, whose steps
then run inside `trusted_labels` (where the check is skipped). How is the backend's choice
([`xpnet.backend.Ops.check_labels`][xpnet.backend.portable.ops.Ops.check_labels]): on host arrays a bad label
raises at once; on a device,
where a read would make the host wait, the loss comes out NaN instead. Inside a trusted step an
out-of-range label would give an all-zero one-hot row.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Iterator

from ..backend import array_namespace, get_ops
from .activations import log_softmax

#: Floor for probabilities in `cross_entropy_error`: the book's constant, so one sample's
#: loss is at most ``-log(1e-7) ≈ 16.1`` as in the book.
PROB_FLOOR = 1e-7

_trusted: contextvars.ContextVar[bool] = contextvars.ContextVar("xpnet_trusted_labels", default=False)


@contextlib.contextmanager
def trusted_labels() -> Iterator[None]:
    """Within the block `check_label_range` reads nothing: the caller checked the labels
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
    `check_label_range`'s job, at the entry points.
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


def check_label_range(t, num_classes: int, *, read: bool = False):
    """Check integer labels against ``0..C-1`` as the backend's ops decide: on host arrays a
    ValueError naming the first offending label (one read of a single boolean when the labels
    are fine), returning None; on a device nothing is read, and a 0-d flag comes back for
    `poisoned` (True when a label is out of range). One-hot targets (2-D) have no range
    to check and pass (None). ``read=True`` raises on a device too (a scheduled transfer).

    Parameters
    ----------
    t : array, shape (N,) integer labels (or (N, C) one-hot, ignored)
    num_classes : int
        C, the number of classes.
    """
    if _trusted.get() and not read:
        return None
    if not hasattr(t, "shape"):
        raise TypeError(f"targets t must be an array of labels or one-hot rows, got {type(t).__name__}")
    if t.ndim > 1:
        return None
    xp = array_namespace(t)
    if not xp.isdtype(t.dtype, "integral"):
        raise TypeError(f"labels t must be integers, got dtype {t.dtype}")
    return get_ops(t).check_labels(t, int(num_classes), read=read)


def poisoned(loss, bad):
    """``loss``, made NaN where the device flag ``bad`` of `check_label_range` is set
    (``loss`` itself when the labels were checked on the host: ``bad`` is None)."""
    return loss if bad is None else get_ops(loss).poison_loss(loss, bad)


def _checked(x, t):
    """[`as_one_hot_targets`][xpnet.functions.losses.as_one_hot_targets] plus the label range: the public
functions' boundary; the
    third value is `check_label_range`'s flag."""
    x2, onehot = as_one_hot_targets(x, t)
    if x.ndim == 1:  # one sample: a 0-d label or a one-hot row, as a batch of one
        t = array_namespace(t).reshape(t, (1,) + tuple(t.shape))
    return x2, onehot, check_label_range(t, x2.shape[1])


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
    probabilities above the floor give exact losses. Prefer
    [`softmax_cross_entropy`][xpnet.functions.losses.softmax_cross_entropy] on
    logits, which needs no floor.

    Parameters
    ----------
    y : array, shape (N, C) or (C,)
    t : array, shape (N,) labels or (N, C) one-hot

    Returns
    -------
    array, shape ()  (``y``'s dtype and backend)
    """
    y2, onehot, bad = _checked(y, t)
    xp = array_namespace(y2)
    # the clip through where: compat's CuPy clip writes through boolean masks (host syncs)
    y2 = xp.where(y2 < PROB_FLOOR, PROB_FLOOR, y2)
    return poisoned(mean_nll(xp.log(xp.where(y2 > 1.0, 1.0, y2)), onehot), bad)


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
    x2, onehot, bad = _checked(x, t)
    return poisoned(mean_nll(log_softmax(x2), onehot), bad)
