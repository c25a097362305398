"""Activation layers: the book's ``Relu``, ``Sigmoid`` and ``Tanh``.

Backward never writes into ``dout`` (the book's ``dout[mask] = 0`` becomes arithmetic on a new
array). ReLU is an op of the backend (`xpnet.backend.get_ops`): on NumPy it runs in
``out=`` buffers split over the CPU's cores, elsewhere the portable twin.
"""

from __future__ import annotations

from ..backend import array_namespace, get_ops
from ..functions import sigmoid, tanh
from ._checks import forward_done
from .base import Layer


class Relu(Layer):
    """``max(x, 0)``; the gradient is 0 where ``x <= 0``, as in the book.

    ``mask`` holds what backward needs, as the ops of the input's backend keep it (on NumPy the
    book's mask, True where ``x <= 0``; on the portable path the output, whose ``> 0`` is the
    same set).
    """

    def __init__(self) -> None:
        super().__init__()
        self.mask = None

    def forward(self, x, train_flg: bool = False):
        out, self.mask = get_ops(x).relu_forward(x)
        return out

    def backward(self, dout=1):
        if self.mask is None:
            raise RuntimeError("Relu.backward needs a forward first")
        if hasattr(dout, "shape"):
            array_namespace(dout, self.mask)  # TypeError naming both backends when they differ
        return get_ops(self.mask).relu_backward(dout, self.mask)


class Sigmoid(Layer):
    """``1 / (1 + exp(-x))``; backward from the stored output: ``dout * y * (1 - y)``."""

    def __init__(self) -> None:
        super().__init__()
        self.out = None

    def forward(self, x, train_flg: bool = False):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout=1):
        forward_done("Sigmoid", self.out)
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
        forward_done("Tanh", self.out)
        return dout * (1.0 - self.out * self.out)
