"""Dropout, inverted by default (Srivastava et al. 2014 as used by every modern library)."""

from __future__ import annotations

from ..backend import bernoulli_mask, get_ops
from ._checks import dout_shape
from .base import Layer


class Dropout(Layer):
    """Zero each unit with probability ``dropout_ratio`` while training.

    ``inverted=True`` (default) scales kept units by ``1 / (1 - p)`` in training and is the
    identity at test time. ``inverted=False`` is the book's form: kept units pass unscaled in
    training and every unit is multiplied by ``1 - p`` at test time. Both have the same expected
    output. The mask comes from [`xpnet.backend.bernoulli_mask`][xpnet.backend.bernoulli_mask], the seeded RNG
    shim;
    ``mask`` is the book's boolean keep mask; the backend's ops apply it (a ``where`` in the
    portable ops, a multiply by a 0/scale float copy on NumPy).

    Deviation from the book: ``train_flg`` defaults to False like every other layer (the book's
    Dropout defaults to True; its networks always pass the flag explicitly).
    """

    def __init__(self, dropout_ratio: float = 0.5, inverted: bool = True) -> None:
        super().__init__()
        try:
            ok = 0.0 <= float(dropout_ratio) < 1.0 and not isinstance(dropout_ratio, (bool, str))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(f"dropout_ratio must be a number in [0, 1), got {dropout_ratio!r}")
        self.dropout_ratio = float(dropout_ratio)
        self.inverted = bool(inverted)
        self.mask = None
        self._state = None

    @property
    def _train_scale(self) -> float:
        return 1.0 / (1.0 - self.dropout_ratio) if self.inverted else 1.0

    @property
    def _test_scale(self) -> float:
        return 1.0 if self.inverted else 1.0 - self.dropout_ratio

    def forward(self, x, train_flg: bool = False):
        """x : array, any shape -> array, same shape."""
        if not train_flg:
            self.mask = self._state = None
            return x if self._test_scale == 1.0 else x * self._test_scale
        self.mask = bernoulli_mask(tuple(x.shape), 1.0 - self.dropout_ratio)
        out, self._state = get_ops(x).dropout_forward(x, self.mask, self._train_scale)
        return out

    def backward(self, dout=1):
        if self.mask is not None:
            dout_shape("Dropout", dout, self.mask.shape)
        if self.mask is None:
            return dout if self._test_scale == 1.0 else dout * self._test_scale
        return get_ops(self._state).dropout_backward(dout, self._state)
