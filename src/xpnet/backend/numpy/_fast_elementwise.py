"""NumPy fast paths for ReLU: ``out=`` buffers and the batch split over the CPU's cores.

The portable layer (``xpnet.layers.activations.Relu``) builds its mask, output and gradient
with fresh temporaries on one core; here each thread writes its slice of the batch straight
into the result (``out=``), and backward multiplies by the boolean keep-mask without first
casting it to a float array (the cast happens inside the loop). Same operations, same values:
``tests/layers/test_threaded_fast_paths.py`` holds both equal to the portable twin, bit for bit.
"""

from __future__ import annotations

import numpy as np

from ._layout import along, memory_order
from ._threads import parallel_for


def _split(x):
    """(axis, length) to split ``x`` along: its outermost axis in memory, so each thread gets
    contiguous blocks (splitting a batch-last array along N would interleave the threads'
    writes every N/2 values, sharing cache lines)."""
    axis = memory_order(x)[0]
    return axis, x.shape[axis]


def numpy_relu_forward(x):
    """``(maximum(x, 0), x <= 0)``, in ``x``'s memory order."""
    out = np.empty_like(x)
    mask = np.empty_like(x, dtype=bool)
    if x.ndim == 0:
        np.less_equal(x, 0, out=mask)
        np.maximum(x, 0.0, out=out)
        return out, mask

    axis, length = _split(x)

    def part(a, b):
        at = along(axis, a, b)
        np.less_equal(x[at], 0, out=mask[at])
        np.maximum(x[at], 0.0, out=out[at])

    parallel_for(part, length, x.size // max(length, 1))
    return out, mask


def numpy_relu_backward(dout, mask):
    """``dout * ~mask`` (``dout``'s dtype), with ``mask`` the forward's ``x <= 0``."""
    dx = np.empty_like(dout)
    if dout.ndim == 0:
        np.multiply(dout, np.logical_not(mask), out=dx)
        return dx

    axis, length = _split(dout)

    def part(a, b):
        at = along(axis, a, b)
        np.multiply(dout[at], np.logical_not(mask[at]), out=dx[at])

    parallel_for(part, length, dout.size // max(length, 1))
    return dx
