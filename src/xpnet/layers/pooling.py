"""Max and average pooling, one filter tap at a time (the book's chapter 7 layer)."""

from __future__ import annotations

import math

from ..backend import array_namespace, batch_parts, run_parts
from ..functions.conv import add_taps, output_hw, pad_images, window_slices
from .base import Layer

MODES = ("max", "avg")


class Pooling(Layer):
    """The book's ``Pooling(pool_h, pool_w, stride=1, pad=0)``, plus ``mode='max'|'avg'``.

    Fixes to the book: ``pad`` is honoured (the book accepts it and ignores it). Padding follows
    ``torch.nn.functional``: max pooling pads with ``-inf`` (padding never wins), average pooling
    with zeros counted in the mean (``count_include_pad=True``), and, as torch, ``pad`` may be at
    most half the pool size so that every window holds a real pixel.

    Instead of the book's im2col + reduction, the window is walked one tap (y, x) at a time over
    strided views of the padded input: a running max (or sum) and the index of the first tap that
    reached it, so no (N, C, out_h, out_w, pool_h*pool_w) buffer is ever built. Ties: a later tap
    must be strictly greater to win, so the first maximum (row-major) gets the whole gradient, as
    torch and the book's argmax. Max backward is the book's one-hot mask times ``dout``, one tap at a
    time (``dout * (arg_max == k)``), added back with col2im's strided slices: no scatter.

    Speed: no ``xp.where`` on data-dependent masks (a mispredicted branch per element, ~12x slower
    than vectorised arithmetic on NumPy and torch). The running max is ``maximum``; the winning
    tap index is an int8 ``arg = maximum(arg, k * better)`` (the last tap to raise the running
    max is the first maximum); the backward mask a multiply. On NumPy the batch is split over
    the CPU's cores (:mod:`xpnet.backend._threads`): each thread runs this same code on its
    images, so the result is bit-identical to one thread.
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int = 1, pad: int = 0, mode: str = "max"):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"unknown pooling mode {mode!r}: expected one of {', '.join(MODES)}")
        output_hw((1, 1, pool_h, pool_w), pool_h, pool_w, stride, pad)  # validates every argument
        if 2 * pad > min(pool_h, pool_w):
            raise ValueError(
                f"pad {pad} is more than half the pool size {pool_h}x{pool_w}; "
                "a window could hold nothing but padding"
            )
        self.pool_h, self.pool_w, self.stride, self.pad, self.mode = pool_h, pool_w, stride, pad, mode
        self.x_shape = None
        self.arg_max = None

    def _slices(self, shape):
        out_h, out_w = output_hw(shape, self.pool_h, self.pool_w, self.stride, self.pad)
        return window_slices(self.pool_h, self.pool_w, self.stride, out_h, out_w)

    def forward(self, x, train_flg: bool = False):
        """x : array, shape (N, C, H, W) -> array, shape (N, C, out_h, out_w)."""
        xp = array_namespace(x)
        slices = self._slices(tuple(x.shape))
        self.x_shape = tuple(x.shape)
        parts = batch_parts(xp, x.shape[0], math.prod(x.shape[1:]))
        if len(parts) == 1:
            out, self.arg_max = self._pool(xp, x, slices)
            return out
        shape = (*x.shape[:2], *output_hw(self.x_shape, self.pool_h, self.pool_w, self.stride, self.pad))
        out = xp.empty(shape, dtype=x.dtype, device=x.device)
        arg_max = None if self.mode == "avg" else xp.empty(shape, dtype=_index_dtype(xp, slices))

        def part(a, b):  # one slice of the batch; the parts run on separate threads
            out[a:b], arg = self._pool(xp, x[a:b], slices)
            if arg_max is not None:
                arg_max[a:b] = arg

        run_parts(part, parts)
        self.arg_max = arg_max
        return out

    def _pool(self, xp, x, slices):
        """(pooled x, index of the winning tap or None for 'avg'); the output never aliases x."""
        img = pad_images(x, self.pad, -math.inf if self.mode == "max" else 0.0)
        taps = (img[:, :, rows, cols] for rows, cols in slices)
        best = next(taps)
        if self.mode == "avg":
            for tap in taps:
                best = best + tap
            return (best / len(slices) if len(slices) > 1 else xp.asarray(best, copy=True)), None
        index_dtype = _index_dtype(xp, slices)
        arg_max = xp.zeros(best.shape, dtype=index_dtype, device=x.device)
        for k, tap in enumerate(taps, start=1):
            # The last tap to beat the running max is the first maximum: arg = max of k * better.
            arg_max = xp.maximum(arg_max, xp.astype(tap > best, index_dtype) * k)
            best = xp.maximum(best, tap)
        return (best if len(slices) > 1 else xp.asarray(best, copy=True)), arg_max

    def backward(self, dout):
        """dout : array, shape (N, C, out_h, out_w) -> dx, shape (N, C, H, W).

        dx is an (N, C, H, W) view of a (C, N, H, W) buffer, the layout a convolution's backward
        reshapes to (C, N*H*W) without a copy (``add_columns`` returns the same layout).
        """
        xp = array_namespace(dout)
        n, c = dout.shape[:2]
        h, w = self.x_shape[2:]
        img = xp.zeros((c, n, h + 2 * self.pad, w + 2 * self.pad), dtype=dout.dtype, device=dout.device)
        img = xp.permute_dims(img, (1, 0, 2, 3))
        arg_max = self.arg_max

        def part(a, b):  # images a..b; on NumPy the parts run on separate threads
            self._unpool(xp, dout[a:b, ...], None if arg_max is None else arg_max[a:b, ...], img=img[a:b, ...])

        run_parts(part, batch_parts(xp, n, math.prod(self.x_shape[1:])))
        return img if self.pad == 0 else img[..., self.pad:self.pad + h, self.pad:self.pad + w]

    def _unpool(self, xp, dout, arg_max, img=None):
        k = self.pool_h * self.pool_w
        if self.mode == "avg":
            share = dout / k
            taps = (share for _ in range(k))
        else:
            taps = (dout * xp.astype(arg_max == j, dout.dtype) for j in range(k))
        return add_taps(taps, self.x_shape[2:], self.pool_h, self.pool_w, self.stride, self.pad, img=img)


def _index_dtype(xp, slices):
    return xp.int8 if len(slices) <= 127 else xp.int32
