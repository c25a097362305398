"""NumPy fast path for the im2col gather: ``sliding_window_view`` and one copy.

The portable gather (``xpnet.functions.conv``) stacks ``filter_h*filter_w`` strided slices; on
NumPy the same windows are a zero-copy strided view, and the single ``reshape`` into the column
layout is the only copy, split along the batch over the CPU's cores
(:mod:`xpnet.backend._threads`). ``tests/functions/test_conv.py`` holds this equal to the portable
twin, bit for bit.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._threads import parallel_for


def numpy_columns(img, filter_h: int, filter_w: int, stride: int):
    """Columns of an already padded image batch, copied once.

    Parameters
    ----------
    img : numpy.ndarray, shape (N, C, H, W)
        Padded input; windows start every ``stride`` pixels and lie fully inside.

    Returns
    -------
    numpy.ndarray, shape (C*filter_h*filter_w, N*out_h*out_w), C-contiguous, never sharing
    memory with ``img``; row (c, y, x), column (n, i, j).
    """
    win = sliding_window_view(img, (filter_h, filter_w), axis=(2, 3))[:, :, ::stride, ::stride]
    n, c, out_h, out_w = win.shape[:4]
    win = win.transpose(1, 4, 5, 0, 2, 3)  # (C, fh, fw, N, out_h, out_w): inner loop along out_w
    cols = np.empty((c * filter_h * filter_w, n * out_h * out_w), dtype=img.dtype)
    dst = cols.reshape(win.shape)

    def part(a, b):  # the one copy, images a..b
        np.copyto(dst[:, :, :, a:b], win[:, :, :, a:b])

    parallel_for(part, n, c * filter_h * filter_w * out_h * out_w)
    return cols
