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


# -- batch-last ("HWN") column order: what the Convolution layer uses on NumPy -----------------
#
# With columns ordered (i, j, n) instead of (n, i, j), every gathered window row is a run of N
# contiguous values when the image is stored channel-major, batch-last (C, H, W, N), the layout
# of cuda-convnet: the copy's inner loop is N long (100 at batch 100) instead of out_w long (7 to
# 28), several times faster on DeepConvNet's 7x7 layers (figures in docs/performance.md).
# A convolution's output (FN, out_h*out_w*N) is then itself (C, H, W, N) memory, so the next
# layer gathers from it with no transposing copy. Layers see ordinary (N, C, H, W) views.


def _hwn_image(x, pad: int):
    """``x`` (N, C, H, W), any memory order, as a (C, H+2p, W+2p, N) array (a view if possible)."""
    chwn = x.transpose(1, 2, 3, 0)
    if pad == 0 and chwn.flags.c_contiguous:
        return chwn
    n, c, h, w = x.shape
    if pad:
        img = np.zeros((c, h + 2 * pad, w + 2 * pad, n), dtype=x.dtype)
    else:
        img = np.empty((c, h, w, n), x.dtype)
    img[:, pad:pad + h, pad:pad + w, :] = chwn
    return img


def numpy_columns_hwn(x, filter_h: int, filter_w: int, stride: int, pad: int):
    """Columns of ``x`` (N, C, H, W), rows (c, y, x), columns (i, j, n): shape
    (C*filter_h*filter_w, out_h*out_w*N), C-contiguous, never sharing memory with ``x``."""
    img = _hwn_image(x, pad)
    win = sliding_window_view(img, (filter_h, filter_w), axis=(1, 2))[:, ::stride, ::stride]
    c, out_h, out_w, n = win.shape[:4]
    win = win.transpose(0, 4, 5, 1, 2, 3)  # (C, fh, fw, out_h, out_w, N): inner loop along N
    cols = np.empty((c * filter_h * filter_w, out_h * out_w * n), dtype=x.dtype)
    dst = cols.reshape(win.shape)

    def part(a, b):  # output rows a..b
        np.copyto(dst[:, :, :, a:b], win[:, :, :, a:b])

    parallel_for(part, out_h, c * filter_h * filter_w * out_w * n)
    return cols


def numpy_add_columns_hwn(cols, input_shape, filter_h: int, filter_w: int, stride: int, pad: int):
    """Adjoint of :func:`numpy_columns_hwn`: (N, C, H, W) view of a (C, H, W, N) array."""
    n, c, h, w = input_shape
    out_h = (h + 2 * pad - filter_h) // stride + 1
    out_w = (w + 2 * pad - filter_w) // stride + 1
    taps = cols.reshape(c, filter_h, filter_w, out_h, out_w, n)
    img = np.zeros((c, h + 2 * pad, w + 2 * pad, n), dtype=cols.dtype)

    def part(a, b):  # channels a..b: disjoint slices of img
        for y in range(filter_h):
            for x in range(filter_w):
                in_rows = slice(y, y + stride * (out_h - 1) + 1, stride)
                in_cols = slice(x, x + stride * (out_w - 1) + 1, stride)
                img[a:b, in_rows, in_cols, :] += taps[a:b, y, x]

    parallel_for(part, c, filter_h * filter_w * out_h * out_w * n)
    return img[:, pad:pad + h, pad:pad + w, :].transpose(3, 0, 1, 2)


def hwn_output(out2d, n: int, out_h: int, out_w: int):
    """(FN, out_h*out_w*N) GEMM result as the (N, FN, out_h, out_w) view the layers see."""
    return out2d.reshape(out2d.shape[0], out_h, out_w, n).transpose(3, 0, 1, 2)


def hwn_rows(dout):
    """(N, FN, out_h, out_w) -> (FN, out_h*out_w*N); free when ``dout`` is (C, H, W, N) memory."""
    return dout.transpose(1, 2, 3, 0).reshape(dout.shape[1], -1)
