"""Affine (fully connected) layer: ``out = x @ W + b`` on any input rank."""

from __future__ import annotations

import math

from ..backend import array_namespace, get_ops
from .base import WeightLayer


class Affine(WeightLayer):
    """The book's ``Affine(W, b)``; an (N, C, H, W) input is flattened to (N, C*H*W).

    Parameters
    ----------
    W : array, shape (D, M)
    b : array, shape (M,)
    """

    def __init__(self, W, b):
        if W.ndim != 2 or b.ndim != 1 or b.shape[0] != W.shape[1]:
            raise ValueError(
                f"Affine needs W of shape (D, M) and b of shape (M,), "
                f"got W of shape {tuple(W.shape)} and b of shape {tuple(b.shape)}"
            )
        super().__init__(W, b)
        self.x = None
        self.original_x_shape = None
        self._ctx = None

    def _joint_shape(self, flat, names: dict):
        """(D+1, M): ``b`` after ``W`` is the bias as last row (:meth:`Ops.affine_forward`)."""
        d, m = self.W.shape
        return d + 1, m

    def forward(self, x, train_flg: bool = False):
        """x : array, shape (N, ...) with prod(...) == D -> array, shape (N, M)."""
        xp = array_namespace(x, self.W)
        features = math.prod(x.shape[1:]) if x.ndim >= 2 else None
        if features != self.W.shape[0]:
            raise ValueError(
                f"Affine: x of shape {tuple(x.shape)} does not match W of shape {tuple(self.W.shape)} "
                f"(x must be (N, ...) with {self.W.shape[0]} features per sample)"
            )
        if x.dtype != self.W.dtype:
            raise TypeError(f"Affine: x has dtype {x.dtype} but W has dtype {self.W.dtype}")
        self.original_x_shape = tuple(x.shape)
        self.x = xp.reshape(x, (x.shape[0], features))
        out, self._ctx = get_ops(self.x, self.W).affine_forward(self.x, self.W, self.b, self.joint)
        return out

    def backward(self, dout=1):
        """dout : array, shape (N, M) -> dx of the input's original shape.

        The backend's ops return dx in the memory layout of the forward's input (NumPy: a
        convolution stack's batch-last output stays batch-last for the layers below).
        """
        dx = self._backward(dout, input_grad=True)
        return array_namespace(dx).reshape(dx, self.original_x_shape)

    def param_backward(self, dout) -> None:
        """``dW = x.T @ dout``, ``db = sum(dout)``; no dx (one GEMM fewer)."""
        self._backward(dout, input_grad=False)

    def _backward(self, dout, *, input_grad: bool):
        if self._ctx is None:
            raise RuntimeError("Affine.backward needs a forward first")
        dx, self.grads["W"], self.grads["b"] = get_ops(dout, self.W).affine_backward(
            dout, self.W, self._ctx, input_grad=input_grad)
        return dx
