"""Shared helpers for the model tests: tiny configurations and a subset gradient check."""

from __future__ import annotations

import numpy as np

import xpnet
from xpnet.backend import asarray, to_numpy


def batch(input_shape, n: int, classes: int, seed: int = 0):
    """A float input of ``(n, *input_shape)`` and integer labels on the current backend."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, *input_shape))
    t = np.arange(n) % classes
    return asarray(x), asarray(t)


def off_kinks(net, seed: int = 5, scale: float = 0.2) -> None:
    """Give the zero-initialised biases random values, in place.

    With zero biases, a sample whose ReLU inputs are all dead reaches the next ReLU at exactly 0,
    a kink, where central differences are meaningless.
    """
    rng = np.random.default_rng(seed)
    for name, p in net.params.items():
        if name.startswith("b") and not name.startswith("beta"):
            p[...] = p + asarray(scale * rng.standard_normal(tuple(p.shape)), dtype=p.dtype)


def subset(shape, max_elements: int | None, seed: int = 1234):
    """Indices of every element, or of a fixed random sample of ``max_elements`` (sorted)."""
    size = int(np.prod(shape))
    flat = np.arange(size)
    if max_elements is not None and size > max_elements:
        flat = np.sort(np.random.default_rng(seed).choice(size, max_elements, replace=False))
    return [tuple(int(i) for i in idx) for idx in zip(*np.unravel_index(flat, shape))]


#: Gradients whose norm is below this are compared in absolute terms: a bias in front of
#: BatchNorm has an exact zero gradient, where a relative error would compare rounding noise.
NORM_FLOOR = 1e-2


def _error(analytic, numeric) -> float:
    """``||a - n|| / max(||a||, ||n||, NORM_FLOOR)``."""
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric), NORM_FLOOR)
    return float(np.linalg.norm(analytic - numeric) / scale)


def network_gradient_errors(net, x, t, *, max_elements=None, eps=1e-6, rng_seed=0) -> dict[str, float]:
    """Relative errors between ``net``'s backward and central differences of its training loss.

    Checks d loss / d x and every parameter. For arrays larger than ``max_elements`` only a fixed
    random subset of elements is compared (the same subset on every run), because each element
    costs two forward passes run from Python. The RNG is reseeded before every forward, so
    Dropout draws the same mask each time.
    """
    def loss() -> float:
        xpnet.seed(rng_seed)
        return float(net.loss(x, t, train_flg=True))

    xpnet.seed(rng_seed)
    net.loss(x, t, train_flg=True)
    analytic = {"x": to_numpy(net.backward(1))}
    analytic.update({k: to_numpy(g) for k, g in net.grads.items()})
    arrays = {"x": x, **net.params}
    errors = {}
    for name, arr in arrays.items():
        idxs = subset(tuple(arr.shape), max_elements)
        numeric = np.empty(len(idxs))
        for j, idx in enumerate(idxs):
            orig = float(arr[idx])
            arr[idx] = orig + eps
            plus = loss()
            arr[idx] = orig - eps
            minus = loss()
            arr[idx] = orig
            numeric[j] = (plus - minus) / (2 * eps)
        errors[name] = _error(np.array([analytic[name][i] for i in idxs]), numeric)
    return errors
