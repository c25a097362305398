"""NumPy's ops: the host fast paths, each a twin of a portable [`Ops`][xpnet.backend.portable.Ops] method.

What NumPy has that the portable code cannot use: ``out=`` buffers, zero-copy strided views
(``sliding_window_view``), a thread pool over its single-threaded loops
(`xpnet.backend.numpy._threads`; results bit-identical to one thread), and a layout choice:

- **Batch-last convolutions.** Columns are ordered (out_h, out_w, N) and a convolution's output
  is an (N, FN, out_h, out_w) view of (FN, out_h, out_w, N) memory, so every gathered window row
  is N contiguous values and the next convolution gathers from it with no transposing copy
  (`xpnet.backend.numpy._fast_conv`). Pooling and ReLU keep their input's memory order.
- **Pooling by taps.** A running max over strided views, one filter tap at a time, split over
  the batch; no (N, C, P, K) window buffer.

Process tuning (glibc malloc, OpenBLAS idle threads) is applied once, by the constructor of
the first [`NumpyOps`][xpnet.backend.numpy.ops.NumpyOps]: only a process that computes with NumPy pays for it.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .._packed import PackedArrays
from ..portable.ops import ConvContext, Ops, _out_hw, max_pool_then_relu_backward, max_pool_then_relu_forward
from ..portable.taps import window_slices
from . import _winograd
from ._blas_threads import tune_blas_threads
from ._fast_adam import numpy_adam_step
from ._fast_conv import (
    conv_hwn,
    conv_weight_grad_hwn,
    hwn_output,
    hwn_rows,
    numpy_add_columns_hwn,
    numpy_columns,
    numpy_columns_hwn,
    weight_grad,
)
from ._fast_elementwise import numpy_relu_backward, numpy_relu_forward
from ._host_memory import tune_host_malloc
from ._layout import along, memory_order, new_in_order
from ._small_gemm import small_matmul
from ._threads import chunks, run_parts

#: Convolution products go block by block (`conv_hwn`) below
#: this many rows: the forward's rows are its filters, the transposed convolution's (dx) the
#: input's channels. Blocking saves the column buffer's trip to memory and back, which weighs
#: against a product whose cost per column is its row count: measured in one process on a Zen 3
#: guest, it wins at 16 and 32 filters and loses from 48 (docs/performance.md).
BLOCKED_FORWARD_ROWS = 48
BLOCKED_TRANSPOSED_ROWS = 128

#: ... and only when the whole column buffer would hold at least this many values (16 MiB of
#: float32): a smaller one stays in the last-level cache anyway, and its blocks cost Python calls.
BLOCKED_MIN_ITEMS = 1 << 22


def _conv_product(x, w2d, filter_h: int, filter_w: int, stride: int, pad: int, *, blocked_below: int,
                  bias=None):
    """``w2d @ columns(x) (+ bias)`` as (FN, out_h*out_w*N), and what the weight gradient
    needs: ``(out, col, img)``, the whole column buffer or the padded image (the other None).
    Blocked below ``blocked_below`` rows (for a large buffer), else over one whole buffer (see
    `_fast_conv`)."""
    oh, ow = _out_hw(x.shape, filter_h, filter_w, stride, pad)
    if w2d.shape[0] < blocked_below and w2d.shape[1] * x.shape[0] * oh * ow >= BLOCKED_MIN_ITEMS:
        out, img = conv_hwn(x, w2d, filter_h, filter_w, stride, pad, bias=bias)
        return out, None, img
    col = numpy_columns_hwn(x, filter_h, filter_w, stride, pad)
    out = w2d @ col
    if bias is not None:
        out += bias.reshape(-1, 1)
    return out, col, None


class NumpyPoolContext(NamedTuple):
    """A pooling forward's context on NumPy: the portable one's fields, plus the input's memory
    ``order`` and the ``axis`` the work was split along."""

    winner: object
    geometry: tuple
    order: tuple
    axis: int


class NumpyOps(Ops):
    """Host fast paths for NumPy arrays (see the module docstring)."""

    name = "numpy"

    def __init__(self) -> None:
        super().__init__()
        tune_host_malloc()  # once per process; see ._host_memory
        tune_blas_threads()  # see ._blas_threads

    def on_host(self, x) -> bool:
        return True

    # -- flat buffers -------------------------------------------------------------------
    def views(self, data, spans, shapes):
        return [data[a:b].reshape(shape) for (a, b), shape in zip(spans, shapes)]

    def concat_flat(self, arrays):
        """``np.concatenate`` of the flattened arrays (one pass; splitting this copy over threads
        measured an order of magnitude slower, the hand-off dwarfs a few hundred KB)."""
        return np.concatenate([a.reshape(-1) for a in arrays])

    # -- ReLU ---------------------------------------------------------------------------
    def relu_forward(self, x):
        """``(max(x, 0), mask)``, mask the book's ``x <= 0``; threaded, in ``x``'s layout."""
        return numpy_relu_forward(x)

    def relu_backward(self, dout, state):
        if getattr(dout, "shape", None) == state.shape:
            return numpy_relu_backward(dout, state)
        return dout * np.logical_not(state)

    # -- dropout ------------------------------------------------------------------------
    def dropout_forward(self, x, keep, scale: float):
        """A multiply by the mask's 0/scale float copy: branch-free, where NumPy's ``where`` on
        a random mask is slower (and the same gain serves backward)."""
        gain = keep.astype(x.dtype)
        if scale != 1.0:
            gain *= scale
        return x * gain, gain

    def dropout_backward(self, dout, state):
        return dout * state

    # -- affine -------------------------------------------------------------------------
    def affine_forward(self, x2d, W, b):
        """``x2d @ W + b``; a small product runs on one BLAS thread (`_small_gemm`)."""
        out = small_matmul(x2d, W)
        out += b
        return out, x2d

    def affine_backward(self, dout, W, ctx, *, input_grad: bool = True):
        """``dx`` comes in ``x2d``'s layout: for a batch-last input (a convolution stack's
        output) as ``(W @ dout.T).T``, a transposed view, so the layers below keep it."""
        x2d = ctx
        dW, db = small_matmul(x2d.T, dout), dout.sum(axis=0)
        if not input_grad:
            return None, dW, db
        if x2d.shape[0] > 1 and x2d.shape[1] > 1 and x2d.strides[0] < x2d.strides[1]:  # batch innermost
            return small_matmul(W, dout.T).T, dW, db
        return small_matmul(dout, W.T), dW, db

    # -- im2col / col2im ----------------------------------------------------------------
    def columns(self, x, filter_h: int, filter_w: int, stride: int, pad: int):
        img = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad else x
        return numpy_columns(img, filter_h, filter_w, stride)

    def add_columns(self, cols, input_shape, filter_h: int, filter_w: int, stride: int, pad: int):
        """col2im as ``filter_h*filter_w`` strided adds, the batch split over threads."""
        n, c, h, w = input_shape
        oh, ow = _out_hw(input_shape, filter_h, filter_w, stride, pad)
        taps = cols.reshape(c, filter_h, filter_w, n, oh, ow)
        img = np.zeros((c, n, h + 2 * pad, w + 2 * pad), dtype=cols.dtype)

        def part(a, b):  # images a..b: disjoint slices of img
            for y in range(filter_h):
                for x in range(filter_w):
                    img[:, a:b, y:y + stride * (oh - 1) + 1:stride, x:x + stride * (ow - 1) + 1:stride] \
                        += taps[:, y, x, a:b]

        run_parts(part, chunks(n, c * filter_h * filter_w * oh * ow))
        return img[:, :, pad:pad + h, pad:pad + w].transpose(1, 0, 2, 3)

    # -- convolution --------------------------------------------------------------------
    def conv2d_forward(self, x, W, b, stride: int, pad: int):
        """Winograd F(4, r) where the channels are many (`_winograd`), else im2col: blocked,
        or over one whole column buffer. ``ctx.kept``: [columns, padded image, Winograd's input
        tiles], the ones the path did not make None."""
        fn, c, fh, fw = W.shape
        if _winograd.applies(x.shape, W.shape, stride, pad, x.dtype):
            out, tiles = _winograd.conv_forward(x, W, b, pad)
            return out, ConvContext([None, None, tiles], tuple(x.shape))
        out, col, img = _conv_product(x, W.reshape(fn, c * fh * fw), fh, fw, stride, pad,
                                      blocked_below=BLOCKED_FORWARD_ROWS, bias=b)
        oh, ow = _out_hw(x.shape, fh, fw, stride, pad)
        return hwn_output(out, x.shape[0], oh, ow), ConvContext([col, img, None], tuple(x.shape))

    def conv2d_backward(self, dout, W, ctx, stride: int, pad: int, *, input_grad: bool = True):
        """Winograd's dW from the kept input tiles and its dx as a forward (`_winograd`);
        else dW from the kept column buffer, or from the columns gathered again block by block;
        db from batch-last rows; dx for stride 1, a square kernel and FN <= C as the transposed
        convolution (``dout`` gathered with the flipped kernel: FN*k*k rows instead of C*k*k, no
        col2im), else the book's dcol GEMM and col2im."""
        (col, img, tiles), x_shape = ctx
        ctx.kept.clear()  # the columns (image, tiles) die with dW, before dx is made
        fn, c, fh, fw = W.shape
        if tiles is not None:
            db = hwn_rows(dout).sum(axis=1)  # the rows (a copy unless dout is batch-last) die here
            dW = _winograd.weight_grad(dout, tiles, fh)
            del tiles
            return (_winograd.input_grad(dout, W, pad) if input_grad else None), dW, db
        rows = hwn_rows(dout)
        db = rows.sum(axis=1)
        dW = weight_grad(rows, col) if img is None else conv_weight_grad_hwn(rows, img, fh, fw, stride)
        dW = dW.reshape(W.shape)
        del col, img
        if not input_grad:
            return None, dW, db
        n, _, h, w = x_shape
        if stride == 1 and fh == fw and pad <= fh - 1 and fn <= c:
            k = fh
            flipped = W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(c, fn * k * k)
            dx = _conv_product(dout, flipped, k, k, 1, k - 1 - pad, blocked_below=BLOCKED_TRANSPOSED_ROWS)[0]
            return hwn_output(dx, n, h, w), dW, db
        dcol = W.reshape(fn, c * fh * fw).T @ rows
        return numpy_add_columns_hwn(dcol, x_shape, fh, fw, stride, pad), dW, db

    # -- pooling ------------------------------------------------------------------------
    def pool2d_forward(self, x, pool_h: int, pool_w: int, stride: int, pad: int, mode: str):
        """A running max (or sum) over the taps' strided views; the winning tap is an int8
        ``arg = maximum(arg, k * (tap > best))`` (the last tap to raise the max is the first
        maximum). Split along N or C, whichever is outer in memory; output in ``x``'s order."""
        order = memory_order(x)
        oh, ow = _out_hw(x.shape, pool_h, pool_w, stride, pad)
        axis = 1 if order.index(1) < order.index(0) else 0
        slices = window_slices(pool_h, pool_w, stride, oh, ow)
        parts = chunks(x.shape[axis], math.prod(x.shape) // x.shape[axis])
        geometry = (tuple(x.shape), pool_h, pool_w, stride, pad)
        if len(parts) == 1:
            out, arg_max = _pool_taps(x, slices, pad, mode)
            return out, NumpyPoolContext(arg_max, geometry, order, axis)
        shape = (*x.shape[:2], oh, ow)
        out = new_in_order(np, shape, order, dtype=x.dtype)
        arg_max = new_in_order(np, shape, order, dtype=_index_dtype(slices)) if mode == "max" else None

        def part(a, b):  # images (or channels) a..b on their own thread
            at = along(axis, a, b)
            out[at], arg = _pool_taps(x[at], slices, pad, mode)
            if arg_max is not None:
                arg_max[at] = arg

        run_parts(part, parts)
        return out, NumpyPoolContext(arg_max, geometry, order, axis)

    def pool2d_backward(self, dout, ctx):
        """The one-hot of the winning tap times ``dout``, added back tap by tap (no scatter),
        in the memory order of the forward's input."""
        arg_max, (x_shape, pool_h, pool_w, stride, pad), order, axis = ctx
        n, c, h, w = x_shape
        oh, ow = dout.shape[2:]
        k = pool_h * pool_w
        img = new_in_order(np, (n, c, h + 2 * pad, w + 2 * pad), order, dtype=dout.dtype, zero=True)
        slices = window_slices(pool_h, pool_w, stride, oh, ow)

        def part(a, b):
            at = along(axis, a, b)
            d, target = dout[at], img[at]
            share = d / k if arg_max is None else None
            for j, (rows, cols) in enumerate(slices):
                target[:, :, rows, cols] += share if arg_max is None else d * (arg_max[at] == j)

        run_parts(part, chunks(x_shape[axis], math.prod(x_shape) // x_shape[axis]))
        return img if pad == 0 else img[..., pad:pad + h, pad:pad + w]

    max_pool_relu_forward = max_pool_then_relu_forward  # the tap loop and the threaded ReLU
    max_pool_relu_backward = max_pool_then_relu_backward

    # -- optimizers ---------------------------------------------------------------------
    def adam_step(self, p, g, m, v, *, beta1: float, beta2: float, eps: float, scale: float,
                  divisor: float = 1.0, decay: float = 1.0, grad_scale: float = 0.0) -> None:
        """The portable step's operations in the same order, with ``out=`` buffers, split over
        threads (bit-identical to the portable twin). Unpacked gradients are gathered slice by
        slice inside each thread, so they are never copied into a buffer of their own."""
        pieces = g.pieces if isinstance(g, PackedArrays) else None
        flat = [p, m, v] + ([] if pieces is not None else [g]) + list(pieces or ())
        if not all(a.flags.c_contiguous for a in flat):
            super().adam_step(p, g, m, v, beta1=beta1, beta2=beta2, eps=eps, scale=scale,
                              divisor=divisor, decay=decay, grad_scale=grad_scale)
            return
        if pieces is None:
            pieces, spans = [g], [(0, g.size)]
        else:
            spans = g.spans
        numpy_adam_step(p.reshape(-1), [a.reshape(-1) for a in pieces], spans, m.reshape(-1),
                        v.reshape(-1), beta1=beta1, beta2=beta2, eps=eps, scale=scale, divisor=divisor,
                        decay=decay, grad_scale=grad_scale)

def _index_dtype(slices):
    return np.int8 if len(slices) <= 127 else np.int32


def _pool_taps(x, slices, pad, mode):
    """(pooled x, index of the winning tap or None for 'avg'), new arrays (never views of x)."""
    img = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)),
                 constant_values=-math.inf if mode == "max" else 0.0) if pad else x
    taps = (img[:, :, rows, cols] for rows, cols in slices)
    best = next(taps)
    if mode == "avg":
        for tap in taps:
            best = best + tap
        return (best / len(slices) if len(slices) > 1 else best.copy()), None
    index_dtype = _index_dtype(slices)
    arg_max = None
    for k, tap in enumerate(taps, start=1):
        better = (tap > best).astype(index_dtype) * k
        arg_max = better if arg_max is None else np.maximum(arg_max, better)
        best = np.maximum(best, tap)
    if arg_max is None:  # a 1x1 window: tap 0 always wins
        return best.copy(), np.zeros(best.shape, dtype=index_dtype)
    return best, arg_max


