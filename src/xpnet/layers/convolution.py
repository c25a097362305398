"""Convolution as one matrix product over im2col columns (the book's chapter 7)."""

from __future__ import annotations

from ..backend import array_namespace
from ..functions.conv import col2im, conv_output_size, im2col
from .base import Layer


def _store(store: dict, key: str, value) -> None:
    store[key] = value


class Convolution(Layer):
    """The book's ``Convolution(W, b, stride=1, pad=0)``.

    ``W``, ``b``, ``dW``, ``db`` are views of ``params`` / ``grads`` (the same array objects), so
    an optimizer updating ``params['W']`` in place updates ``layer.W``.

    Memory: forward keeps one column buffer, ``col`` (N*out_h*out_w, C*FH*FW), because backward
    needs it for ``dW``. ``W.reshape(FN, -1)`` is a view, not kept (the book keeps ``col_W``).
    Backward drops ``col`` once ``dW`` is computed, before ``dcol`` is allocated, so at most one
    column buffer is alive at a time; hence one backward per forward (a second raises).

    Parameters
    ----------
    W : array, shape (FN, C, FH, FW)
    b : array, shape (FN,)
    """

    def __init__(self, W, b, stride: int = 1, pad: int = 0):
        super().__init__()
        if W.ndim != 4 or b.ndim != 1 or b.shape[0] != W.shape[0]:
            raise ValueError(
                f"Convolution needs W of shape (FN, C, FH, FW) and b of shape (FN,), "
                f"got W of shape {tuple(W.shape)} and b of shape {tuple(b.shape)}"
            )
        conv_output_size(W.shape[2], W.shape[2], stride, pad)  # validates stride and pad
        self.params = {"W": W, "b": b}
        self.grads = {"W": None, "b": None}
        self.stride, self.pad = stride, pad
        self.x_shape = None
        self.col = None

    W = property(lambda self: self.params["W"], lambda self, v: _store(self.params, "W", v))
    b = property(lambda self: self.params["b"], lambda self, v: _store(self.params, "b", v))
    dW = property(lambda self: self.grads["W"], doc="Gradient of W from the last backward.")
    db = property(lambda self: self.grads["b"], doc="Gradient of b from the last backward.")

    def forward(self, x, train_flg: bool = False):
        """x : array, shape (N, C, H, W) -> array, shape (N, FN, out_h, out_w)."""
        xp = array_namespace(x, self.W)
        fn, c, fh, fw = self.W.shape
        if x.ndim != 4 or x.shape[1] != c:
            raise ValueError(
                f"Convolution: x of shape {tuple(x.shape)} does not match W of shape "
                f"{tuple(self.W.shape)} (x must be (N, {c}, H, W))"
            )
        if x.dtype != self.W.dtype:
            raise TypeError(f"Convolution: x has dtype {x.dtype} but W has dtype {self.W.dtype}")
        n = x.shape[0]
        out_h = conv_output_size(x.shape[2], fh, self.stride, self.pad)
        out_w = conv_output_size(x.shape[3], fw, self.stride, self.pad)
        col = im2col(x, fh, fw, self.stride, self.pad)
        out = col @ xp.reshape(self.W, (fn, c * fh * fw)).T + self.b
        self.x_shape, self.col = tuple(x.shape), col
        return xp.permute_dims(xp.reshape(out, (n, out_h, out_w, fn)), (0, 3, 1, 2))

    def backward(self, dout):
        """dout : array, shape (N, FN, out_h, out_w) -> dx, shape (N, C, H, W)."""
        if self.col is None:
            raise RuntimeError("Convolution.backward needs a forward first (one backward per forward)")
        xp = array_namespace(dout)
        fn, c, fh, fw = self.W.shape
        self.grads["b"] = xp.sum(dout, axis=(0, 2, 3))
        dout = xp.reshape(xp.permute_dims(dout, (0, 2, 3, 1)), (-1, fn))
        self.grads["W"] = xp.reshape(dout.T @ self.col, (fn, c, fh, fw))
        self.col = None
        dcol = dout @ xp.reshape(self.W, (fn, c * fh * fw))
        return col2im(dcol, self.x_shape, fh, fw, self.stride, self.pad)
