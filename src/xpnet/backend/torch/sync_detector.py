"""Finding host syncs in torch code: every scalar read, host copy and data-dependent shape.

Two torch modes watch a block of code. The function mode sees Python-level calls: ``item``,
``bool``/``int``/``float`` of a tensor, ``tolist``, ``numpy``/``__array__``, and tensors made from
host data (a Python scalar or a NumPy array) on a device, which is a host-to-device copy (on CUDA
a pageable copy that waits for the stream). The dispatch mode sees ATen ops: ``_local_scalar_dense``
(what every scalar read becomes), copies between the host and a device (``_to_copy``, ``copy_``),
and the ops whose output shape depends on values (``nonzero``, ``masked_select``, ``unique``,
boolean-mask ``index``/``index_put_``), which read a count back from the device.

Only tensors off the CPU count: on the CPU nothing waits. On torch's ``meta`` device (shapes, no
values) every such op would fail; the detector gives it stand-in values instead (zeros, an empty
mask selection, a no-op masked write), so one run lists every sync instead of stopping at the
first. The same stand-ins serve the transfers inside [`scheduled_sync`][xpnet.backend._sync.scheduled_sync]
blocks, which are allowed and counted: on ``meta`` they are zeros, not data.
"""

from __future__ import annotations

import collections
import contextlib
import os
import traceback

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten, tree_map

from .._sync import scheduled_reason

_READS = {"item", "tolist", "numpy", "__array__", "__bool__", "__int__", "__float__", "__index__",
          "__complex__", "__format__"}
_MAKERS = (torch.tensor, torch.asarray, torch.as_tensor)
_SCALAR_OPS = {"_local_scalar_dense", "is_nonzero", "equal", "item"}
_SHAPE_OPS = {"nonzero", "masked_select", "unique", "_unique", "_unique2", "unique_dim",
              "unique_consecutive", "unique_dim_consecutive", "masked_scatter", "argwhere",
              "nonzero_numpy", "bincount"}
_INDEX_OPS = {"index", "index_put", "index_put_", "_index_put_impl_", "_unsafe_index", "_unsafe_index_put"}
_COPY_OPS = {"_to_copy", "copy_", "_copy_from", "_copy_from_and_resize"}
_TORCH = os.path.dirname(torch.__file__) + os.sep
_BACKEND = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # xpnet/backend/
_OWN = (os.path.abspath(__file__), os.path.join(_BACKEND, "_sync.py"), contextlib.__file__)
_quiet = [0]  # > 0 while a host-to-device maker already reported runs (its _to_copy is the same copy)


def _on_device(t) -> bool:
    return isinstance(t, torch.Tensor) and t.device.type != "cpu"


def _tensors(args, kwargs):
    return [a for a in tree_flatten((args, kwargs))[0] if isinstance(a, torch.Tensor)]


def _stand_in(t):
    """Zeros of ``t``'s shape and dtype on the host (meta tensors have no values to read)."""
    if isinstance(t, torch.Tensor) and t.device.type == "meta":
        return torch.zeros(t.shape, dtype=t.dtype)
    return t


def _where() -> str:
    """The innermost caller outside torch and this module, plus the compat wrapper it went through."""
    frames = [f for f in traceback.extract_stack()[:-1]
              if not f.filename.startswith(_TORCH) and os.path.abspath(f.filename) not in _OWN]
    via = next((f for f in reversed(frames) if "array_api_compat" in f.filename), None)
    own = next((f for f in reversed(frames) if "array_api_compat" not in f.filename), None)
    text = _frame(own) if own else "<unknown>"
    if own is not None and _BACKEND in own.filename:  # a backend helper: name its caller too
        caller = next((f for f in reversed(frames)
                       if "array_api_compat" not in f.filename and _BACKEND not in f.filename), None)
        text += f", called from {_frame(caller)}" if caller else ""
    return text + (f" (via {_frame(via)})" if via else "")


def _frame(f) -> str:
    return f"{_short(f.filename)}:{f.lineno} in {f.name}"


def _short(path: str) -> str:
    for marker in ("src" + os.sep, "site-packages" + os.sep, "tests" + os.sep):
        if marker in path:
            return (marker if marker.startswith("tests") else "") + path.split(marker, 1)[1]
    return path


class SyncLog:
    """What `HostSyncDetector` saw: ``unscheduled`` (what, where) -> count, ``scheduled``
    reason -> count."""

    def __init__(self) -> None:
        self.unscheduled: collections.Counter = collections.Counter()
        self.scheduled: collections.Counter = collections.Counter()

    def hit(self, what: str) -> None:
        reason = scheduled_reason()
        if reason is not None:
            self.scheduled[reason] += 1
        else:
            self.unscheduled[(what, _where())] += 1

    def report(self) -> str:
        lines = [f"  {what} at {where}" + (f" (x{n})" if n > 1 else "")
                 for (what, where), n in self.unscheduled.items()]
        return (f"{len(lines)} host sync(s) outside the Trainer's scheduled transfers:\n" + "\n".join(lines))


class _Functions(TorchFunctionMode):
    def __init__(self, log: SyncLog) -> None:
        super().__init__()
        self.log = log

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name in _READS and args and _on_device(args[0]):
            self.log.hit(f"Tensor.{name} (a scalar read or host copy)")
            return func(_stand_in(args[0]), *args[1:], **kwargs)
        if func in _MAKERS and args and not isinstance(args[0], torch.Tensor):
            device = kwargs.get("device")
            if device is not None and torch.device(device).type != "cpu":
                self.log.hit(f"torch.{func.__name__} of host data {type(args[0]).__name__} on {device} "
                             "(a host-to-device copy)")
                return _quietly(func, args, kwargs)
        return func(*args, **kwargs)


def _quietly(func, args, kwargs):
    _quiet[0] += 1
    try:
        return func(*args, **kwargs)
    finally:
        _quiet[0] -= 1


class _Dispatch(TorchDispatchMode):
    def __init__(self, log: SyncLog) -> None:
        super().__init__()
        self.log = log

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = func.overloadpacket.__name__
        tensors = _tensors(args, kwargs)
        if not any(_on_device(t) for t in tensors) and name not in _COPY_OPS:
            return func(*args, **kwargs)
        if name in _SCALAR_OPS:
            return self._scalar(func, name, args, kwargs)
        if name in _COPY_OPS:
            return self._copy(func, name, args, kwargs)
        masks = name in _INDEX_OPS and any(t.dtype in (torch.bool, torch.uint8) for t in tensors[1:])
        if name in _SHAPE_OPS or masks:
            self.log.hit(f"aten.{name} ({'a boolean mask' if masks else 'a data-dependent shape'})")
            return self._on_host(func, name, args, kwargs)
        return func(*args, **kwargs)

    def _scalar(self, func, name, args, kwargs):
        self.log.hit(f"aten.{name} (a scalar read)")
        return func(*tree_map(_stand_in, args), **tree_map(_stand_in, kwargs))

    def _copy(self, func, name, args, kwargs):
        src, dst_device = args[0], kwargs.get("device")
        if name != "_to_copy":
            dst, src = args[0], args[1]
            dst_device = dst.device
        if dst_device is None or torch.device(dst_device).type == src.device.type:
            return func(*args, **kwargs)
        direction = "host-to-device" if src.device.type == "cpu" else "device-to-host"
        if _quiet[0] == 0:
            self.log.hit(f"aten.{name} ({direction} copy)")
        if direction == "host-to-device":
            return func(*args, **kwargs)
        return func(*tree_map(_stand_in, args), **tree_map(_stand_in, kwargs))

    def _on_host(self, func, name, args, kwargs):
        if not any(t.device.type == "meta" for t in _tensors(args, kwargs)):
            return func(*args, **kwargs)  # a real device: the values exist, the sync was recorded
        if name.endswith("_"):
            return args[0]  # a masked write of stand-in values: nothing to write
        out = func(*tree_map(_stand_in, args), **tree_map(_stand_in, kwargs))
        return tree_map(lambda o: o.to("meta") if isinstance(o, torch.Tensor) else o, out)


class HostSyncDetector:
    """Context manager: records host syncs in the block; ``log`` holds them (see `SyncLog`)."""

    def __init__(self) -> None:
        self.log = SyncLog()
        self._modes = (_Functions(self.log), _Dispatch(self.log))

    def __enter__(self) -> SyncLog:
        for mode in self._modes:
            mode.__enter__()
        return self.log

    def __exit__(self, *exc) -> None:
        for mode in reversed(self._modes):
            mode.__exit__(*exc)
