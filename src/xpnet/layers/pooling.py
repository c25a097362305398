"""Max and average pooling (the book's chapter 7 layer)."""

from __future__ import annotations

from .._validation import check_int
from ..backend import array_namespace, get_ops
from ..functions.conv import output_hw
from ._checks import dout_shape
from .base import Layer

MODES = ("max", "avg")
_EMPTY = object()  # the context of a forward on an empty batch


class Pooling(Layer):
    """The book's ``Pooling(pool_h, pool_w, stride=2, pad=0)``, plus ``mode='max'|'avg'``.

    The default stride is the book's current one (its ``common/layers.py`` changed it from 1 to 2
    in 2020, commit 77a0807): ``Pooling(2, 2)`` halves a 6x6 input to 3x3.

    Fixes to the book: ``pad`` is honoured (the book accepts it and ignores it). Padding follows
    ``torch.nn.functional``: max pooling pads with ``-inf`` (padding never wins), average pooling
    with zeros counted in the mean (``count_include_pad=True``), and, as torch, ``pad`` may be at
    most half the pool size so that every window holds a real pixel.

    Ties: the first maximum of a window (row-major) gets the whole gradient, as torch and the
    book's argmax. The work is the backend's (`xpnet.backend.get_ops`): the portable ops
    gather every window with one ``take`` and reduce it once; NumPy's walk the taps over strided
    views split over the CPU's cores and keep the input's memory order.
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int = 2, pad: int = 0, mode: str = "max"):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"unknown pooling mode {mode!r}: expected one of {', '.join(MODES)}")
        pool_h, pool_w = check_int("pool_h", pool_h), check_int("pool_w", pool_w)
        stride, pad = check_int("stride", stride), check_int("pad", pad, minimum=0)
        output_hw((1, 1, pool_h, pool_w), pool_h, pool_w, stride, pad)  # validates every argument
        if 2 * pad > min(pool_h, pool_w):
            raise ValueError(
                f"pad {pad} is more than half the pool size {pool_h}x{pool_w}; "
                "a window could hold nothing but padding"
            )
        self.pool_h, self.pool_w, self.stride, self.pad, self.mode = pool_h, pool_w, stride, pad, mode
        self.x_shape = None
        self._ctx = None

    def forward(self, x, train_flg: bool = False):
        """x : array, shape (N, C, H, W) -> array, shape (N, C, out_h, out_w)."""
        out_hw = output_hw(tuple(x.shape), self.pool_h, self.pool_w, self.stride, self.pad)
        if x.shape[0] == 0:  # an empty batch, as Convolution takes it: an empty output
            return self._empty(x, out_hw)
        out, self._ctx = get_ops(x).pool2d_forward(x, self.pool_h, self.pool_w, self.stride, self.pad,
                                                   self.mode)
        self.x_shape = tuple(x.shape)
        return out

    def backward(self, dout):
        """dout : array, shape (N, C, out_h, out_w) -> dx, shape (N, C, H, W)."""
        if self._ctx is None:
            raise RuntimeError("Pooling.backward needs a forward first")
        out_hw = output_hw(self.x_shape, self.pool_h, self.pool_w, self.stride, self.pad)
        dout_shape("Pooling", dout, (*self.x_shape[:2], *out_hw))
        if self._ctx is _EMPTY:
            return array_namespace(dout).zeros(self.x_shape, dtype=dout.dtype, device=dout.device)
        return get_ops(dout).pool2d_backward(dout, self._ctx)

    def _empty(self, x, out_hw):
        """The output of a batch of 0 samples (the ops' window tables need at least one)."""
        self._ctx, self.x_shape = _EMPTY, tuple(x.shape)
        return array_namespace(x).zeros((0, x.shape[1], *out_hw), dtype=x.dtype, device=x.device)


class MaxPoolReLU(Layer):
    """A max ``Pooling`` and the ``Relu`` after it, run as one step: ``relu(maxpool(x))``.

    Networks run such a pair this way (`xpnet.models.base.execution_order`); both layers
    stay in ``network.layers`` under their names, and the step keeps its own state: the two
    layers are not written to. The backend fuses the two where that saves operations
    ([`Ops.max_pool_relu_forward`][xpnet.backend.portable.ops.Ops.max_pool_relu_forward]: a zero tap in every
    window, two operations fewer) and
    runs them one after the other where its pooling and ReLU are fast paths of their own
    (NumPy); the values are the same either way.
    """

    def __init__(self, pool: Pooling, relu) -> None:
        super().__init__()
        if pool.mode != "max":
            raise ValueError(f"MaxPoolReLU needs a max pooling, got mode {pool.mode!r}")
        self.pool, self.relu = pool, relu
        self._ctx = None

    def forward(self, x, train_flg: bool = False):
        p = self.pool
        out_hw = output_hw(tuple(x.shape), p.pool_h, p.pool_w, p.stride, p.pad)
        if x.shape[0] == 0:  # an empty batch: an empty output, as Pooling
            self._ctx, self._empty_shape = _EMPTY, tuple(x.shape)
            return array_namespace(x).zeros((0, x.shape[1], *out_hw), dtype=x.dtype, device=x.device)
        out, self._ctx = get_ops(x).max_pool_relu_forward(x, p.pool_h, p.pool_w, p.stride, p.pad)
        return out

    def backward(self, dout):
        if self._ctx is None:
            raise RuntimeError("MaxPoolReLU.backward needs a forward first")
        if self._ctx is _EMPTY:
            return array_namespace(dout).zeros(self._empty_shape, dtype=dout.dtype, device=dout.device)
        return get_ops(dout).max_pool_relu_backward(dout, self._ctx)

    def __eq__(self, other) -> bool:  # a new step per call to execution_order: equal by its layers
        return isinstance(other, MaxPoolReLU) and other.pool is self.pool and other.relu is self.relu

    def __hash__(self) -> int:
        return hash((id(self.pool), id(self.relu)))

    def __repr__(self) -> str:
        return f"MaxPoolReLU({self.pool!r}, {self.relu!r})"

