"""NumPy fast paths for ReLU: ``out=`` buffers and the batch split over the CPU's cores.

The portable layer (``xpnet.layers.activations.Relu``) builds its mask, output and gradient
with fresh temporaries on one core; here each thread writes its slice of the batch straight
into the result (``out=``), and backward multiplies by the boolean keep-mask without first
casting it to a float array (the cast happens inside the loop). Same operations, same values:
``tests/layers/test_threaded_fast_paths.py`` holds both equal to the portable twin, bit for bit.
"""

from __future__ import annotations

import math

import numpy as np

from ._threads import parallel_for


def _lead(x) -> int:
    return x.shape[0] if x.ndim else 1


def numpy_relu_forward(x):
    """``(maximum(x, 0), x <= 0)``, in ``x``'s memory order."""
    out = np.empty_like(x)
    mask = np.empty_like(x, dtype=bool)
    if x.ndim == 0:
        np.less_equal(x, 0, out=mask)
        np.maximum(x, 0.0, out=out)
        return out, mask

    def part(a, b):
        np.less_equal(x[a:b], 0, out=mask[a:b])
        np.maximum(x[a:b], 0.0, out=out[a:b])

    parallel_for(part, _lead(x), math.prod(x.shape[1:]))
    return out, mask


def numpy_relu_backward(dout, mask):
    """``dout * ~mask`` (``dout``'s dtype), with ``mask`` the forward's ``x <= 0``."""
    dx = np.empty_like(dout)
    if dout.ndim == 0:
        np.multiply(dout, np.logical_not(mask), out=dx)
        return dx

    def part(a, b):
        np.multiply(dout[a:b], np.logical_not(mask[a:b]), out=dx[a:b])

    parallel_for(part, _lead(dout), math.prod(dout.shape[1:]))
    return dx
