"""torch's ops, chosen per device by the dispatcher: [`TorchOps`][xpnet.backend.torch.TorchOps] (CUDA, meta)
and
[`TorchCpuOps`][xpnet.backend.torch.TorchCpuOps] (CPU). `sync_detector` (imported on demand, it imports torch)
flags
device-to-host reads for [`xpnet.testing.no_host_sync`][xpnet.testing.no_host_sync]."""

from .ops import TorchCpuOps, TorchOps

__all__ = ["TorchCpuOps", "TorchOps"]
