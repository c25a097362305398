"""Activation layers: the book's ``Relu``, ``Sigmoid`` and ``Tanh``.

Backward never writes into ``dout`` (the book's ``dout[mask] = 0`` becomes ``xp.where``).
"""

from __future__ import annotations

from ..backend import array_namespace
from ..functions import sigmoid, tanh
from .base import Layer


class Relu(Layer):
    """``max(x, 0)``; the gradient is 0 where ``x <= 0``, as in the book."""

    def __init__(self) -> None:
        super().__init__()
        self.mask = None

    def forward(self, x, train_flg: bool = False):
        xp = array_namespace(x)
        self.mask = x <= 0
        return xp.where(self.mask, xp.zeros_like(x), x)

    def backward(self, dout=1):
        xp = array_namespace(dout)
        return xp.where(self.mask, xp.zeros_like(dout), dout)


class Sigmoid(Layer):
    """``1 / (1 + exp(-x))``; backward from the stored output: ``dout * y * (1 - y)``."""

    def __init__(self) -> None:
        super().__init__()
        self.out = None

    def forward(self, x, train_flg: bool = False):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout=1):
        return dout * (1.0 - self.out) * self.out


class Tanh(Layer):
    """``tanh(x)``; backward from the stored output: ``dout * (1 - y**2)``."""

    def __init__(self) -> None:
        super().__init__()
        self.out = None

    def forward(self, x, train_flg: bool = False):
        self.out = tanh(x)
        return self.out

    def backward(self, dout=1):
        return dout * (1.0 - self.out * self.out)
