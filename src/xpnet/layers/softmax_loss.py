"""Softmax followed by cross-entropy, the book's ``SoftmaxWithLoss``, computed from logits."""

from __future__ import annotations

from ..backend import array_namespace, get_ops
from ..functions import as_one_hot_targets
from .base import Layer


class SoftmaxWithLoss(Layer):
    """Mean cross-entropy of ``softmax(x)`` against labels or one-hot ``t``.

    Deviations from the book: the loss comes from log-sum-exp (finite for logits of ±1e30 in
    float64), not ``log(softmax + 1e-7)``. A few whole-batch expressions, written for a GPU (each
    operation a launch; nine forward, three backward): ``z = x - max(x)``, ``e = exp(z)``,
    ``s = sum(e)``, target weights ``w = onehot(t) / N``, ``loss = (log(s) - z) · w`` (one inner
    product over the whole batch, which is ``mean(log(s) - z[t])`` for labels); backward
    ``(e/s) * dout / N - w * dout``. Labels select by comparison with ``arange(C)`` (no scatter,
    no gather that could index out of bounds on a device: a label outside ``0..C-1`` selects
    nothing; the network's entry points and the Trainer check the range once, outside the train
    step). Rows ``t`` (one-hot, probabilities or any weights) give the cross-entropy
    ``-sum(t * log(softmax(x))) / N``, as torch's ``cross_entropy`` with a probability target.

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
        self._e = self._s = self._w = self._w_sum = self._y = None

    def forward(self, x, t, train_flg: bool = False):
        """x : array, shape (N, C) or (C,); t : labels (N,) or one-hot (N, C) -> loss, shape ()."""
        x2, t2 = as_one_hot_targets(x, t, encode=False)
        xp = array_namespace(x2)
        ops = get_ops(x2)
        n = x2.shape[0]
        self.x_shape, self.t = tuple(x.shape), t
        z = x2 - xp.max(x2, axis=1, keepdims=True)
        self._e = xp.exp(z)
        self._s = xp.sum(self._e, axis=1, keepdims=True)
        self._y = None
        self._w_sum = None  # per row, sum(w): 1/N for labels
        if t2.ndim == 2:  # one-hot (or soft) rows
            self._w = xp.astype(t2, x2.dtype) * (1.0 / n)
            self._w_sum = xp.sum(self._w, axis=1, keepdims=True)
        else:
            classes = ops.class_indices(xp, x2.shape[1], t2.dtype, t2.device)
            share = ops.scalar_like(x2, 1.0 / n)
            self._w = xp.where(xp.reshape(t2, (-1, 1)) == classes, share, ops.zero_like(x2))
        # sum over the batch of (log s - z_t) / N: one inner product of the flattened arrays
        per_class = xp.log(self._s) - z
        self.loss = xp.asarray(xp.reshape(per_class, (-1,)) @ xp.reshape(self._w, (-1,)))
        return self.loss

    @property
    def y(self):
        if self._y is None and self._e is not None:
            self._y = self._e / self._s
        return self._y

    def backward(self, dout=1):
        """dx = (softmax(x) - onehot(t)) * dout / N, of ``x``'s shape (for rows ``t`` of any sum
        ``S``: ``(S * softmax(x) - t) * dout / N``)."""
        if self._e is None:
            raise RuntimeError("SoftmaxWithLoss.backward needs a forward first (it differentiates "
                               "the loss of the last forward(x, t))")
        y = self.y
        xp = array_namespace(y)
        share = 1.0 / y.shape[0] if self._w_sum is None else self._w_sum  # sum(w) per row
        if hasattr(dout, "shape"):
            dout = xp.astype(dout, y.dtype)
            dx = y * (share * dout)
            dx -= self._w * dout
        else:
            dx = y * share if float(dout) == 1.0 else y * (share * float(dout))
            dx -= self._w if float(dout) == 1.0 else self._w * float(dout)
        return xp.reshape(dx, self.x_shape)
