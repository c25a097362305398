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
        out = get_ops(self.x, self.W).matmul(self.x, self.W)
        out += self.b  # in place: out is ours, fresh from the GEMM (one temporary fewer)
        return out

    def backward(self, dout=1):
        """dout : array, shape (N, M) -> dx of the input's original shape.

        The backend's ops return dx in the memory layout of the forward's input (NumPy: a
        convolution stack's batch-last output stays batch-last for the layers below).
        """
        self.param_backward(dout)
        dx = get_ops(dout, self.W).affine_input_grad(dout, self.W, self.x)
        return array_namespace(dx).reshape(dx, self.original_x_shape)

    def param_backward(self, dout) -> None:
        """``dW = x.T @ dout``, ``db = sum(dout)``; no dx (one GEMM fewer)."""
        xp = array_namespace(dout)
        self.grads["W"] = get_ops(dout).matmul(xp.matrix_transpose(self.x), dout)
        self.grads["b"] = xp.sum(dout, axis=0)
