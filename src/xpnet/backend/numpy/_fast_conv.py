"""NumPy fast paths for convolution: im2col by ``sliding_window_view`` and one copy, blocked.

The portable ops gather the columns with one ``take`` over a cached index table
(`xpnet.backend.portable._tables`); on NumPy the same windows are a zero-copy strided view,
and one copy lays them out as columns, split over the CPU's cores (`_threads`). The
convolution layer's own path orders columns batch-last and, for products with few rows, gathers
and multiplies them block by block (below). ``tests/functions/test_conv.py`` and
``tests/layers/test_threaded_fast_paths.py`` hold these equal to the portable twins.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._small_gemm import run_parts_on_one_blas_thread
from ._threads import chunks, parallel_for


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


# -- batch-last ("HWN") convolution, blocked: what the Convolution layer uses on NumPy --------
#
# With columns ordered (i, j, n) instead of (n, i, j), every gathered window row is a run of N
# contiguous values when the image is stored channel-major, batch-last (C, H, W, N), the layout
# of cuda-convnet: the copy's inner loop is N long (100 at batch 100) instead of out_w long (7 to
# 28). A convolution's output (FN, out_h*out_w*N) is then itself (C, H, W, N) memory, so the next
# layer gathers from it with no transposing copy. Layers see ordinary (N, C, H, W) views.
#
# A product with few rows (DeepConvNet's 16 to 64 filters) never builds its column buffer
# whole (conv_hwn): output pixels are cut into blocks (row segments or whole rows, about
# BLOCK_ITEMS gathered values each); each pool thread gathers one block's columns into its own
# small buffer and multiplies it at once, on one BLAS thread, while the block is still in cache.
# A whole buffer (45 MB for DeepConvNet's second layer at batch 100) went to memory and back, and
# those short-and-wide products ran at half the BLAS rate split over two threads. Backward gathers
# the blocks again from the padded image the forward kept (a ninth of the columns for 3x3). Wide
# products (AlexNet's 192 to 384 filters over a 7x7 image) keep the whole buffer
# (numpy_columns_hwn) and the BLAS's own threads: there the gather is a small share of the work
# and blocks narrow enough to share out would starve the product. Figures in docs/performance.md.

#: Gathered values per block: a block's columns (2 MiB in float32) stay in the core's cache
#: between the gather and the product.
BLOCK_ITEMS = 1 << 19

#: Blocks to cut a small image into at least, so that two or three threads get even shares.
MIN_BLOCKS = 16

#: Columns a block has at least, in the forward product and in the weight gradient's (whose
#: inner dimension it is).
MIN_COLUMNS = 512
GRAD_MIN_COLUMNS = 2048


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


_workspace = threading.local()


def _block_buffer(size: int, dtype):
    """This thread's block buffer, at least ``size`` values of ``dtype``, kept from call to call:
    a fresh one per call page-faulted its memory in again every time (about 1,000 faults per
    DeepConvNet layer call on a KVM guest, a fifth of the layer's time)."""
    dtype = np.dtype(dtype)
    held = getattr(_workspace, "buffers", None)
    if held is None:
        held = _workspace.buffers = {}
    buf = held.get(dtype)
    if buf is None or buf.size < size:
        buf = held[dtype] = np.empty(size, dtype=dtype)
    return buf[:size]


class _Blocks:
    """The windows of a (C, H, W, N) image and their cut into blocks of output pixels.

    ``win`` is the (C, fh, fw, out_h, out_w, N) strided view; a block is ``(r0, r1, j0, j1)``:
    output rows ``r0..r1`` and columns ``j0..j1`` (a segment of one row, or whole rows), whose
    columns are consecutive columns of the (K, out_h*out_w*N) column matrix. A block holds about
    `BLOCK_ITEMS` values, and at least ``min_columns`` columns: a product over a narrow
    block runs the BLAS at a fraction of its rate (its weight is packed again for every block,
    and the weight gradient's inner dimension is the block's width). The cut depends on the
    shapes only (never on the thread count), so every output value comes from the same product
    whatever the threads.
    """

    def __init__(self, img, filter_h: int, filter_w: int, stride: int, min_columns: int):
        win = sliding_window_view(img, (filter_h, filter_w), axis=(1, 2))[:, ::stride, ::stride]
        self.win = win.transpose(0, 4, 5, 1, 2, 3)  # (C, fh, fw, out_h, out_w, N)
        c, _, _, oh, ow, n = self.win.shape
        self.k, self.n, self.out_h, self.out_w = c * filter_h * filter_w, n, oh, ow
        pixels = oh * ow
        cap = min(max(1, BLOCK_ITEMS // (self.k * n)), max(1, pixels // MIN_BLOCKS))
        cap = min(max(cap, -(-min_columns // n)), max(1, -(-pixels // 2)))  # wide enough; two shares
        if cap >= ow:  # whole rows
            per = cap // ow
            self.blocks = [(r, min(r + per, oh), 0, ow) for r in range(0, oh, per)]
        else:  # each row cut in even segments
            per_row = -(-ow // cap)
            bounds = [ow * i // per_row for i in range(per_row + 1)]
            self.blocks = [(r, r + 1, a, b) for r in range(oh) for a, b in zip(bounds, bounds[1:])]
        self.pixels = max((r1 - r0) * (j1 - j0) for r0, r1, j0, j1 in self.blocks)
        self.dtype = img.dtype

    def columns(self, i0: int, i1: int):
        """Yield ``(cols, start, stop)`` for blocks ``i0..i1``: the block's (K, L) columns, in one
        buffer reused from block to block, and its column range in the whole matrix."""
        buf = _block_buffer(self.k * self.pixels * self.n, self.dtype)
        for r0, r1, j0, j1 in self.blocks[i0:i1]:
            shape = (*self.win.shape[:3], r1 - r0, j1 - j0, self.n)
            cols = buf[:math.prod(shape)].reshape(shape)
            np.copyto(cols, self.win[:, :, :, r0:r1, j0:j1])
            yield (cols.reshape(self.k, -1), (r0 * self.out_w + j0) * self.n,
                   ((r1 - 1) * self.out_w + j1) * self.n)

    def parts(self):
        """The blocks split over the pool's threads (one part when the work is small)."""
        return chunks(len(self.blocks), self.k * self.pixels * self.n)


def conv_hwn(x, w2d, filter_h: int, filter_w: int, stride: int, pad: int, bias=None):
    """``w2d @ columns(x) (+ bias)`` block by block: (FN, out_h*out_w*N), C-contiguous.

    ``x`` is (N, C, H, W) in any memory order, ``w2d`` (FN, C*filter_h*filter_w), ``bias`` (FN,)
    or None. Also returns the padded (C, H+2p, W+2p, N) image, what `conv_weight_grad_hwn`
    gathers from again.
    """
    img = _hwn_image(x, pad)
    blocks = _Blocks(img, filter_h, filter_w, stride, min_columns=MIN_COLUMNS)
    out = np.empty((w2d.shape[0], blocks.out_h * blocks.out_w * blocks.n), dtype=x.dtype)
    column_bias = None if bias is None else bias.reshape(-1, 1)

    def part(i0, i1):
        for cols, start, stop in blocks.columns(i0, i1):
            dst = out[:, start:stop]
            np.matmul(w2d, cols, out=dst)
            if column_bias is not None:
                dst += column_bias

    run_parts_on_one_blas_thread(part, blocks.parts())
    return out, img


def weight_grad(rows, cols, out=None):
    """``rows @ cols.T``, (FN, K); when the columns have more rows than ``rows`` (K > FN) it is
    computed as ``(cols @ rows.T).T``, the same product with the many-row operand first, which
    OpenBLAS runs faster (measured on a Zen 4 guest, docs/performance.md; then the result is a
    transposed view). ``out``: an (FN, K) array to write into, laid out as this returns it."""
    if cols.shape[0] <= rows.shape[0]:
        return rows @ cols.T if out is None else np.matmul(rows, cols.T, out=out)
    if out is None:
        return (cols @ rows.T).T
    np.matmul(cols, rows.T, out=out.T)
    return out


def conv_weight_grad_hwn(rows, img, filter_h: int, filter_w: int, stride: int):
    """``rows @ columns.T``, (FN, K), gathering the columns block by block from ``img`` again.

    Each thread sums its blocks' products; the threads' sums are added in thread order, so the
    result equals one thread's to float rounding (the one reduction split over threads here).
    """
    blocks = _Blocks(img, filter_h, filter_w, stride, min_columns=GRAD_MIN_COLUMNS)
    parts = blocks.parts()
    sums = {}

    def part(i0, i1):
        total, product = None, None
        for cols, start, stop in blocks.columns(i0, i1):
            if total is None:
                total = weight_grad(rows[:, start:stop], cols)
                product = np.empty_like(total)
            else:
                total += weight_grad(rows[:, start:stop], cols, out=product)
        sums[i0] = total

    run_parts_on_one_blas_thread(part, parts)
    dW = sums[parts[0][0]]
    for i0, _ in parts[1:]:
        dW += sums[i0]
    return dW


def numpy_add_columns_hwn(cols, input_shape, filter_h: int, filter_w: int, stride: int, pad: int):
    """col2im of batch-last (C*fh*fw, out_h*out_w*N) columns: the (N, C, H, W) view of a
    (C, H, W, N) array."""
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
