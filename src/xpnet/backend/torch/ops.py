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


class TorchOps(Ops):
    """Ops for torch tensors on a device (CUDA, meta): one gather per window operation."""

    name = "torch"

    def on_host(self, x) -> bool:
        """False: a device's labels are checked by poisoning the loss, not by a read."""
        return False

    def relu_backward(self, dout, state):
        """``dout * (state > 0)``: torch multiplies by a bool mask in one kernel."""
        if not hasattr(dout, "shape"):
            return Ops.relu_backward(self, dout, state)
        return dout * (state > 0)

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

    def relu_backward(self, dout, state):
        """``dout * (state > 0)``: faster than ``where`` on the CPU."""
        if not hasattr(dout, "shape"):
            return Ops.relu_backward(self, dout, state)
        return dout * (state > 0)
