"""Which array library new arrays are born on, on which device, in which dtype.

Nothing here runs at import time: ``DL_BACKEND``, ``DL_DEVICE`` and ``DL_DTYPE`` are read on
first use, and an explicit [`set_backend`][xpnet.backend._config.set_backend] /
[`use_backend`][xpnet.backend._config.use_backend] wins over the environment.
Compute code never asks this module which backend is active: it takes the namespace from its
input arrays. Two devices simulate an accelerator on a CPU-only machine (CI): torch's ``'meta'``
(shapes without values; with [`xpnet.testing`][xpnet.testing]'s sync detector it finds every host sync) and
array-api-strict's ``'device1'``/``'device2'`` (an array created without ``device=`` fails to
meet them). The setting decides only where *new* arrays are created (initializers, RNG, the
moment the Trainer moves a dataset to the device).
"""

from __future__ import annotations

import contextlib
import importlib
import os
from typing import Iterator

BACKENDS = ("numpy", "cupy", "torch", "array_api_strict")
DTYPES = ("float32", "float64")
#: array-api-strict's devices: its default ('cpu') and two more that only simulate an
#: accelerator: arrays on them cannot meet arrays created without ``device=``.
STRICT_DEVICES = ("cpu", "device1", "device2")

_INSTALL = {
    "cupy": ('pip install "xpnet[cuda12]" or "xpnet[cuda13]", the CuPy wheel of the CUDA major version '
             "(a machine without the CUDA toolkit also needs CuPy's [ctk] extra, "
             'e.g. pip install "cupy-cuda12x[ctk]")'),
    "torch": 'pip install "xpnet[torch]" (for CUDA, torch\'s wheel of your CUDA version: see pytorch.org)',
    "array_api_strict": "pip install array-api-strict",
}


class BackendUnavailableError(RuntimeError):
    """The requested backend cannot run here (library missing, or no CUDA device)."""


_explicit = {"backend": None, "device": None, "dtype": None}
_checked: set[tuple[str, str | None]] = set()


def _validate_name(name: object) -> str:
    if not isinstance(name, str) or name.strip().lower() not in BACKENDS:
        raise ValueError(
            f"unknown backend {name!r}: expected one of {', '.join(BACKENDS)} "
            "(set DL_BACKEND or call xpnet.set_backend)"
        )
    return name.strip().lower()


def _validate_dtype(dtype: object) -> str:
    name = getattr(dtype, "__name__", None) or str(dtype)
    name = name.rsplit(".", 1)[-1].strip().lower()
    if name not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}: expected one of {', '.join(DTYPES)}")
    return name


def _validate_device(backend: str, device: object) -> str | None:
    if device is None or device == "":
        return None
    text = str(device).strip().lower()
    if backend == "numpy":
        if text != "cpu":
            raise ValueError(f"backend 'numpy' runs on the CPU only, got device {device!r}")
        return "cpu"
    if backend == "array_api_strict":
        if text not in STRICT_DEVICES:
            raise ValueError(
                f"backend 'array_api_strict' takes device {', '.join(map(repr, STRICT_DEVICES))}, "
                f"got {device!r}"
            )
        return text
    if backend == "cupy":
        if text == "cuda" or text.startswith("cuda:") or text.isdigit():
            return text
        raise ValueError(f"backend 'cupy' takes a CUDA device ('cuda', 'cuda:N'), got {device!r}")
    if text in ("cpu", "cuda", "meta") or text.startswith("cuda:"):
        return text
    raise ValueError(f"backend 'torch' takes device 'cpu', 'cuda', 'cuda:N' or 'meta', got {device!r}")


def _import_backend(name: str):
    """Import the library behind ``name`` or raise BackendUnavailableError saying why."""
    module = {"numpy": "numpy", "cupy": "cupy", "torch": "torch",
              "array_api_strict": "array_api_strict"}[name]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendUnavailableError(
            f"backend {name!r} needs {module}, which is not installed ({exc}); install it with: "
            f"{_INSTALL.get(name, 'pip install ' + module)}"
        ) from exc


def _check_available(name: str, device: str | None) -> None:
    if (name, device) in _checked:
        return
    lib = _import_backend(name)
    if name == "cupy":
        try:
            count = lib.cuda.runtime.getDeviceCount()
        except Exception as exc:  # CUDA driver missing or broken
            raise BackendUnavailableError(
                f"CuPy is installed but no CUDA device is usable ({type(exc).__name__}: {exc}); "
                "use DL_BACKEND=numpy on a machine without an NVIDIA GPU"
            ) from exc
        if count == 0:
            raise BackendUnavailableError(
                "CuPy is installed but no CUDA device is visible; use DL_BACKEND=numpy here"
            )
    if name == "torch" and device is not None and device.startswith("cuda"):
        if not lib.cuda.is_available():
            raise BackendUnavailableError(
                f"torch device {device!r} was asked for but this PyTorch build sees no CUDA device "
                f"(torch {lib.__version__}); use DL_DEVICE=cpu or install a CUDA build of torch"
            )
    _checked.add((name, device))


def get_backend() -> str:
    """Name of the backend new arrays are created on (``DL_BACKEND``, default ``numpy``)."""
    name = _explicit["backend"]
    if name is None:
        name = _validate_name(os.environ.get("DL_BACKEND", "numpy") or "numpy")
    _check_available(name, _device_for(name))
    return name


def _device_for(backend: str) -> str | None:
    device = _explicit["device"]
    if device is None:
        device = os.environ.get("DL_DEVICE") or None
    return _validate_device(backend, device)


def get_device_name() -> str | None:
    """The device setting for the current backend (``None``: the backend's default)."""
    return _device_for(get_backend())


def get_dtype_name() -> str:
    """``'float32'`` (default) or ``'float64'`` (``DL_DTYPE`` or
[`set_dtype`][xpnet.backend._config.set_dtype])."""
    name = _explicit["dtype"]
    if name is None:
        name = _validate_dtype(os.environ.get("DL_DTYPE", "float32") or "float32")
    return name


def set_backend(name: str, *, device: str | None = None) -> None:
    """Choose where new arrays are born; validated now, so a missing CuPy fails here."""
    name = _validate_name(name)
    dev = _validate_device(name, device)
    _check_available(name, dev)
    _explicit["backend"], _explicit["device"] = name, dev


def set_device(device: str | None) -> None:
    """Device for the current backend: ``'cpu'``, ``'cuda'``, ``'cuda:N'`` (torch, cupy), ``'meta'``
    (torch), ``'device1'``/``'device2'`` (array_api_strict)."""
    name = get_backend()
    dev = _validate_device(name, device)
    _check_available(name, dev)
    _explicit["device"] = dev


def set_dtype(dtype) -> None:
    """Default floating dtype for new arrays: ``'float32'`` (default) or ``'float64'``."""
    _explicit["dtype"] = _validate_dtype(dtype)


@contextlib.contextmanager
def use_backend(name: str, *, device: str | None = None) -> Iterator[str]:
    """Context manager: ``with xpnet.use_backend('torch', device='cpu'): ...``."""
    saved = dict(_explicit)
    set_backend(name, device=device)
    try:
        yield _explicit["backend"]
    finally:
        _explicit.update(saved)


@contextlib.contextmanager
def use_dtype(dtype) -> Iterator[str]:
    """Context manager for the default floating dtype (gradient checks use float64)."""
    saved = _explicit["dtype"]
    set_dtype(dtype)
    try:
        yield _explicit["dtype"]
    finally:
        _explicit["dtype"] = saved
