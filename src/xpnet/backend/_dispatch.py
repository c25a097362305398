"""One door to every fast path: ``get_ops(*arrays)`` returns the ops of the arrays' backend.

This is the one file that names every backend. Layers, functions, models and optimizers call
ops methods and never branch on the backend or know a memory layout: the ops choose (thinc's
``Ops``/``NumpyOps``/``CupyOps`` is the model).

- [`Ops`][xpnet.backend.portable.Ops]: array API only; the reference every twin is tested
  against, and what array-api-strict (and, until it has kernels, CuPy) runs.
- [`NumpyOps`][xpnet.backend.numpy.NumpyOps]: NumPy's host fast paths (threads, ``out=``,
  batch-last convolutions, Winograd); its constructor applies NumPy's process tuning.
- `CupyOps`: where CuPy kernels go.
- [`TorchOps`][xpnet.backend.torch.TorchOps] on a device (CUDA, meta),
  [`TorchCpuOps`][xpnet.backend.torch.TorchCpuOps] on the CPU: chosen here by the tensor's device.

A method exists only where some backend has a faster twin. ``use_ops(ops)`` forces one set of
ops in a block (tests, and counting the portable path's operations on any backend).
"""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator

from ._namespace import array_namespace, is_cupy_namespace, is_numpy_namespace, is_torch_namespace
from .cupy import CupyOps
from .numpy import NumpyOps
from .portable import Ops
from .torch import TorchCpuOps, TorchOps

__all__ = ["get_ops", "use_ops"]

_forced = threading.local()
_made: dict = {}
_by_type: dict = {}  # array type -> its ops: the hot path is one dict lookup (layers ask every call)


class _ByDevice(dict):
    """device type -> ops, for an array library whose ops depend on the device (torch)."""

    def __init__(self, on_cpu, elsewhere):
        super().__init__()
        self.on_cpu, self.elsewhere = on_cpu, elsewhere

    def __missing__(self, device_type):
        ops = self[device_type] = _made_once(self.on_cpu if device_type == "cpu" else self.elsewhere)
        return ops


def _made_once(cls) -> Ops:
    ops = _made.get(cls)
    if ops is None:
        ops = _made[cls] = cls()
    return ops


def get_ops(*arrays) -> Ops:
    """The ops for ``arrays`` (all of one backend): NumPy's, CuPy's, torch's or the portable ones."""
    forced = getattr(_forced, "ops", None)
    if forced is not None:
        return forced
    kind = type(arrays[0]) if arrays else None
    ops = _by_type.get(kind)
    if ops is not None and all(type(a) is kind for a in arrays[1:]):
        return ops[arrays[0].device.type] if type(ops) is _ByDevice else ops
    xp = array_namespace(*arrays)
    if is_numpy_namespace(xp):
        ops = _made_once(NumpyOps)
    elif is_cupy_namespace(xp):
        ops = _made_once(CupyOps)
    elif is_torch_namespace(xp):
        ops = _ByDevice(TorchCpuOps, TorchOps)
    else:
        ops = _made_once(Ops)
    if len({type(a) for a in arrays}) == 1:
        _by_type[kind] = ops
    return ops[arrays[0].device.type] if type(ops) is _ByDevice else ops


@contextlib.contextmanager
def use_ops(ops: Ops) -> Iterator[Ops]:
    """Run the block with ``ops`` for every array (this thread only)."""
    if not isinstance(ops, Ops):
        raise TypeError(f"use_ops takes an Ops instance, got {type(ops).__name__}")
    previous = getattr(_forced, "ops", None)
    _forced.ops = ops
    try:
        yield ops
    finally:
        _forced.ops = previous
