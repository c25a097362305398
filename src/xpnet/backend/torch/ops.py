"""torch's ops, one class per kind of device; the dispatcher (`xpnet.backend._dispatch`)
picks by the tensor's device:

- [`TorchOps`][xpnet.backend.torch.ops.TorchOps] on CUDA (and the meta device that stands for it in CI): the
  portable
  gathers, with what array-api-compat's torch wrapper makes cost extra launches overridden.
- [`TorchCpuOps`][xpnet.backend.torch.ops.TorchCpuOps] on the CPU: window operations by taps (`TapOps`;
  a gather along an inner axis is slow there).
"""

from __future__ import annotations

from ..portable import Ops, TapOps


def _relu_backward(self, dout, state):
    """``dout * (state > 0)``: one kernel on every torch device (faster than ``where`` on the CPU)."""
    if not hasattr(dout, "shape"):  # a Python number: the portable path
        return Ops.relu_backward(self, dout, state)
    return dout * (state > 0)


class TorchOps(Ops):
    """Ops for torch tensors on a device (CUDA, meta): one gather per window operation."""

    name = "torch"

    def on_host(self, x) -> bool:
        """False: a device's labels are checked by poisoning the loss, not by a read."""
        return False

    relu_backward = _relu_backward

    def _take(self, xp, x, indices, axis: int):
        """``torch.index_select``: one kernel. array-api-compat's ``take`` first maps negative
        indices (``where(i < 0, i + n, i)``, three more launches); the tables here have none."""
        import torch

        return torch.index_select(x, axis, indices)


class TorchCpuOps(TapOps):
    """Ops for torch tensors on the CPU: window operations by taps."""

    name = "torch-cpu"

    def on_host(self, x) -> bool:
        return True

    relu_backward = _relu_backward
