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
    """CPU model, logical CPUs and physical cores from ``/proc/cpuinfo`` (platform fallback)."""
    model, cores = None, set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            phys = None
            for line in f:
                key, _, value = (part.strip() for part in line.partition(":"))
                if key == "model name" and model is None:
                    model = value
                elif key == "physical id":
                    phys = value
                elif key == "core id":
                    cores.add((phys, value))
    except OSError:
        pass
    return {"model": model or platform.processor() or platform.machine(), "logical_cpus": os.cpu_count(),
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
    """threadpoolctl's view of the BLAS/OpenMP libraries loaded with numpy and torch, if installed."""
    try:
        import numpy  # noqa: F401  (load its BLAS)
        import threadpoolctl
    except ImportError:
        return None
    try:
        import torch  # noqa: F401
    except ImportError:
        pass
    keep = ("user_api", "internal_api", "version", "num_threads", "architecture", "prefix")
    return [{k: lib.get(k) for k in keep} for lib in threadpoolctl.threadpool_info()]


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
