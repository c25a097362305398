"""Memory order of NumPy activations, so a layer's outputs keep the layout of its inputs.

On NumPy a convolution returns (N, C, H, W) views of (C, H, W, N) memory
(`xpnet.backend.numpy._fast_conv`). Elementwise NumPy operations follow their input's layout by
themselves; a layer that allocates its own output (pooling) must ask for it, or every step pays
a transposing copy on the way in and out. Other backends report the plain C order.
"""

from __future__ import annotations

import numpy as np


def memory_order(x) -> tuple[int, ...]:
    """Axes of ``x`` from outermost to innermost in memory; ``(0, 1, ..., ndim-1)`` off NumPy."""
    if type(x) is not np.ndarray:
        return tuple(range(x.ndim))
    return tuple(sorted(range(x.ndim), key=lambda a: (-abs(x.strides[a]) if x.shape[a] > 1 else 0, a)))


def new_in_order(xp, shape, order, *, dtype, device=None, zero: bool = False):
    """A new array of ``shape`` stored with its axes in ``order`` (outermost first)."""
    stored = tuple(shape[a] for a in order)
    arr = (xp.zeros if zero else xp.empty)(stored, dtype=dtype, device=device)
    if tuple(order) == tuple(range(len(shape))):
        return arr
    inverse = tuple(sorted(range(len(order)), key=lambda i: order[i]))
    return xp.permute_dims(arr, inverse)


def along(axis: int, a: int, b: int) -> tuple:
    """The index of elements a..b along ``axis`` (array-API form, with an explicit ``...``), for
    the parts a split operation hands to its threads."""
    return (slice(None),) * axis + (slice(a, b), ...)
