"""CuPy's ops: where CuPy kernels (``ElementwiseKernel``, ``RawKernel``, ``ReductionKernel``) go.

Each kernel is a method overriding its portable twin in [`Ops`][xpnet.backend.portable.Ops],
held equal to it by ``tests/backend/test_ops_twins.py`` (docs/extending.md shows how to add one).
None is written yet: until a kernel has been run and timed on a GPU, CuPy runs the portable
code, which is already written for few launches per step.
"""

from __future__ import annotations

from ..portable import Ops


class CupyOps(Ops):
    """Ops for CuPy arrays (portable for now; kernels go here)."""

    name = "cupy"

    def on_host(self, x) -> bool:
        return False
