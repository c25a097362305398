"""NumPy fast path for the im2col gather: ``sliding_window_view`` and one copy.

The portable gather (``xpnet.functions.conv``) stacks ``fh*fw`` strided slices; on NumPy the same
windows are a zero-copy strided view, and the single ``reshape`` into the column layout is the
only copy. ``tests/functions/test_conv.py`` holds this equal to the portable twin, bit for bit.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def numpy_windows(img, filter_h: int, filter_w: int, stride: int, *, channels_last: bool):
    """Every ``filter_h x filter_w`` window of an already padded image batch, copied once.

    Parameters
    ----------
    img : numpy.ndarray, shape (N, C, H, W)
        Padded input; windows start every ``stride`` pixels and lie fully inside.
    channels_last : bool
        ``True``: shape (N, out_h, out_w, C, filter_h*filter_w), the im2col row order.
        ``False``: shape (N, C, out_h, out_w, filter_h*filter_w), the pooling order.

    Returns
    -------
    numpy.ndarray, C-contiguous, never sharing memory with ``img``.
    """
    win = sliding_window_view(img, (filter_h, filter_w), axis=(2, 3))[:, :, ::stride, ::stride]
    n, c, out_h, out_w = win.shape[:4]
    if channels_last:
        win = win.transpose(0, 2, 3, 1, 4, 5)
        shape = (n, out_h, out_w, c, filter_h * filter_w)
    else:
        shape = (n, c, out_h, out_w, filter_h * filter_w)
    cols = win.reshape(shape)  # the one gather: the window view is never contiguous except 1x1
    if np.shares_memory(cols, img):
        cols = cols.copy()
    return cols
