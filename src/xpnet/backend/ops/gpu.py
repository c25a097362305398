"""The GPU backends' ops: where CuPy kernels (``ElementwiseKernel``, ``RawKernel``) and
torch-CUDA specifics go, each as a method overriding its portable twin in
:class:`~.portable.Ops` and held equal to it by ``tests/backend/test_ops_twins.py``.

None is overridden yet: until a kernel has been run and measured on a GPU, these backends run
the portable code, which is already written for few launches per step.
"""

from __future__ import annotations

from .portable import Ops


class CupyOps(Ops):
    """Ops for CuPy arrays (portable for now; kernels go here)."""

    name = "cupy"


class TorchOps(Ops):
    """Ops for torch tensors, CPU or CUDA (portable for now)."""

    name = "torch"
