"""Hold out validation data from the training set (the book's section 6.5).

Hyperparameters, and when to stop, are tuned on data held out from the *training* set; the test
set is kept for the one final measurement (tuning on it makes its accuracy optimistic). The
book's ``hyperparameter_optimization.py`` shuffles the training data and takes the first 20%
as validation data.
"""

from __future__ import annotations

import numpy as np

from ..backend import array_namespace


def split_validation(x, t, ratio: float = 0.2, *, seed: int = 0):
    """Shuffle ``(x, t)`` (a seeded permutation) and split off ``ratio`` of it for validation.

    Parameters
    ----------
    x : array, shape (N, ...); t : array, shape (N,) or (N, C)
        Training data of any backend; the parts stay on it.

    Returns
    -------
    (x_train, t_train), (x_val, t_val)
    """
    n = int(x.shape[0])
    if int(t.shape[0]) != n:
        raise ValueError(f"x has {n} samples but t has {int(t.shape[0])}")
    if isinstance(ratio, bool) or not 0.0 < float(ratio) < 1.0:
        raise ValueError(f"ratio must be in (0, 1), got {ratio!r}")
    n_val = int(n * float(ratio))
    if n_val < 1 or n_val >= n:
        raise ValueError(f"ratio {ratio} of {n} samples leaves an empty split ({n_val} for validation)")
    xp = array_namespace(x, t)
    order = np.random.default_rng(seed).permutation(n)
    val = xp.asarray(order[:n_val], device=x.device)
    train = xp.asarray(order[n_val:], device=x.device)
    return ((xp.take(x, train, axis=0), xp.take(t, train, axis=0)),
            (xp.take(x, val, axis=0), xp.take(t, val, axis=0)))
