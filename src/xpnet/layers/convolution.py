"""Convolution as one matrix product over im2col columns (the book's chapter 7)."""

from __future__ import annotations

from ..backend import (array_namespace, hwn_output, hwn_rows, is_numpy_namespace, numpy_add_columns_hwn,
                       numpy_columns_hwn)
from ..functions.conv import add_columns, columns, output_hw
from .base import WeightLayer



class Convolution(WeightLayer):
    """The book's ``Convolution(W, b, stride=1, pad=0)``.

    Layout (portable): forward gathers the column buffer ``columns(x)``, shape (C*FH*FW, N*out_h*out_w) (the
    transpose of the book's ``col``, so its gather reads along image rows) and computes one GEMM,
    ``W.reshape(FN, -1) @ col`` -> (FN, N*out_h*out_w). The output is returned as an
    (N, FN, out_h, out_w) view of that (FN, N, ...) buffer: no transpose copy, and elementwise
    layers keep that memory order, so backward's ``dout`` reshapes to (FN, N*out_h*out_w) for free.
    ``dW = dout2d @ col.T`` and ``dcol = W2d.T @ dout2d`` are single GEMMs too. Values equal the
    book's layer.

    dx: the book's ``dcol`` GEMM + col2im, except for stride 1, a square kernel and FN <= C, where
    it is the transposed convolution: ``columns(dout)`` (padded by ``k-1-pad``) and one GEMM with
    the flipped kernel. Same sums in another order (equal to float rounding); the ``dcol`` GEMM
    has inner dimension FN only and writes a C*k*k-row buffer that col2im then adds up tap by
    tap, while this path writes an FN*k*k-row buffer and no col2im (DeepConvNet's 16->16 layer:
    8.8 ms -> 5.1 ms; slower when FN > C, where the book's path stays).

    On NumPy the columns are ordered (out_h, out_w, N) instead of (N, out_h, out_w), and the
    output is an (N, FN, out_h, out_w) view of (FN, out_h, out_w, N) memory: with the batch
    innermost every gathered window row is N contiguous values (see
    :mod:`xpnet.backend._fast_conv`), and the next convolution gathers from this output with no
    transposing copy. Same values to float rounding (``dW`` adds the columns in another order,
    and ``col``'s column order differs from the book's there).

    Memory: forward keeps one column buffer, ``col``, because backward needs it for ``dW``.
    ``W.reshape(FN, -1)`` is a view, not kept (the book keeps ``col_W``). Backward drops ``col``
    once ``dW`` is computed, before ``dcol`` is allocated, so at most one column buffer is alive
    at a time; hence one backward per forward (a second raises).

    Parameters
    ----------
    W : array, shape (FN, C, FH, FW)
    b : array, shape (FN,)
    """

    def __init__(self, W, b, stride: int = 1, pad: int = 0):
        if W.ndim != 4 or b.ndim != 1 or b.shape[0] != W.shape[0]:
            raise ValueError(
                f"Convolution needs W of shape (FN, C, FH, FW) and b of shape (FN,), "
                f"got W of shape {tuple(W.shape)} and b of shape {tuple(b.shape)}"
            )
        output_hw(tuple(W.shape), W.shape[2], W.shape[3], stride, pad)  # validates stride and pad
        super().__init__(W, b)
        self.stride, self.pad = stride, pad
        self.x_shape = None
        self.col = None
        self._hwn = False

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
        out_h, out_w = output_hw(tuple(x.shape), fh, fw, self.stride, self.pad)
        hwn = is_numpy_namespace(xp)  # NumPy: batch-last columns (see xpnet.backend._fast_conv)
        if hwn:
            col = numpy_columns_hwn(x, fh, fw, self.stride, self.pad)
        else:
            col = columns(x, fh, fw, self.stride, self.pad)
        out = xp.reshape(self.W, (fn, c * fh * fw)) @ col
        out += xp.reshape(self.b, (fn, 1))  # in place: out is ours, fresh from the GEMM
        self.x_shape, self.col, self._hwn = tuple(x.shape), col, hwn
        if hwn:
            return hwn_output(out, n, out_h, out_w)
        return xp.permute_dims(xp.reshape(out, (fn, n, out_h, out_w)), (1, 0, 2, 3))

    def backward(self, dout):
        """dout : array, shape (N, FN, out_h, out_w) -> dx, shape (N, C, H, W)."""
        xp = array_namespace(dout)
        fn, c, fh, fw = self.W.shape
        dout2d = self._param_grads(dout)
        if self._transposed_dx():
            return self._dx_by_transposed_conv(xp, dout)
        dcol = xp.matrix_transpose(xp.reshape(self.W, (fn, c * fh * fw))) @ dout2d
        add = numpy_add_columns_hwn if self._hwn else add_columns
        return add(dcol, self.x_shape, fh, fw, self.stride, self.pad)

    def _transposed_dx(self) -> bool:
        """Whether dx is cheaper as a convolution of ``dout`` (stride 1, square kernel, FN <= C)."""
        fn, c, fh, fw = self.W.shape
        return self.stride == 1 and fh == fw and self.pad <= fh - 1 and fn <= c

    def _dx_by_transposed_conv(self, xp, dout):
        """dx as the correlation of ``dout`` padded by ``k-1-pad`` with the flipped kernel, W
        transposed to (C, FN, k, k): one column buffer of FN*k*k rows (no more than forward's C*k*k)
        and one GEMM, with no col2im."""
        fn, c, k, _ = self.W.shape
        n, _, h, w = self.x_shape
        flipped = xp.reshape(xp.permute_dims(xp.flip(self.W, axis=(2, 3)), (1, 0, 2, 3)), (c, fn * k * k))
        if self._hwn:
            return hwn_output(flipped @ numpy_columns_hwn(dout, k, k, 1, k - 1 - self.pad), n, h, w)
        dx = flipped @ columns(dout, k, k, 1, k - 1 - self.pad)
        return xp.permute_dims(xp.reshape(dx, (c, n, h, w)), (1, 0, 2, 3))

    def param_backward(self, dout) -> None:
        """``dW`` and ``db`` only: no ``dcol`` GEMM and no col2im (a network's first layer)."""
        self._param_grads(dout)

    def _param_grads(self, dout):
        """Set dW, db and release ``col``; return dout as (FN, N*out_h*out_w)."""
        if self.col is None:
            raise RuntimeError("Convolution.backward needs a forward first (one backward per forward)")
        xp = array_namespace(dout)
        fn, c, fh, fw = self.W.shape
        dout = hwn_rows(dout) if self._hwn else xp.reshape(xp.permute_dims(dout, (1, 0, 2, 3)), (fn, -1))
        self.grads["b"] = xp.sum(dout, axis=1)
        self.grads["W"] = xp.reshape(dout @ xp.matrix_transpose(self.col), (fn, c, fh, fw))
        self.col = None
        return dout
