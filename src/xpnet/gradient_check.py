"""Compare a layer's backward with float64 central-difference gradients.

``gradient_check(layer, x)`` (or ``gradient_check(f, x, backward=df)`` for a plain function)
builds the scalar ``L = sum(forward(x) * dout)`` for a fixed random
``dout`` and compares ``backward(dout)`` (and every ``layer.grads[k]``) with numerical
derivatives of ``L`` with respect to ``x`` and each ``layer.params[k]``. Layers that draw random
numbers (Dropout) see the same draws on every forward call, because the check reseeds the one RNG
shim before each call. Works on every backend; run it under ``xpnet.use_dtype('float64')``.
"""

from __future__ import annotations

import numpy as np

from .backend import array_namespace, normal, seed, to_numpy


def relative_error(analytic, numeric) -> float:
    """``||a - n|| / max(||a||, ||n||)`` over the whole array (0 when both are zero)."""
    a, n = to_numpy(analytic).astype(np.float64), to_numpy(numeric).astype(np.float64)
    if a.shape != n.shape:
        raise ValueError(f"gradient shapes differ: analytic {a.shape} vs numerical {n.shape}")
    scale = max(np.linalg.norm(a), np.linalg.norm(n))
    return 0.0 if scale == 0.0 else float(np.linalg.norm(a - n) / scale)


def numerical_gradient_inplace(f, x, eps: float = 1e-6):
    """d f() / d x by central differences, perturbing ``x`` in place element by element.

    ``f`` takes no arguments and reads ``x`` through a reference (a layer parameter, or an input
    captured by a closure). Returns a host float64 array of ``x``'s shape; ``x`` is restored.
    """
    grad = np.zeros(tuple(x.shape), dtype=np.float64)
    for idx in np.ndindex(*grad.shape):
        orig = float(x[idx])
        x[idx] = orig + eps
        plus = float(f())
        x[idx] = orig - eps
        minus = float(f())
        x[idx] = orig
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


class _FunctionLayer:
    """A function ``f(x)`` and its hand-written ``backward(x, dout) -> dx`` as a layer."""

    def __init__(self, f, backward) -> None:
        self.f, self._backward, self.x = f, backward, None

    def forward(self, x):
        self.x = x
        return self.f(x)

    def backward(self, dout):
        return self._backward(self.x, dout)


def gradient_check(layer, x, *extra, backward=None, dout=None, train_flg: bool = True,
                   eps: float = 1e-6, rng_seed: int = 0) -> dict[str, float]:
    """Relative errors ``{'x': e, 'W': e, ...}`` between backward and numerical gradients.

    Parameters
    ----------
    layer : object with ``forward(x, *extra, train_flg=...)`` and ``backward(dout)``, or a function
        Parameters in ``layer.params`` (if any) are checked through ``layer.grads``. A plain
        function ``f(x)`` needs ``backward``.
    backward : callable ``(x, dout) -> dx``, only with a plain function
        The derivative to check, e.g. ``lambda x, dout: dout * (1 - tanh(x) ** 2)``.
    x : array
        Input, on the same backend as the layer; float64 for a meaningful check.
    extra : arrays
        Further forward arguments that are not differentiated (e.g. labels ``t``).
    dout : array, optional
        Upstream gradient; a fixed random one by default (``1`` for a scalar output).
    """
    if not hasattr(layer, "forward"):
        if not callable(layer) or backward is None:
            raise TypeError(f"gradient_check needs a layer with forward/backward, or a function with "
                            f"backward=(x, dout) -> dx; got {layer!r}")
        layer = _FunctionLayer(layer, backward)
    elif backward is not None:
        raise TypeError("backward= is for plain functions; a layer brings its own backward")
    xp = array_namespace(x)
    if not xp.isdtype(x.dtype, "real floating") or x.dtype != xp.float64:
        raise TypeError(f"gradient_check needs a float64 input, got {x.dtype}; "
                        "use xpnet.use_dtype('float64')")

    def forward():
        seed(rng_seed)
        if extra:
            return layer.forward(x, *extra, train_flg=train_flg) if _takes_flag(layer) else layer.forward(x,
                                                                                                          *extra)
        return layer.forward(x, train_flg=train_flg) if _takes_flag(layer) else layer.forward(x)

    out = forward()
    scalar = not hasattr(out, "shape") or tuple(out.shape) == ()
    if dout is None and not scalar:
        seed(rng_seed + 1)
        dout = normal(tuple(out.shape), dtype=out.dtype)
    dx = layer.backward(1.0 if scalar else dout) if dout is None else layer.backward(dout)

    def loss():
        y = forward()
        return y if scalar else xp.sum(y * dout)

    errors = {"x": relative_error(dx, numerical_gradient_inplace(loss, x, eps))}
    analytic = {k: to_numpy(g) for k, g in getattr(layer, "grads", {}).items()}
    for name, p in getattr(layer, "params", {}).items():
        errors[name] = relative_error(analytic[name], numerical_gradient_inplace(loss, p, eps))
    return errors


def _takes_flag(layer) -> bool:
    import inspect

    try:
        return "train_flg" in inspect.signature(layer.forward).parameters
    except (TypeError, ValueError):
        return False
