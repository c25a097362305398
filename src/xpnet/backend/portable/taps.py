"""Window operations by filter taps: one strided slice per tap, array API only.

The portable [`Ops`][xpnet.backend.portable.ops.Ops] gather every window with one ``take`` over an index
table:
one launch on a GPU. On a CPU a gather reads an index per element and torch's ``index_select``
along an inner axis runs several times slower than copying strided slices (docs/performance.md,
"Figures moved out of docstrings"). `TapOps`
does im2col, col2im and pooling with ``filter_h * filter_w`` strided slices instead (more
operations, fewer bytes): what [`TorchCpuOps`][xpnet.backend.torch.TorchCpuOps] runs on CPU tensors. The
running max
keeps the first maximum's tap, as the portable arg-max does.
"""

from __future__ import annotations

import math

from .._namespace import array_namespace
from .ops import Ops, PoolContext, _out_hw, max_pool_then_relu_backward, max_pool_then_relu_forward


def window_slices(filter_h: int, filter_w: int, stride: int, out_h: int, out_w: int):
    """One (rows, cols) slice pair per tap (y, x), row-major, over a padded image; stops in bounds."""
    span_h, span_w = stride * (out_h - 1) + 1, stride * (out_w - 1) + 1
    return [(slice(y, y + span_h, stride), slice(x, x + span_w, stride))
            for y in range(filter_h) for x in range(filter_w)]


def _padded(xp, x, pad: int, value: float):
    if pad == 0:
        return x
    *lead, h, w = x.shape
    img = xp.full((*lead, h + 2 * pad, w + 2 * pad), value, dtype=x.dtype, device=x.device)
    img[..., pad:pad + h, pad:pad + w] = x
    return img


def add_window_taps(img, taps, slices) -> None:
    """``img[..., rows, cols] += tap`` for each tap and its window slices (the adjoint of reading
    the taps), in place."""
    for (rows, cols), tap in zip(slices, taps):
        img[..., rows, cols] += tap


def pool_by_taps(xp, x, slices, pad: int, mode: str):
    """``(pooled x, index of the winning tap or None for 'avg')``, new arrays, never views of x.

    A running max over the taps' strided views; the winning tap is an int8
    ``arg = maximum(arg, k * (tap > best))``: the last tap to raise the max is the first maximum
    (row-major), as the portable arg-max. NumPy's ops run the same loop written in NumPy
    (``xpnet.backend.numpy.ops._pool_taps``, on each thread's slice of the batch).
    """
    img = _padded(xp, x, pad, -math.inf if mode == "max" else 0.0)
    taps = (img[:, :, rows, cols] for rows, cols in slices)
    best = next(taps)
    if mode == "avg":
        for tap in taps:
            best = best + tap
        return (best / len(slices) if len(slices) > 1 else xp.asarray(best, copy=True)), None
    index = xp.int8 if len(slices) <= 127 else xp.int32
    arg = None
    for k, tap in enumerate(taps, start=1):
        better = xp.astype(tap > best, index) * k
        arg = better if arg is None else xp.maximum(arg, better)
        best = xp.maximum(best, tap)
    if arg is None:  # a 1x1 window: tap 0 always wins
        return xp.asarray(best, copy=True), xp.zeros(best.shape, dtype=index, device=x.device)
    return best, arg


def _add_into(xp, taps, lead, size_hw, filter_h, filter_w, stride, pad, dtype, device):
    """Sum tap k onto window position k of a zero (..., H+2p, W+2p) image; the padding cut off."""
    h, w = size_hw
    oh, ow = (h + 2 * pad - filter_h) // stride + 1, (w + 2 * pad - filter_w) // stride + 1
    img = xp.zeros((*lead, h + 2 * pad, w + 2 * pad), dtype=dtype, device=device)
    add_window_taps(img, taps, window_slices(filter_h, filter_w, stride, oh, ow))
    return img if pad == 0 else img[..., pad:pad + h, pad:pad + w]


class TapOps(Ops):
    """[`Ops`][xpnet.backend.portable.Ops] with im2col, col2im and pooling by strided taps (see the module
docstring)."""

    name = "taps"

    def columns(self, x, filter_h: int, filter_w: int, stride: int, pad: int):
        xp = array_namespace(x)
        img = _padded(xp, x, pad, 0.0)
        n, c = x.shape[:2]
        oh, ow = _out_hw(x.shape, filter_h, filter_w, stride, pad)
        taps = [xp.permute_dims(img[:, :, rows, cols], (1, 0, 2, 3))
                for rows, cols in window_slices(filter_h, filter_w, stride, oh, ow)]
        return xp.reshape(xp.stack(taps, axis=1), (c * filter_h * filter_w, n * oh * ow))

    def _add_taps(self, xp, cols, input_shape, filter_h, filter_w, stride, pad, row_length):
        n, c, h, w = input_shape
        oh, ow = _out_hw(input_shape, filter_h, filter_w, stride, pad)
        k = filter_h * filter_w
        cols = xp.reshape(xp.reshape(cols, (c, k, row_length))[:, :, :n * oh * ow], (c, k, n, oh, ow))
        img = _add_into(xp, (cols[:, j, ...] for j in range(k)), (c, n), (h, w), filter_h, filter_w,
                        stride, pad, cols.dtype, cols.device)
        return xp.permute_dims(img, (1, 0, 2, 3))

    def pool2d_forward(self, x, pool_h: int, pool_w: int, stride: int, pad: int, mode: str):
        xp = array_namespace(x)
        oh, ow = _out_hw(x.shape, pool_h, pool_w, stride, pad)
        out, arg = pool_by_taps(xp, x, window_slices(pool_h, pool_w, stride, oh, ow), pad, mode)
        return out, PoolContext(arg, (tuple(x.shape), pool_h, pool_w, stride, pad))

    def pool2d_backward(self, dout, ctx):
        xp = array_namespace(dout)
        arg, (x_shape, pool_h, pool_w, stride, pad) = ctx
        k = pool_h * pool_w
        if arg is None:
            share = dout / k
            taps = (share for _ in range(k))
        else:
            taps = (dout * xp.astype(arg == j, dout.dtype) for j in range(k))
        return _add_into(xp, taps, tuple(dout.shape[:2]), x_shape[2:], pool_h, pool_w, stride, pad,
                         dout.dtype, dout.device)

    max_pool_relu_forward = max_pool_then_relu_forward  # pooling by taps, then ReLU
    max_pool_relu_backward = max_pool_then_relu_backward
