"""Convolution as one matrix product over im2col columns (the book's chapter 7)."""

from __future__ import annotations

from ..backend import get_ops
from ..functions.conv import output_hw
from ._checks import require_arrays
from .base import WeightLayer


class Convolution(WeightLayer):
    """The book's ``Convolution(W, b, stride=1, pad=0)``: im2col, one GEMM, the bias.

    The work is the backend's (`xpnet.backend.get_ops`): ``conv2d_forward`` gathers the
    column buffer, shape (C*FH*FW, N*out_h*out_w), and computes ``W.reshape(FN, -1) @ col + b``;
    ``conv2d_backward`` gives ``dW = dout2d @ col.T``, ``db`` and ``dx`` (the book's ``dcol``
    GEMM and col2im, or on NumPy, where it is cheaper, the transposed convolution). The memory
    layout of the columns and of the output is the ops' choice and travels inside what they
    return (NumPy orders columns batch-last, see [`xpnet.backend.numpy.ops`][xpnet.backend.torch.ops]); the
    layer
    sees (N, FN, out_h, out_w) arrays. Values equal the book's layer to float rounding.

    Memory: forward keeps one column buffer (in the ops' context, which the layer hands back to
    ``conv2d_backward`` unread; the book keeps it as ``self.col``), because backward needs it for
    ``dW``; backward drops it, so at most one column buffer is alive at a time; hence one
    backward per forward (a second raises). ``W.reshape(FN, -1)`` is a view, not kept (the book
    keeps ``col_W``).

    Parameters
    ----------
    W : array, shape (FN, C, FH, FW)
    b : array, shape (FN,)
    """

    def __init__(self, W, b, stride: int = 1, pad: int = 0):
        require_arrays("Convolution", W=W, b=b)
        if W.ndim != 4 or b.ndim != 1 or b.shape[0] != W.shape[0]:
            raise ValueError(
                f"Convolution needs W of shape (FN, C, FH, FW) and b of shape (FN,), "
                f"got W of shape {tuple(W.shape)} and b of shape {tuple(b.shape)}"
            )
        output_hw(tuple(W.shape), W.shape[2], W.shape[3], stride, pad)  # validates stride and pad
        super().__init__(W, b)
        self.stride, self.pad = stride, pad
        self.x_shape = None
        self._ctx = None

    def forward(self, x, train_flg: bool = False):
        """x : array, shape (N, C, H, W) -> array, shape (N, FN, out_h, out_w)."""
        fn, c, fh, fw = self.W.shape
        if x.ndim != 4 or x.shape[1] != c:
            raise ValueError(
                f"Convolution: x of shape {tuple(x.shape)} does not match W of shape "
                f"{tuple(self.W.shape)} (x must be (N, {c}, H, W))"
            )
        if x.dtype != self.W.dtype:
            raise TypeError(f"Convolution: x has dtype {x.dtype} but W has dtype {self.W.dtype}")
        output_hw(tuple(x.shape), fh, fw, self.stride, self.pad)  # the kernel fits the input
        out, self._ctx = get_ops(x, self.W).conv2d_forward(x, self.W, self.b, self.stride, self.pad)
        self.x_shape = tuple(x.shape)
        return out

    def backward(self, dout):
        """dout : array, shape (N, FN, out_h, out_w) -> dx, shape (N, C, H, W)."""
        return self._backward(dout, input_grad=True)

    def param_backward(self, dout) -> None:
        """``dW`` and ``db`` only: no ``dcol`` GEMM and no col2im (a network's first layer)."""
        self._backward(dout, input_grad=False)

    def _backward(self, dout, *, input_grad: bool):
        if self._ctx is None:
            raise RuntimeError("Convolution.backward needs a forward first (one backward per forward)")
        ctx, self._ctx = self._ctx, None
        dx, self.grads["W"], self.grads["b"] = get_ops(dout, self.W).conv2d_backward(
            dout, self.W, ctx, self.stride, self.pad, input_grad=input_grad)
        return dx
