"""Convolution as one matrix product over im2col columns (the book's chapter 7)."""

from __future__ import annotations

from ..backend import get_ops
from ..functions.conv import output_hw
from .base import WeightLayer


class Convolution(WeightLayer):
    """The book's ``Convolution(W, b, stride=1, pad=0)``: im2col, one GEMM, the bias.

    The work is the backend's (:func:`xpnet.backend.get_ops`): ``conv2d_forward`` gathers the
    column buffer, shape (C*FH*FW, N*out_h*out_w), and computes ``W.reshape(FN, -1) @ col + b``;
    ``conv2d_backward`` gives ``dW = dout2d @ col.T``, ``db`` and ``dx`` (the book's ``dcol``
    GEMM and col2im, or on NumPy, where it is cheaper, the transposed convolution). The memory
    layout of the columns and of the output is the ops' choice and travels inside what they
    return (NumPy orders columns batch-last, see :mod:`xpnet.backend.ops.numpy_ops`); the layer
    sees (N, FN, out_h, out_w) arrays. Values equal the book's layer to float rounding.

    In a network whose parameters are packed (:class:`~xpnet.backend._flat.FlatBuffer`), the
    backend may store ``W`` and ``b`` as one matrix (:meth:`Ops.conv_joint_layout`; the portable
    ops do, NumPy's do not): ``W`` is then a permuted view of it, and :attr:`joint` is handed to
    the ops, which fold the bias into the product.

    Memory: forward keeps one column buffer (in ``ctx``), because backward needs it for ``dW``;
    backward drops it, so at most one column buffer is alive at a time; hence one backward per
    forward (a second raises). ``W.reshape(FN, -1)`` is a view, not kept (the book keeps
    ``col_W``).

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
        self._ctx = None

    def flat_layout(self, names: dict) -> dict:
        """The backend's joint layout for ``W`` and ``b`` (:meth:`Ops.conv_joint_layout`), if any."""
        layout = get_ops(self.W).conv_joint_layout(self.W)
        if layout is None:
            return {}
        order, gap = layout
        return {names["W"]: (order, 0), names["b"]: (None, gap)}

    def _joint_shape(self, flat, names: dict):
        """((K+1)*C, FN) when the buffer stores ``W`` as :meth:`Ops.conv_joint_layout` asks."""
        layout = get_ops(self.W).conv_joint_layout(self.W)
        w, b = names["W"], names["b"]
        if layout is None or w not in flat.keys or b not in flat.keys \
                or flat.orders[flat.keys.index(w)] != layout[0] or flat.gaps[flat.keys.index(b)] != layout[1]:
            return None
        fn, c, fh, fw = self.W.shape
        return (fh * fw + 1) * c, fn

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
        out, self._ctx = get_ops(x, self.W).conv2d_forward(x, self.W, self.b, self.stride, self.pad,
                                                          self.joint)
        self.x_shape = tuple(x.shape)
        return out

    @property
    def col(self):
        """The column buffer kept for backward: None before a forward, after a backward, and where
        the backend keeps something else (NumPy's blocked convolutions keep the padded image, its
        Winograd convolutions the transformed input tiles)."""
        return None if self._ctx is None else self._ctx[0]

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
