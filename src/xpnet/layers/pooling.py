"""Max and average pooling over windows gathered like im2col (the book's chapter 7)."""

from __future__ import annotations

import math

from ..backend import array_namespace
from ..functions.conv import add_windows, conv_output_size, windows
from .base import Layer

MODES = ("max", "avg")


class Pooling(Layer):
    """The book's ``Pooling(pool_h, pool_w, stride=1, pad=0)``, plus ``mode='max'|'avg'``.

    Fixes to the book: ``pad`` is honoured (the book accepts it and ignores it). Padding follows
    ``torch.nn.functional``: max pooling pads with ``-inf`` (padding never wins), average pooling
    with zeros counted in the mean (``count_include_pad=True``), and, as torch, ``pad`` may be at
    most half the pool size so that every window holds a real pixel.

    Windows are gathered channels-first, (N, C, out_h, out_w, pool_h*pool_w), so the reduction
    lands in (N, C, out_h, out_w) order with no transpose. Max backward is scatter-free: a one-hot
    mask of the argmax times ``dout``, added back with col2im's strided slices. Ties: the first
    maximum in the window (row-major) gets the whole gradient, as torch and the book's argmax.
    Only the argmax indices (max) or nothing (avg) are kept for backward, not the windows.
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int = 1, pad: int = 0, mode: str = "max"):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"unknown pooling mode {mode!r}: expected one of {', '.join(MODES)}")
        conv_output_size(pool_h, pool_h, stride, pad)  # validates sizes, stride and pad
        conv_output_size(pool_w, pool_w, stride, pad)
        if 2 * pad > min(pool_h, pool_w):
            raise ValueError(
                f"pad {pad} is more than half the pool size {pool_h}x{pool_w}; "
                "a window could hold nothing but padding"
            )
        self.pool_h, self.pool_w, self.stride, self.pad, self.mode = pool_h, pool_w, stride, pad, mode
        self.x_shape = None
        self.arg_max = None

    def forward(self, x, train_flg: bool = False):
        """x : array, shape (N, C, H, W) -> array, shape (N, C, out_h, out_w)."""
        xp = array_namespace(x)
        fill = -math.inf if self.mode == "max" else 0.0
        cols = windows(x, self.pool_h, self.pool_w, self.stride, self.pad, value=fill, channels_last=False)
        self.x_shape = tuple(x.shape)
        if self.mode == "avg":
            return xp.mean(cols, axis=-1)
        self.arg_max = xp.argmax(cols, axis=-1)
        return xp.max(cols, axis=-1)

    def backward(self, dout):
        """dout : array, shape (N, C, out_h, out_w) -> dx, shape (N, C, H, W)."""
        xp = array_namespace(dout)
        n, c, out_h, out_w = dout.shape
        ph, pw = self.pool_h, self.pool_w
        if self.mode == "avg":
            cols = xp.broadcast_to((dout / (ph * pw))[:, :, None, None, :, :], (n, c, ph, pw, out_h, out_w))
        else:
            taps = xp.arange(ph * pw, dtype=self.arg_max.dtype, device=dout.device)
            onehot = xp.astype(taps == self.arg_max[..., None], dout.dtype)
            cols = xp.reshape(onehot * dout[..., None], (n, c, out_h, out_w, ph, pw))
            cols = xp.permute_dims(cols, (0, 1, 4, 5, 2, 3))
        return add_windows(cols, self.x_shape, ph, pw, self.stride, self.pad)
