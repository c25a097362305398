"""The GPU backends' ops: where CuPy kernels (``ElementwiseKernel``, ``RawKernel``) and
torch-CUDA specifics go, each as a method overriding its portable twin in
:class:`~.portable.Ops` and held equal to it by ``tests/backend/test_ops_twins.py``.

No CuPy kernel is written yet: until one has been run and measured on a GPU, CuPy runs the
portable code, which is already written for few launches per step. torch overrides only what
array-api-compat's torch wrapper makes cost extra launches.
"""

from __future__ import annotations

from .portable import Ops


class CupyOps(Ops):
    """Ops for CuPy arrays (portable for now; kernels go here)."""

    name = "cupy"


class TorchOps(Ops):
    """Ops for torch tensors, CPU or CUDA."""

    name = "torch"

    def _take(self, xp, x, indices, axis: int):
        """``torch.index_select``: one kernel. array-api-compat's ``take`` first maps negative
        indices (``where(i < 0, i + n, i)``, three more launches); the tables here have none."""
        import torch

        return torch.index_select(x, axis, indices)
