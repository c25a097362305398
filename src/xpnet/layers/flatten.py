"""Flatten: (N, ...) -> (N, prod(...)); backward restores the input shape."""

from __future__ import annotations

import math

from ..backend import array_namespace
from ._checks import forward_done
from .base import Layer


class Flatten(Layer):
    """Reshape each sample to a vector (for a convolution stack feeding an Affine layer)."""

    def __init__(self) -> None:
        super().__init__()
        self.x_shape = None

    def forward(self, x, train_flg: bool = False):
        """x : array, shape (N, ...) -> array, shape (N, prod(...))."""
        if x.ndim < 1:
            raise ValueError(f"Flatten needs a batch axis, got a 0-d array of shape {tuple(x.shape)}")
        self.x_shape = tuple(x.shape)
        return array_namespace(x).reshape(x, (x.shape[0], math.prod(x.shape[1:])))

    def backward(self, dout=1):
        forward_done("Flatten", self.x_shape)
        return array_namespace(dout).reshape(dout, self.x_shape)
