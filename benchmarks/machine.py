"""What a benchmark table must name: the machine, the library versions, the date, the load."""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import os
import platform

LIBRARIES = ("xpnet", "numpy", "torch", "cupy", "array-api-compat", "array-api-strict", "pytest-benchmark",
             "matplotlib")
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE",
              "OPENBLAS_L2_SIZE", "OPENBLAS_THREAD_TIMEOUT", "XPNET_MALLOC_TUNING", "XPNET_BLAS_TUNING",
              "XPNET_NUM_THREADS")


def cpu() -> dict:
    """CPU model, family/model numbers, the widest vector extension, logical CPUs and physical
    cores from ``/proc/cpuinfo`` (platform fallback). "AMD EPYC" alone names Zen 3 and Zen 4
    guests alike; family 25 is Zen 3 (model 1) or Zen 4 (model 17), and their BLAS kernels differ."""
    model, cores, family, number, flags = None, set(), None, None, set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            phys = None
            for line in f:
                key, _, value = (part.strip() for part in line.partition(":"))
                if key == "model name" and model is None:
                    model = value
                elif key == "cpu family" and family is None:
                    family = int(value) if value.isdigit() else value
                elif key == "model" and number is None:
                    number = int(value) if value.isdigit() else value
                elif key == "flags" and not flags:
                    flags = set(value.split())
                elif key == "physical id":
                    phys = value
                elif key == "core id":
                    cores.add((phys, value))
    except OSError:
        pass
    vector = next((isa for isa in ("avx512f", "avx2", "avx", "sse4_2") if isa in flags), None)
    return {"model": model or platform.processor() or platform.machine(), "family": family,
            "model_number": number, "vector": vector, "logical_cpus": os.cpu_count(),
            "physical_cores": len(cores) or None}


def gpu() -> str | None:
    """Name of the first CUDA device torch or CuPy can see, else None."""
    try:
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    except ImportError:
        pass
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            return cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    except Exception:  # no CuPy, or no driver: no GPU to name
        pass
    return None


def versions() -> dict:
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def blas() -> list | None:
    """threadpoolctl's view of the BLAS/OpenMP libraries loaded with numpy and torch, if installed;
    else NumPy's OpenBLAS as it describes itself (its build and the kernel it chose for this CPU)."""
    try:
        import numpy  # noqa: F401  (load its BLAS)
    except ImportError:
        return None
    try:
        import threadpoolctl
    except ImportError:
        own = openblas()
        return [own] if own else None
    try:
        import torch  # noqa: F401
    except ImportError:
        pass
    keep = ("user_api", "internal_api", "version", "num_threads", "architecture", "prefix")
    return [{k: lib.get(k) for k in keep} for lib in threadpoolctl.threadpool_info()]


def openblas() -> dict | None:
    """``{'internal_api': 'openblas', 'config', 'architecture', 'prefix'}`` of the OpenBLAS NumPy
    loaded (``architecture``: the kernel set it runs, e.g. SkylakeX on a Zen 4), or None."""
    import ctypes

    from xpnet.backend.numpy._blas_threads import _loaded_openblas

    path = _loaded_openblas()
    if path is None:
        return None
    lib, out = ctypes.CDLL(path), {"internal_api": "openblas", "prefix": os.path.basename(path)}
    symbols = (("config", ("scipy_openblas_get_config64_", "openblas_get_config64_", "openblas_get_config")),
               ("architecture", ("scipy_openblas_get_corename64_", "openblas_get_corename64_",
                                 "openblas_get_corename")))
    for key, names in symbols:
        fn = next((getattr(lib, n) for n in names if hasattr(lib, n)), None)
        if fn is not None:
            fn.restype = ctypes.c_char_p
            out[key] = fn().decode()
    return out


def load_average() -> list | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def describe() -> dict:
    """Everything above, plus the UTC date and the thread/malloc environment variables."""
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu": cpu(),
        "gpu": gpu(),
        "versions": versions(),
        "blas": blas(),
        "env": {k: os.environ.get(k) for k in THREAD_ENV},
    }


def one_line(described: dict) -> str:
    """The machine in one line, as tables and charts name it: CPU (family, model, vector
    extension), CPUs, the BLAS kernels, the GPU."""
    cpu = described["cpu"]
    family, number = cpu.get("family"), cpu.get("model_number")
    ids = ", ".join(v for v in (None if family is None else f"family {family}",
                                None if number is None else f"model {number}", cpu.get("vector")) if v)
    blas_names = sorted({f"{lib.get('internal_api')} {lib.get('architecture')}"
                         for lib in described.get("blas") or () if lib.get("architecture")})
    return (f"{cpu['model']}{f' ({ids})' if ids else ''}, {cpu['logical_cpus']} CPUs"
            + (f", BLAS kernels: {'; '.join(blas_names)}" if blas_names else "")
            + f", GPU: {described.get('gpu') or 'none'}")

