"""Winograd convolution F(m x m, r x r) for NumPy: fewer multiplications than im2col's product.

A stride-1 r x r convolution computes every m x m tile of its output from an alpha x alpha tile
of its input (alpha = m + r - 1) as ``A^T [(G g G^T) * (B^T d B)] A`` (Lavin & Gray 2015,
"Fast Algorithms for Convolutional Neural Networks"). Summed over the input channels, the
elementwise product becomes alpha^2 matrix products of (FN, C) by (C, tiles): for F(4, 3) that is
36 multiplications per 16 outputs instead of 144, for F(4, 5) 64 instead of 400. The transforms
are small dense products over the tiles (``B``, ``A`` and ``G`` come from Cook-Toom interpolation
at the points 0, +-1, +-2, +-1/2, ...). Where the channels are many (AlexNet's 64 to 384), the
products dominate and the whole convolution is faster than im2col with the same BLAS; where they
are few (DeepConvNet's 16 to 32, AlexNet-style w0.25's), the transforms' passes over memory cost
more than they save. `MIN_CHANNELS` and `MIN_FILTERS` hold the crossover measured on
a Zen 4 guest (docs/performance.md).

The price is float rounding: the transforms scale values by up to 5 (F(4, 3)) before the
products, so a float32 output differs from the exact sum by about 1e-5 of its largest value,
where im2col's differs by about 5e-7 (float64: about 1e-14). Only float32 and float64 use it;
``XPNET_WINOGRAD=0`` switches it off.

Backward: ``dW = G^T [sum over tiles of (A dY A^T) (B^T d B)^T] G`` from the input tiles the
forward kept (alpha^2 / m^2 of the padded input, against im2col's r^2 times the input), and
``dx`` is the forward of ``dout`` with the flipped, transposed kernel (stride 1 makes the
transposed convolution an ordinary one).

Arrays are batch-last: the input is read through its (C, H, W, N) view and the output is an
(N, FN, H, W) view of (FN, H, W, N) memory, as for the other NumPy convolutions
(`xpnet.backend.numpy._fast_conv`).
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._small_gemm import run_parts_on_one_blas_thread
from ._switches import switched_off
from ._threads import chunks

#: Output tile side. m = 4 with r = 3 or 5 keeps float32's error near 1e-5 of the output; m = 6
#: with r = 5 measured 1e-3 (docs/performance.md).
TILE = 4

#: Kernel sides with a Winograd path.
KERNELS = (3, 5)

#: Input channels a convolution needs at least, and filters weighted by the share of the tiles'
#: outputs that are real outputs (a 7x7 output in 4x4 tiles computes 64 for 49): below them,
#: im2col was faster (DeepConvNet's 64 filters on 8x8 won, AlexNet-style w0.25's 64 on 7x7
#: lost; docs/performance.md).
MIN_CHANNELS = 64
MIN_FILTERS = 64

#: Values a transform block holds (channels or filters at a time): 1 MiB of float32 (2 of
#: float64), in cache.
BLOCK_VALUES = 1 << 18

#: Interpolation points in order of use (the last point of every transform is infinity).
POINTS = (0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, -3.0)


def applies(x_shape, w_shape, stride: int, pad: int, dtype) -> bool:
    """Whether `conv_forward` is the NumPy convolution for this input, kernel and geometry
    (the transposed convolution of `input_grad` needs ``pad <= r - 1``)."""
    fn, c, fh, fw = w_shape
    if not (stride == 1 and fh == fw and fh in KERNELS and pad <= fh - 1 and c >= MIN_CHANNELS
            and np.dtype(dtype) in (np.float32, np.float64)):
        return False
    oh, ow = x_shape[2] + 2 * pad - fh + 1, x_shape[3] + 2 * pad - fw + 1
    if oh < 1 or ow < 1:
        return False  # no output: im2col's path raises the shape error
    th, tw = _tile_counts(oh, ow, TILE)
    useful = oh * ow / (th * tw * TILE * TILE)
    return fn * useful >= MIN_FILTERS and not switched_off("XPNET_WINOGRAD")


def _tile_counts(oh: int, ow: int, m: int) -> tuple[int, int]:
    """Tile rows and columns covering an (oh, ow) output with m x m tiles (the last ones may
    reach past it: the input is zero-padded to whole tiles)."""
    return -(-oh // m), -(-ow // m)


@functools.lru_cache(maxsize=None)
def _transforms64(m: int, r: int):
    """``(A^T, G, B^T)`` of F(m, r) in float64: (m, alpha), (alpha, r) and (alpha, alpha).

    ``A^T`` and ``G`` are the Vandermonde rows of the points (G's scaled by 1/prod(p_j - p_k)),
    with infinity's row last; ``B^T`` is then the one matrix that makes the identity
    ``sum_x A^T[i, x] G[x, k] B^T[x, l] = [l == i + k]`` (correlation) hold, solved exactly by least
    squares and checked.
    """
    alpha = m + r - 1
    if alpha - 1 > len(POINTS):
        raise ValueError(f"F({m}, {r}) needs {alpha - 1} finite points, {len(POINTS)} are defined")
    points = np.array(POINTS[:alpha - 1])
    at, g = np.zeros((m, alpha)), np.zeros((alpha, r))
    for j, p in enumerate(points):
        at[:, j] = p ** np.arange(m)
        g[j] = p ** np.arange(r) / np.prod([p - q for q in points if q != p])
    at[m - 1, alpha - 1] = g[alpha - 1, r - 1] = 1.0
    system = np.einsum("ix,xk->ikx", at, g).reshape(m * r, alpha)
    target = np.zeros((m, r, alpha))
    for i in range(m):
        for k in range(r):
            target[i, k, i + k] = 1.0
    target = target.reshape(m * r, alpha)
    bt = np.linalg.lstsq(system, target, rcond=None)[0]
    if not np.allclose(system @ bt, target, rtol=0, atol=1e-12):
        raise ArithmeticError(f"no Winograd data transform for F({m}, {r}) at points {points}")
    return _read_only(at, g, bt)


@functools.lru_cache(maxsize=None)
def transforms(m: int, r: int, dtype):
    """``(A^T, B^T, K)`` in ``dtype``; ``K`` (alpha^2, r^2) maps a flattened kernel to its
    transformed tile, rows ordered (column point, row point) as the tiles are."""
    at, g, bt = _transforms64(m, r)
    alpha = m + r - 1
    kernel = np.einsum("ey,fx->feyx", g, g).reshape(alpha * alpha, r * r)
    return _read_only(*(np.array(a, dtype=dtype) for a in (at, bt, kernel)))


def _read_only(*arrays):
    """The cached matrices, shared by every caller, made unwritable."""
    for a in arrays:
        a.flags.writeable = False
    return arrays


def _tile_products(left, right, out):
    """``out[k] = left[k] @ right[k]`` for every tile point k, the points shared out over the
    pool's threads (`chunks`: serial inside another split or with one thread),
    each product on one BLAS thread: these products are small (hundreds of rows), and
    OpenBLAS's own split of each one measured slower at AlexNet's shapes (docs/performance.md).
    Every product runs whole on one BLAS thread whatever the split, so the split changes no value."""

    def part(a, b):
        np.matmul(left[a:b], right[a:b], out=out[a:b])

    run_parts_on_one_blas_thread(part, chunks(left.shape[0], left.shape[1] * right.shape[2]))
    return out


def _by_blocks(fn, n: int, values_per_index: int) -> None:
    """``fn(a, b)`` over blocks of ``range(n)`` (channels or filters) of about
    `BLOCK_VALUES` values each, the blocks shared out over the pool's threads, each on one
    BLAS thread: a transform's intermediates stay in the core's cache between its gathers and
    its small products, where whole-array passes went to memory and back on one core. Every
    index is computed alone, so the cut changes no value."""
    per = max(1, BLOCK_VALUES // max(1, values_per_index))

    def part(i0, i1):
        for a in range(i0, i1, per):
            fn(a, min(a + per, i1))

    run_parts_on_one_blas_thread(part, chunks(n, values_per_index))


def _input_tiles(x, pad: int, r: int, m: int):
    """``B^T d B`` of every input tile of ``x`` (N, C, H, W): (alpha^2, C, tiles) with tiles
    ordered (tile row, tile column, n), and the output geometry ``(oh, ow, th, tw)``."""
    n, c, h, w = x.shape
    alpha = m + r - 1
    _, bt, _ = transforms(m, r, x.dtype)
    oh, ow = h + 2 * pad - r + 1, w + 2 * pad - r + 1
    th, tw = _tile_counts(oh, ow, m)
    hp, wp = th * m + r - 1, tw * m + r - 1  # padded to whole tiles
    chwn = x.transpose(1, 2, 3, 0)
    tiles = np.empty((alpha * alpha, c, th * tw * n), x.dtype)

    def block(a, b):  # channels a..b
        img = np.zeros((b - a, hp, wp, n), x.dtype)
        img[:, pad:pad + h, pad:pad + w, :] = chwn[a:b]
        # along the rows: (alpha, C, th, W', N) windows gathered, then B^T over the window axis
        windows = sliding_window_view(img, alpha, axis=1)[:, ::m]  # (C, th, W', N, alpha)
        rows = np.ascontiguousarray(windows.transpose(4, 0, 1, 2, 3))
        rows = (bt @ rows.reshape(alpha, -1)).reshape(alpha, b - a, th, wp, n)
        # along the columns: (alpha, row point, C, th, tw, N), then B^T again
        windows = sliding_window_view(rows, alpha, axis=3)[:, :, :, ::m]  # (.., tw, N, alpha)
        cols = np.ascontiguousarray(windows.transpose(5, 0, 1, 2, 3, 4))
        tiles[:, a:b] = (bt @ cols.reshape(alpha, -1)).reshape(alpha * alpha, b - a, -1)

    _by_blocks(block, c, alpha * alpha * th * tw * n)
    return tiles, (oh, ow, th, tw)


def conv_forward(x, W, b, pad: int, m: int = TILE):
    """The stride-1 convolution of ``x`` (N, C, H, W) by ``W`` (FN, C, r, r) plus ``b`` (FN,) or
    None: ``(out, tiles)``, ``out`` the (N, FN, OH, OW) view of (FN, OH, OW, N) memory, ``tiles``
    what `weight_grad` needs."""
    n = x.shape[0]
    fn, c, r, _ = W.shape
    alpha = m + r - 1
    at, _, kernel = transforms(m, r, x.dtype)
    tiles, (oh, ow, th, tw) = _input_tiles(x, pad, r, m)
    filters = (kernel @ W.reshape(fn * c, r * r).T).reshape(alpha * alpha, fn, c)
    products = _tile_products(filters, tiles, np.empty((alpha * alpha, fn, tiles.shape[2]), x.dtype))
    out = np.empty((fn, oh, ow, n), x.dtype)

    def block(f0, f1):  # filters f0..f1: A^T along the tile columns, then the rows
        k = f1 - f0
        half = at @ np.ascontiguousarray(products[:, f0:f1]).reshape(alpha, -1)
        # (column pixel b, row pixel a, filter, tile row, tile column, N): the copy below puts
        # row pixels before column pixels
        full = np.matmul(at, half.reshape(m, alpha, -1)).reshape(m, m, k, th, tw, n)
        np.copyto(out[f0:f1], full.transpose(2, 3, 1, 4, 0, 5).reshape(k, th * m, tw * m, n)[:, :oh, :ow])
        if b is not None:
            out[f0:f1] += b[f0:f1].reshape(-1, 1, 1, 1)

    _by_blocks(block, fn, alpha * alpha * th * tw * n)
    return out.transpose(3, 0, 1, 2), tiles


def weight_grad(dout, tiles, r: int, m: int = TILE):
    """``dW`` (FN, C, r, r) from ``dout`` (N, FN, OH, OW) and the forward's ``tiles``:
    ``G^T [(A dY A^T) tiles^T] G``, the transforms' adjoints."""
    n, fn, oh, ow = dout.shape
    c = tiles.shape[1]
    alpha = m + r - 1
    at, _, kernel = transforms(m, r, dout.dtype)
    th, tw = _tile_counts(oh, ow, m)
    rows_in = dout.transpose(1, 2, 3, 0)
    grads = np.empty((alpha * alpha, fn, th * tw * n), dout.dtype)

    def block(f0, f1):  # filters f0..f1: A along the tile rows, then the columns
        k = f1 - f0
        grid = np.zeros((k, th * m, tw * m, n), dout.dtype)  # dY padded to whole tiles
        grid[:, :oh, :ow] = rows_in[f0:f1]
        rows = np.ascontiguousarray(grid.reshape(k, th, m, tw, m, n).transpose(2, 0, 1, 3, 4, 5))
        rows = (at.T @ rows.reshape(m, -1)).reshape(alpha, k, th, tw, m, n)
        cols = np.ascontiguousarray(rows.transpose(4, 0, 1, 2, 3, 5))  # (b, row point, k, th, tw, N)
        grads[:, f0:f1] = (at.T @ cols.reshape(m, -1)).reshape(alpha * alpha, k, -1)

    _by_blocks(block, fn, alpha * alpha * th * tw * n)
    tile_grads = _tile_products(grads, tiles.transpose(0, 2, 1), np.empty((alpha * alpha, fn, c), dout.dtype))
    return (tile_grads.reshape(alpha * alpha, fn * c).T @ kernel).reshape(fn, c, r, r)


def input_grad(dout, W, pad: int, m: int = TILE):
    """``dx`` (N, C, H, W) view of (C, H, W, N) memory: the forward of ``dout`` with the kernel
    flipped and its two channel axes swapped, padded by ``r - 1 - pad``."""
    r = W.shape[2]
    flipped = np.ascontiguousarray(W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    return conv_forward(dout, flipped, None, r - 1 - pad, m)[0]
