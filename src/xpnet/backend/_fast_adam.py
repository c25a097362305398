"""NumPy fast path for the Adam step over flat buffers: ``out=`` work buffers, split over threads.

Same operations in the same order as :meth:`xpnet.backend.ops.Ops.adam_step` (so the result
is bit-identical to it), on slices of the flat parameter, gradient and moment buffers: each
thread updates its own range, with one scratch buffer per thread and nothing allocated per
element operation. ``tests/backend/test_ops_twins.py`` holds it equal to the portable step.
"""

from __future__ import annotations

import numpy as np

from ._threads import parallel_for


def numpy_adam_step(p, g, m, v, *, beta1: float, beta2: float, eps: float, scale: float,
                    divisor: float, decay: float) -> None:
    """Adam on flat C-contiguous 1-D arrays in place (the portable step's operations)."""

    def part(a, b):
        pp, gg, mm, vv = p[a:b], g[a:b], m[a:b], v[a:b]
        work = np.empty_like(gg)
        if decay != 1.0:
            pp *= decay
        np.subtract(gg, mm, out=work)
        work *= 1.0 - beta1
        mm += work
        vv *= beta2
        np.multiply(gg, gg, out=work)
        work *= 1.0 - beta2
        vv += work
        np.sqrt(vv, out=work)
        if divisor != 1.0:
            work /= divisor
        work += eps
        np.divide(mm, work, out=work)
        work *= scale
        pp -= work

    parallel_for(part, p.shape[0])
