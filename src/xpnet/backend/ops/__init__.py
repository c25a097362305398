"""One door to every fast path: ``get_ops(*arrays)`` returns the ops of the arrays' backend.

Layers, functions, models and optimizers call ops methods and never branch on the backend or
know a memory layout: the ops choose (thinc's ``Ops``/``NumpyOps``/``CupyOps`` is the model).

- :class:`Ops` (:mod:`.portable`): array API only; the reference every twin is tested against,
  and what array-api-strict (and, until it has kernels, CuPy) runs.
- :class:`NumpyOps` (:mod:`.numpy_ops`): NumPy's host fast paths (threads, ``out=``, batch-last
  convolutions).
- :class:`CupyOps`, :class:`TorchOps` (:mod:`.gpu`): where GPU kernels go.

A method exists only where some backend has a faster twin. ``use_ops(ops)`` forces one set of
ops in a block (tests, and counting the portable path's operations on any backend).
"""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator

from .._namespace import array_namespace, is_cupy_namespace, is_numpy_namespace, is_torch_namespace
from .gpu import CupyOps, TorchOps
from .numpy_ops import NumpyOps
from .portable import Ops
from .taps import TapOps

__all__ = ["CupyOps", "NumpyOps", "Ops", "TapOps", "TorchOps", "get_ops", "use_ops"]

_forced = threading.local()
_made: dict = {}
_by_type: dict = {}  # array type -> its ops: the hot path is one dict lookup (layers ask every call)


def _numpy_ops() -> NumpyOps:
    ops = _made.get("numpy")
    if ops is None:
        from .._blas_threads import tune_blas_threads
        from .._host_memory import tune_host_malloc

        tune_host_malloc()  # once per process, only where NumPy computes; see _host_memory
        tune_blas_threads()  # see _blas_threads
        ops = _made["numpy"] = NumpyOps()
    return ops


def _made_once(name: str, cls):
    ops = _made.get(name)
    if ops is None:
        ops = _made[name] = cls()
    return ops


def get_ops(*arrays) -> Ops:
    """The ops for ``arrays`` (all of one backend): NumPy's, CuPy's, torch's or the portable ones."""
    forced = getattr(_forced, "ops", None)
    if forced is not None:
        return forced
    kind = type(arrays[0]) if arrays else None
    ops = _by_type.get(kind)
    if ops is not None and all(type(a) is kind for a in arrays[1:]):
        return ops
    xp = array_namespace(*arrays)
    if is_numpy_namespace(xp):
        ops = _numpy_ops()
    elif is_cupy_namespace(xp):
        ops = _made_once("cupy", CupyOps)
    elif is_torch_namespace(xp):
        ops = _made_once("torch", TorchOps)
    else:
        ops = _made_once("portable", Ops)
    if len({type(a) for a in arrays}) == 1:
        _by_type[kind] = ops
    return ops


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
