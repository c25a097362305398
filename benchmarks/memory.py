"""Peak host memory of one call, from the kernel's resident-set high-water mark.

Linux keeps ``VmHWM`` (peak RSS) per process and resets it to the current RSS when ``5`` is
written to ``/proc/self/clear_refs``; reset, call, read gives the peak *during* the call. Where
that is unavailable, ``ru_maxrss`` (peak since the process started) is reported instead and
marked so. For xpnet on NumPy, :func:`traced_peak_during` also gives the peak of NumPy array
memory allocated during the call (NumPy reports its data buffers to ``tracemalloc``): the
step's own working set, free of the interpreter and the libraries.
"""

from __future__ import annotations

import resource
import sys
import tracemalloc
from typing import Callable


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


def host_peak_during(fn: Callable[[], None]) -> dict:
    """Run ``fn`` once; ``{'peak_rss_bytes', 'rss_before_bytes', 'peak_rss_source'}``."""
    before = _status_kib("VmRSS")
    exact = _reset_peak()
    fn()
    peak = _status_kib("VmHWM") if exact else None
    if peak is None:
        scale = 1 if sys.platform == "darwin" else 1024  # macOS reports bytes, Linux KiB
        return {"peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale,
                "rss_before_bytes": None, "peak_rss_source": "ru_maxrss (process lifetime)"}
    return {"peak_rss_bytes": peak * 1024, "rss_before_bytes": None if before is None else before * 1024,
            "peak_rss_source": "VmHWM reset by clear_refs (this call)"}


def traced_peak_during(fn: Callable[[], None]) -> int:
    """Peak bytes traced by ``tracemalloc`` above the level before ``fn`` (one call)."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before
