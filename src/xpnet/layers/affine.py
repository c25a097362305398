"""Affine (fully connected) layer: ``out = x @ W + b`` on any input rank."""

from __future__ import annotations

import math

from ..backend import array_namespace
from .base import Layer, grad_alias, param_alias



class Affine(Layer):
    """The book's ``Affine(W, b)``; an (N, C, H, W) input is flattened to (N, C*H*W).

    ``W``, ``b``, ``dW``, ``db`` are views of ``params`` / ``grads`` (the same array objects), so
    an optimizer updating ``params['W']`` in place updates ``layer.W``.

    Parameters
    ----------
    W : array, shape (D, M)
    b : array, shape (M,)
    """

    def __init__(self, W, b):
        super().__init__()
        if W.ndim != 2 or b.ndim != 1 or b.shape[0] != W.shape[1]:
            raise ValueError(
                f"Affine needs W of shape (D, M) and b of shape (M,), "
                f"got W of shape {tuple(W.shape)} and b of shape {tuple(b.shape)}"
            )
        self.params = {"W": W, "b": b}
        self.grads = {"W": None, "b": None}
        self.x = None
        self.original_x_shape = None

    W = param_alias("W")
    b = param_alias("b")
    dW = grad_alias("W")
    db = grad_alias("b")

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
        return self.x @ self.W + self.b

    def backward(self, dout=1):
        """dout : array, shape (N, M) -> dx of the input's original shape."""
        self.param_backward(dout)
        return array_namespace(dout).reshape(dout @ self.W.T, self.original_x_shape)

    def param_backward(self, dout) -> None:
        """``dW = x.T @ dout``, ``db = sum(dout)``; no dx (one GEMM fewer)."""
        self.grads["W"] = self.x.T @ dout
        self.grads["b"] = array_namespace(dout).sum(dout, axis=0)
