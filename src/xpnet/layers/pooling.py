"""Max and average pooling (the book's chapter 7 layer)."""

from __future__ import annotations

from ..backend import get_ops
from ..functions.conv import output_hw
from .base import Layer

MODES = ("max", "avg")


class Pooling(Layer):
    """The book's ``Pooling(pool_h, pool_w, stride=2, pad=0)``, plus ``mode='max'|'avg'``.

    The default stride is the book's current one (its ``common/layers.py`` changed it from 1 to 2
    in 2020, commit 77a0807): ``Pooling(2, 2)`` halves a 6x6 input to 3x3.

    Fixes to the book: ``pad`` is honoured (the book accepts it and ignores it). Padding follows
    ``torch.nn.functional``: max pooling pads with ``-inf`` (padding never wins), average pooling
    with zeros counted in the mean (``count_include_pad=True``), and, as torch, ``pad`` may be at
    most half the pool size so that every window holds a real pixel.

    Ties: the first maximum of a window (row-major) gets the whole gradient, as torch and the
    book's argmax. The work is the backend's (:func:`xpnet.backend.get_ops`): the portable ops
    gather every window with one ``take`` and reduce it once; NumPy's walk the taps over strided
    views split over the CPU's cores and keep the input's memory order.
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int = 2, pad: int = 0, mode: str = "max"):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"unknown pooling mode {mode!r}: expected one of {', '.join(MODES)}")
        output_hw((1, 1, pool_h, pool_w), pool_h, pool_w, stride, pad)  # validates every argument
        if 2 * pad > min(pool_h, pool_w):
            raise ValueError(
                f"pad {pad} is more than half the pool size {pool_h}x{pool_w}; "
                "a window could hold nothing but padding"
            )
        self.pool_h, self.pool_w, self.stride, self.pad, self.mode = pool_h, pool_w, stride, pad, mode
        self.x_shape = None
        self._ctx = None
        self._fused_ctx = None  # set when it runs fused with the ReLU after it (MaxPoolReLU)

    def forward(self, x, train_flg: bool = False):
        """x : array, shape (N, C, H, W) -> array, shape (N, C, out_h, out_w)."""
        output_hw(tuple(x.shape), self.pool_h, self.pool_w, self.stride, self.pad)
        out, self._ctx = get_ops(x).pool2d_forward(x, self.pool_h, self.pool_w, self.stride, self.pad,
                                                   self.mode)
        self._fused_ctx = None
        self.x_shape = tuple(x.shape)
        return out

    def backward(self, dout):
        """dout : array, shape (N, C, out_h, out_w) -> dx, shape (N, C, H, W)."""
        if self._ctx is None:
            raise RuntimeError("Pooling.backward needs a forward first")
        return get_ops(dout).pool2d_backward(dout, self._ctx)


class MaxPoolReLU(Layer):
    """A max ``Pooling`` and the ``Relu`` after it, run as one step: ``relu(maxpool(x))``.

    Networks run such a pair this way (:func:`xpnet.models.base.execution_order`, which makes a
    new step per call); both layers stay in ``network.layers`` under their names and the step
    keeps its state on them: the pooling's ``x_shape`` and the fused context (the pooling's own
    context is cleared, so a ``Pooling.backward`` after a fused forward raises instead of reading
    the wrong one), while the ReLU's ``mask`` is None. The backend fuses the two where that saves
    operations (:meth:`Ops.max_pool_relu_forward`: a zero tap in every window, two operations
    fewer) and runs them one after the other where its pooling and ReLU are fast paths of their
    own (NumPy); the values are the same either way.
    """

    def __init__(self, pool: Pooling, relu) -> None:
        super().__init__()
        if pool.mode != "max":
            raise ValueError(f"MaxPoolReLU needs a max pooling, got mode {pool.mode!r}")
        self.pool, self.relu = pool, relu

    def forward(self, x, train_flg: bool = False):
        pool = self.pool
        output_hw(tuple(x.shape), pool.pool_h, pool.pool_w, pool.stride, pool.pad)
        out, pool._fused_ctx = get_ops(x).max_pool_relu_forward(x, pool.pool_h, pool.pool_w, pool.stride,
                                                                pool.pad)
        pool._ctx, pool.x_shape = None, tuple(x.shape)
        self.relu.mask = None
        return out

    def backward(self, dout):
        ctx = getattr(self.pool, "_fused_ctx", None)
        if ctx is None:
            raise RuntimeError("MaxPoolReLU.backward needs a forward first")
        return get_ops(dout).max_pool_relu_backward(dout, ctx)

    def __eq__(self, other) -> bool:  # a new step per call to execution_order: equal by its layers
        return isinstance(other, MaxPoolReLU) and other.pool is self.pool and other.relu is self.relu

    def __hash__(self) -> int:
        return hash((id(self.pool), id(self.relu)))

    def __repr__(self) -> str:
        return f"MaxPoolReLU({self.pool!r}, {self.relu!r})"

