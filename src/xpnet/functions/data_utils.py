"""The book's data helpers: ``smooth_curve`` for plotting losses, ``shuffle_dataset``.

``smooth_curve`` works on host data (a list of Python floats collected by the Trainer), so it uses
NumPy directly, as the layering allows for host-side code. ``shuffle_dataset`` works on the device:
the permutation comes from the RNG shim and rows are gathered with ``xp.take``.
"""

from __future__ import annotations

import numpy as np

from ..backend import array_namespace, permutation, to_numpy

WINDOW = 11


def smooth_curve(x):
    """Kaiser-window (beta 2, width 11) moving average, same length as ``x``: host NumPy.

    Equal to the book's ``smooth_curve`` for 11 points or more; the book's padding (reflect on
    the left, symmetric on the right) is kept, built with ``np.pad`` so that shorter curves also
    come back with their own length instead of fewer points.

    Parameters
    ----------
    x : sequence of float or of 0-d arrays (any backend, any device), or array, shape (T,)

    Returns
    -------
    numpy.ndarray, shape (T,), float64
    """
    if isinstance(x, (list, tuple)):  # e.g. the book's losses appended as 0-d device arrays
        x = [float(v) for v in x]
    x = np.asarray(to_numpy(x) if hasattr(x, "shape") else x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"smooth_curve takes a 1-D curve, got shape {x.shape}")
    if x.size == 0:
        return x
    half = WINDOW // 2
    w = np.kaiser(WINDOW, 2)
    padded = np.concatenate([np.pad(x, (half, 0), mode="reflect")[:half],
                             x, np.pad(x, (0, half), mode="symmetric")[-half:]])
    return np.convolve(w / w.sum(), padded, mode="valid")


def shuffle_dataset(x, t):
    """Shuffle ``x`` and ``t`` along the first axis with one permutation, on their device.

    Parameters
    ----------
    x : array, shape (N, ...)
    t : array, shape (N,) or (N, C)
        Drawn from the current backend's seeded RNG ([`xpnet.seed`][xpnet.seed]).

    Returns
    -------
    x, t : arrays, shuffled copies
    """
    xp = array_namespace(x, t)
    if x.shape[0] != t.shape[0]:
        raise ValueError(f"x has {x.shape[0]} samples but t has {t.shape[0]}")
    idx = permutation(x.shape[0])
    return xp.take(x, idx, axis=0), xp.take(t, idx, axis=0)
