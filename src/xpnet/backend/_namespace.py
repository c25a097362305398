"""Array namespaces: from the data (compute code) or from the setting (new arrays).

Compute code calls [`array_namespace`][xpnet.backend._namespace.array_namespace] on its inputs and uses only
what the array API
standard defines. [`asarray`][xpnet.backend._namespace.asarray] and the creation helpers place *new* arrays on
the current
backend, device and default dtype; [`to_numpy`][xpnet.backend._namespace.to_numpy] brings any array back to
the host.
"""

from __future__ import annotations

import importlib

import array_api_compat
import numpy as np

from ._config import get_backend, get_device_name, get_dtype_name

_COMPAT_MODULE = {
    "numpy": "array_api_compat.numpy",
    "cupy": "array_api_compat.cupy",
    "torch": "array_api_compat.torch",
    "array_api_strict": "array_api_strict",
}

is_numpy_namespace = array_api_compat.is_numpy_namespace
is_cupy_namespace = array_api_compat.is_cupy_namespace
is_torch_namespace = array_api_compat.is_torch_namespace
is_array_api_strict_namespace = array_api_compat.is_array_api_strict_namespace


def get_namespace(name: str | None = None):
    """The array-API namespace of backend ``name`` (default: the current backend)."""
    return importlib.import_module(_COMPAT_MODULE[name or get_backend()])


def _library(x) -> str:
    """'numpy', 'torch', 'cupy', 'array_api_strict', ... for an array object."""
    return type(x).__module__.split(".", 1)[0]


#: array type -> its namespace, filled by `array_namespace` (the namespace depends on the
#: type alone; caching it saves array_api_compat's per-call inspection, dozens of times per
#: train step)
_BY_TYPE: dict = {}


def array_namespace(*arrays):
    """The namespace shared by ``arrays``; a TypeError naming both when backends are mixed.

    Python scalars and ``None`` are ignored, as in the standard's binary operators.
    """
    if arrays and all(type(a) is type(arrays[0]) for a in arrays[1:]):  # the common call: one kind
        cached = _BY_TYPE.get(type(arrays[0]))  # only array types are ever stored
        if cached is not None:
            return cached
    real = [a for a in arrays if a is not None and not isinstance(a, (bool, int, float, complex))]
    kind = type(real[0]) if real and all(type(a) is type(real[0]) for a in real) else None
    cached = _BY_TYPE.get(kind)
    if cached is not None:
        return cached
    try:
        xp = array_api_compat.array_namespace(*real)
    except TypeError as exc:
        libs = sorted({_library(a) for a in real})
        if len(libs) > 1:
            shown = ", ".join(f"{lib} ({type(a).__name__})" for lib, a in _first_of_each(real))
            raise TypeError(
                f"arrays from different backends met in one operation: {shown}; "
                "move them onto one backend with xpnet.asarray() first"
            ) from None
        raise TypeError(f"expected arrays, got {', '.join(type(a).__name__ for a in real)}: {exc}") from None
    if kind is not None:
        _BY_TYPE[kind] = xp
    return xp


def _first_of_each(arrays):
    seen = {}
    for a in arrays:
        seen.setdefault(_library(a), a)
    return sorted(seen.items())


def default_float(xp=None):
    """The default floating dtype (float32 unless ``DL_DTYPE``/``set_dtype`` say float64)."""
    xp = xp if xp is not None else get_namespace()
    return getattr(xp, get_dtype_name())


def get_device():
    """The device object new arrays are created on, for the current backend."""
    name = get_backend()
    dev = get_device_name()
    if name == "torch":
        import torch

        return torch.device(dev or "cpu")
    if name == "cupy":
        import cupy

        if dev is None or dev == "cuda":
            return cupy.cuda.Device()
        return cupy.cuda.Device(int(dev.split(":")[-1]))
    if name == "array_api_strict":
        if dev is None or dev == "cpu":
            return None
        import array_api_strict

        return array_api_strict.Device(dev)
    return "cpu"


def to_numpy(x) -> np.ndarray:
    """A host NumPy array with the same values (a copy only when the data lives elsewhere)."""
    lib = _library(x)
    if lib == "cupy":
        return x.get()
    if lib == "torch":
        return x.detach().cpu().numpy()
    if lib == "array_api_strict":  # its simulated devices ('device1') hand data out from its CPU only
        import array_api_strict

        x = x.to_device(array_api_strict.__array_namespace_info__().default_device())
    return np.asarray(x)


def _is_float(x) -> bool:
    if isinstance(x, float):
        return True
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return np.asarray(x).dtype.kind == "f"
    try:
        return array_namespace(x).isdtype(dtype, "real floating")
    except TypeError:
        return np.dtype(dtype).kind == "f"


def asarray(x, /, *, dtype=None, copy=None):
    """``x`` on the current backend and device.

    Floating input takes the default float dtype (float32) unless ``dtype`` says otherwise;
    integer and boolean input keep their dtype. An array of another backend crosses through the
    host: do this once at a boundary (dataset load, checkpoint), never per batch.
    """
    xp = get_namespace()
    name = get_backend()
    if hasattr(x, "shape") and _library(x) not in (name, "numpy"):
        x = to_numpy(x)
    if dtype is None and _is_float(x):
        dtype = default_float(xp)
    elif isinstance(dtype, str):
        dtype = getattr(xp, dtype)
    kwargs = {"dtype": dtype}
    device = get_device()
    if device is not None and name in ("torch", "cupy", "array_api_strict"):
        kwargs["device"] = device
    if name == "cupy":
        with device:
            return xp.asarray(x, dtype=dtype, copy=copy)
    return xp.asarray(x, copy=copy, **kwargs)


def zeros(shape, *, dtype=None):
    """Zeros on the current backend/device in the default float dtype."""
    xp = get_namespace()
    dtype = default_float(xp) if dtype is None else (getattr(xp, dtype) if isinstance(dtype, str) else dtype)
    device = get_device()
    if get_backend() == "cupy":
        with device:
            return xp.zeros(shape, dtype=dtype)
    return xp.zeros(shape, dtype=dtype, device=device) if device is not None else xp.zeros(shape, dtype=dtype)


def ones(shape, *, dtype=None):
    """Ones on the current backend/device in the default float dtype."""
    return zeros(shape, dtype=dtype) + 1
