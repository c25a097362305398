"""Max and average pooling, one filter tap at a time (the book's chapter 7 layer)."""

from __future__ import annotations

import math

from ..backend import along, array_namespace, batch_parts, memory_order, new_in_order, run_parts
from ..functions.conv import add_taps, output_hw, pad_images, window_slices
from .base import Layer

MODES = ("max", "avg")


class Pooling(Layer):
    """The book's ``Pooling(pool_h, pool_w, stride=2, pad=0)``, plus ``mode='max'|'avg'``.

    The default stride is the book's current one (its ``common/layers.py`` changed it from 1 to 2
    in 2020, commit 77a0807): ``Pooling(2, 2)`` halves a 6x6 input to 3x3.

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

    def __init__(self, pool_h: int, pool_w: int, stride: int = 2, pad: int = 0, mode: str = "max"):
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
        self._order = (0, 1, 2, 3)
        self.arg_max = None

    def _slices(self, shape):
        out_h, out_w = output_hw(shape, self.pool_h, self.pool_w, self.stride, self.pad)
        return window_slices(self.pool_h, self.pool_w, self.stride, out_h, out_w)

    def forward(self, x, train_flg: bool = False):
        """x : array, shape (N, C, H, W) -> array, shape (N, C, out_h, out_w), stored in the memory
        order of ``x`` (a convolution's output on NumPy is batch-last; see the backend)."""
        xp = array_namespace(x)
        slices = self._slices(tuple(x.shape))
        self.x_shape, self._order = tuple(x.shape), memory_order(x)
        axis, parts = self._split(xp, x.shape)
        if len(parts) == 1:
            out, self.arg_max = self._pool(xp, x, slices)
            return out
        shape = (*x.shape[:2], *output_hw(self.x_shape, self.pool_h, self.pool_w, self.stride, self.pad))
        out = new_in_order(xp, shape, self._order, dtype=x.dtype, device=x.device)
        arg_max = None
        if self.mode == "max":
            arg_max = new_in_order(xp, shape, self._order, dtype=_index_dtype(xp, slices), device=x.device)

        def part(a, b):  # images (or channels) a..b; the parts run on separate threads
            at = along(axis, a, b)
            out[at], arg = self._pool(xp, x[at], slices)
            if arg_max is not None:
                arg_max[at] = arg

        run_parts(part, parts)
        self.arg_max = arg_max
        return out

    def _split(self, xp, shape):
        """Split the work along N or C, whichever is outer in memory (disjoint, long runs)."""
        axis = 1 if self._order.index(1) < self._order.index(0) else 0
        return axis, batch_parts(xp, shape[axis], math.prod(shape) // shape[axis])

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
        arg_max = None
        for k, tap in enumerate(taps, start=1):
            # The last tap to beat the running max is the first maximum: arg = max of k * better.
            better = xp.astype(tap > best, index_dtype) * k
            arg_max = better if arg_max is None else xp.maximum(arg_max, better)
            best = xp.maximum(best, tap)
        if arg_max is None:  # a 1x1 window: tap 0 always wins
            return xp.asarray(best, copy=True), xp.zeros(best.shape, dtype=index_dtype, device=x.device)
        return best, arg_max

    def backward(self, dout):
        """dout : array, shape (N, C, out_h, out_w) -> dx, shape (N, C, H, W), stored in the
        memory order of the forward's input (what the layer before it produced and expects)."""
        xp = array_namespace(dout)
        h, w = self.x_shape[2:]
        padded = (*dout.shape[:2], h + 2 * self.pad, w + 2 * self.pad)
        img = new_in_order(xp, padded, self._order, dtype=dout.dtype, device=dout.device, zero=True)
        arg_max = self.arg_max
        axis, parts = self._split(xp, self.x_shape)

        def part(a, b):  # on NumPy the parts run on separate threads, on disjoint slices of img
            at = along(axis, a, b)
            self._unpool(xp, dout[at], None if arg_max is None else arg_max[at], img=img[at])

        run_parts(part, parts)
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
