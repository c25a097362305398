"""The book's ``numerical_gradient(f, x)``: central differences, differences taken in float64.

One implementation lives in [`xpnet.gradient_check`][xpnet.gradient_check]; this is the book's calling
convention
on top of it (``f`` receives ``x``; the book's ``lambda W: net.loss(x, t)`` ignores it and reads
the parameter by reference, which works because ``x`` is perturbed in place and restored).
"""

from __future__ import annotations

from ..backend import array_namespace
from ..gradient_check import numerical_gradient_inplace


def numerical_gradient(f, x, h: float | None = None):
    """d f(x) / d x by central differences, element by element.

    Parameters
    ----------
    f : callable, f(x) -> scalar (a Python float or a 0-d array)
    x : array, any shape, real floating
        Perturbed in place and restored. Use float64 (``xpnet.use_dtype('float64')``) for
        precise gradients: a float32 ``x`` can only be perturbed in float32 steps.
    h : float, optional
        Step; default ``1e-6`` for float64, the book's ``1e-4`` otherwise.

    Returns
    -------
    array, ``x``'s shape, dtype and backend
    """
    xp = array_namespace(x)
    if not xp.isdtype(x.dtype, "real floating"):
        raise TypeError(f"numerical_gradient needs a real floating x, got dtype {x.dtype}")
    if h is None:
        h = 1e-6 if x.dtype == xp.float64 else 1e-4
    grad = numerical_gradient_inplace(lambda: f(x), x, h)
    return xp.asarray(grad, dtype=x.dtype, device=x.device)
