"""Elementwise activations and the softmax family: pure array-API math, the book's names.

Every function takes its namespace from its input, keeps the input's dtype (float32 stays
float32) and never overflows: ``sigmoid`` only exponentiates non-positive numbers, ``softmax``
and ``log_softmax`` subtract the maximum along the last axis first.
"""

from __future__ import annotations

from ..backend import array_namespace


def sigmoid(x):
    """``1 / (1 + exp(-x))``, computed from ``exp(-|x|)`` so that no branch overflows."""
    xp = array_namespace(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def relu(x):
    """``max(x, 0)`` elementwise, as the [`Relu`][xpnet.layers.Relu] layer computes it.

    One ``maximum`` against a 0-d zero of ``x``'s dtype on its device: no mask and no
    ``where`` (several passes over the data), and no Python ``0.0``, which array-api-compat's
    torch ``maximum`` turns into a new tensor on every call.
    """
    xp = array_namespace(x)
    return xp.maximum(x, xp.zeros((), dtype=x.dtype, device=x.device))


def tanh(x):
    """Hyperbolic tangent (the standard's ``tanh``, under the book's family of names)."""
    return array_namespace(x).tanh(x)


def softmax(x):
    """Softmax along the last axis.

    Parameters
    ----------
    x : array, shape (C,) or (N, C)
        Scores; any leading axes are kept, the last one is normalised.
    """
    xp = array_namespace(x)
    e = xp.exp(x - xp.max(x, axis=-1, keepdims=True))
    return e / xp.sum(e, axis=-1, keepdims=True)


def log_softmax(x):
    """``log(softmax(x))`` along the last axis by log-sum-exp: finite for any finite ``x``."""
    xp = array_namespace(x)
    shifted = x - xp.max(x, axis=-1, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))
