"""NumPy fast path for the Adam step over flat buffers: ``out=`` work buffers, split over threads.

Same operations in the same order as
[`xpnet.backend.portable.Ops.adam_step`][xpnet.backend.portable.ops.Ops.adam_step] (so the result
is bit-identical to it), on slices of the flat parameter, gradient and moment buffers: each
thread updates its own range, with one scratch buffer per thread and nothing allocated per
element operation. ``tests/backend/test_ops_twins.py`` holds it equal to the portable step.
"""

from __future__ import annotations

import numpy as np

from ._threads import parallel_for

#: Least parameters per thread before the step is split: each part runs a dozen short
#: operations, each handing the GIL back and forth with the other part; below this the split
#: measured slower than one thread (docs/performance.md, "Figures moved out of docstrings").
ADAM_MIN_ITEMS = 1 << 17


def numpy_adam_step(p, pieces, spans, m, v, *, beta1: float, beta2: float, eps: float,
                    scale: float, divisor: float, decay: float, grad_scale: float = 0.0) -> None:
    """Adam in place on flat C-contiguous 1-D ``p``, ``m``, ``v``; the gradient is ``pieces``
    (1-D arrays) covering ``spans`` of the flat range, gathered by each thread for its slice."""

    def part(a, b):
        pp, mm, vv = p[a:b], m[a:b], v[a:b]
        gg = np.empty_like(mm)
        for piece, (start, stop) in zip(pieces, spans):
            lo, hi = max(a, start), min(b, stop)
            if lo < hi:
                gg[lo - a:hi - a] = piece[lo - start:hi - start]
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
        if grad_scale != 0.0:  # Nadam's gradient term, before the moment's (the portable order)
            step_g = gg / work
            step_g *= grad_scale
            pp -= step_g
        np.divide(mm, work, out=work)
        work *= scale
        pp -= work

    parallel_for(part, p.shape[0], min_items=ADAM_MIN_ITEMS)
