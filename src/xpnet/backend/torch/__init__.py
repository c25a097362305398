"""torch's ops, chosen per device by the dispatcher: :class:`TorchOps` (CUDA, meta) and
:class:`TorchCpuOps` (CPU). :mod:`.sync_detector` (imported on demand, it imports torch) flags
device-to-host reads for :func:`xpnet.testing.no_host_sync`."""

from .ops import TorchCpuOps, TorchOps

__all__ = ["TorchCpuOps", "TorchOps"]
