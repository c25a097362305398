"""Local response normalisation across channels (Krizhevsky et al. 2012, AlexNet)."""

from __future__ import annotations

from .._validation import check_int
from ..backend import array_namespace
from .base import Layer


def channel_window_sum(a, before: int, after: int):
    """Sum over channels ``c - before .. c + after`` (zero outside), for each channel ``c``.

    a : array, shape (N, C, ...) -> array, same shape. ``before + after + 1`` shifted slices of a
    zero-padded copy, added in order: exact, unlike differences of a cumulative sum in float32.
    """
    xp = array_namespace(a)
    c = a.shape[1]
    parts = [a]
    if before:
        parts.insert(0, xp.zeros((a.shape[0], before, *a.shape[2:]), dtype=a.dtype, device=a.device))
    if after:
        parts.append(xp.zeros((a.shape[0], after, *a.shape[2:]), dtype=a.dtype, device=a.device))
    padded = xp.concat(parts, axis=1) if len(parts) > 1 else a
    total = padded[:, 0:c, ...]
    for j in range(1, before + after + 1):
        total = total + padded[:, j:j + c, ...]
    return total


class LRN(Layer):
    """``LRN(size=5, alpha=1e-4, beta=0.75, k=2.0)`` with ``torch.nn.functional.local_response_norm``'s
    semantics: ``y_c = x_c / (k + alpha/size * sum_{j in W(c)} x_j**2) ** beta``, where the window
    ``W(c)`` runs over channels ``c - size//2 .. c + (size-1)//2`` and is zero-padded at the ends.

    Note that alpha is divided by ``size`` (torch, Caffe); AlexNet's paper writes the sum without
    that division. Backward is analytic: with ``s`` the denominator base,
    ``dx_i = dout_i * s_i**-beta - 2*alpha*beta/size * x_i * sum_{c: i in W(c)} dout_c x_c s_c**(-beta-1)``,
    the second sum over the mirrored window.

    Input: (N, C, ...) with channels on axis 1 (usually (N, C, H, W)).
    """

    def __init__(self, size: int = 5, alpha: float = 1e-4, beta: float = 0.75, k: float = 2.0):
        super().__init__()
        size = check_int("LRN size", size)
        self.size, self.alpha, self.beta, self.k = size, float(alpha), float(beta), float(k)
        self.x = None
        self.s = None
        self.scale = None

    def forward(self, x, train_flg: bool = False):
        """x : array, shape (N, C, ...) -> array, same shape."""
        if x.ndim < 2:
            raise ValueError(f"LRN needs input of shape (N, C, ...), got shape {tuple(x.shape)}")
        sq = channel_window_sum(x * x, self.size // 2, (self.size - 1) // 2)
        self.s = self.k + (self.alpha / self.size) * sq
        self.scale = self.s ** (-self.beta)
        self.x = x
        return x * self.scale

    def backward(self, dout):
        """dout : array, shape of the input -> dx, same shape."""
        g = dout * self.x * self.scale / self.s
        back = channel_window_sum(g, (self.size - 1) // 2, self.size // 2)
        return dout * self.scale - (2.0 * self.alpha * self.beta / self.size) * self.x * back
