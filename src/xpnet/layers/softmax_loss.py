"""Softmax followed by cross-entropy, the book's ``SoftmaxWithLoss``, computed from logits."""

from __future__ import annotations

from ..backend import array_namespace
from ..functions import as_one_hot_targets, log_softmax, mean_nll
from .base import Layer


class SoftmaxWithLoss(Layer):
    """Mean cross-entropy of ``softmax(x)`` against labels or one-hot ``t``.

    Deviations from the book: the loss comes from log-sum-exp (finite for logits of ±1e30 in
    float64), not ``log(softmax + 1e-7)``; ``self.t`` always holds one-hot rows in ``x``'s
    dtype (labels are converted by comparison, no scatter), so backward is one expression.
    """

    def __init__(self) -> None:
        super().__init__()
        self.loss = None
        self.y = None
        self.t = None
        self.x_shape = None

    def forward(self, x, t, train_flg: bool = False):
        """x : array, shape (N, C) or (C,); t : labels (N,) or one-hot (N, C) -> loss, shape ()."""
        x2, self.t = as_one_hot_targets(x, t)
        xp = array_namespace(x2)
        logp = log_softmax(x2)
        self.x_shape = tuple(x.shape)
        self.y = xp.exp(logp)
        self.loss = mean_nll(logp, self.t)
        return self.loss

    def backward(self, dout=1):
        """dx = (softmax(x) - onehot(t)) * dout / N, of ``x``'s shape."""
        xp = array_namespace(self.y)
        if hasattr(dout, "dtype") and dout.dtype != self.y.dtype:
            dout = xp.astype(dout, self.y.dtype)
        dx = (self.y - self.t) * dout / self.t.shape[0]
        return xp.reshape(dx, self.x_shape)
