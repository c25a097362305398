"""Softmax followed by cross-entropy, the book's ``SoftmaxWithLoss``, computed from logits."""

from __future__ import annotations

from ..backend import array_namespace, get_ops
from ..functions import as_one_hot_targets
from .base import Layer


class SoftmaxWithLoss(Layer):
    """Mean cross-entropy of ``softmax(x)`` against labels or one-hot ``t``.

    Deviations from the book: the loss comes from log-sum-exp (finite for logits of ±1e30 in
    float64), not ``log(softmax + 1e-7)``. A few whole-batch expressions, written for a GPU (each
    operation a launch): forward ``z = x - max(x)``, ``e = exp(z)``, ``s = sum(e)``,
    ``loss = mean(log(s) - z[t])``; backward ``(e/s - onehot(t)) * dout / N``. Labels select by
    comparison with ``arange(C)`` (no scatter, no gather that could index out of bounds on a
    device: a label outside ``0..C-1`` selects nothing; the network's entry points and the
    Trainer check the range once, outside the train step).

    Attributes
    ----------
    loss : array, shape ()
    y : array, shape (N, C)
        ``softmax(x)`` of the last forward (computed when first read).
    t : array
        The targets of the last forward, as given (labels or one-hot rows).
    """

    def __init__(self) -> None:
        super().__init__()
        self.loss = None
        self.t = None
        self.x_shape = None
        self._e = self._s = self._hit = self._y = None

    def forward(self, x, t, train_flg: bool = False):
        """x : array, shape (N, C) or (C,); t : labels (N,) or one-hot (N, C) -> loss, shape ()."""
        x2, t2 = as_one_hot_targets(x, t, encode=False)
        xp = array_namespace(x2)
        self.x_shape, self.t = tuple(x.shape), t
        z = x2 - xp.max(x2, axis=1, keepdims=True)
        self._e = xp.exp(z)
        self._s = xp.sum(self._e, axis=1, keepdims=True)
        self._y = None
        if t2.ndim == 2:  # one-hot (or soft) rows
            self._hit = t2
            picked = xp.sum(z * t2, axis=1, keepdims=True)
        else:
            classes = get_ops(x2).class_indices(xp, x2.shape[1], t2.dtype, t2.device)
            self._hit = xp.reshape(t2, (-1, 1)) == classes
            picked = xp.sum(xp.where(self._hit, z, get_ops(x2).zero_like(x2)), axis=1, keepdims=True)
        self.loss = xp.asarray(xp.mean(xp.log(self._s) - picked))  # NumPy: a 0-d array, not a scalar
        return self.loss

    @property
    def y(self):
        if self._y is None and self._e is not None:
            self._y = self._e / self._s
        return self._y

    def backward(self, dout=1):
        """dx = (softmax(x) - onehot(t)) * dout / N, of ``x``'s shape."""
        y = self.y
        xp = array_namespace(y)
        n = y.shape[0]
        if self._hit.dtype == xp.bool:
            dx = xp.where(self._hit, y - 1.0, y)
        else:
            dx = y - self._hit
        if hasattr(dout, "shape"):
            dx = dx * (xp.astype(dout, y.dtype) / n)
        else:
            dx *= float(dout) / n
        return xp.reshape(dx, self.x_shape)
