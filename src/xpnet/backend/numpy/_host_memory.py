"""Keep freed host memory in the process instead of returning it to the OS on every free.

glibc serves allocations above ``M_MMAP_THRESHOLD`` (128 KiB until its dynamic threshold adapts)
with fresh ``mmap`` pages and trims the heap top above ``M_TRIM_THRESHOLD``. NumPy's large
temporaries in a training step (activations, im2col columns, gradients) are then unmapped on free
and page-faulted in again on the next allocation: a measurable share of a CPU train step. Raising
the thresholds keeps those pages in the heap for reuse.

On by default on Linux/glibc (the settings only change *when* memory goes back to the OS, never
what a program computes); switched off with ``XPNET_MALLOC_TUNING=0``. Applied once, lazily, the
first time xpnet's NumPy ops are made: never at import. Environment variables ``MALLOC_MMAP_THRESHOLD_``
etc. set by the user win: then nothing is changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

from ._switches import switched_off

# mallopt parameter numbers from glibc's <malloc.h>
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3

#: Values applied: mmap threshold at glibc's 64-bit maximum (32 MiB), trimming only above 512 MiB,
#: and 64 MiB of padding when the heap grows.
SETTINGS = {"M_MMAP_THRESHOLD": 32 * 2**20, "M_TRIM_THRESHOLD": 512 * 2**20, "M_TOP_PAD": 64 * 2**20}
_NUMBERS = {"M_MMAP_THRESHOLD": _M_MMAP_THRESHOLD, "M_TRIM_THRESHOLD": _M_TRIM_THRESHOLD,
            "M_TOP_PAD": _M_TOP_PAD}

_status: dict = {"applied": None, "reason": "not yet requested"}


def malloc_tuning_status() -> dict:
    """``{'applied': bool | None, 'reason': str, 'settings': {...}}`` for reports and benchmarks."""
    return {**_status, "settings": dict(SETTINGS)}


def tune_host_malloc(force: bool = False) -> bool:
    """Apply `SETTINGS` through ``mallopt`` once; returns whether they are in effect."""
    if _status["applied"] is not None and not force:
        return bool(_status["applied"])
    if switched_off("XPNET_MALLOC_TUNING"):
        return _record(False, "switched off by XPNET_MALLOC_TUNING")
    if not sys.platform.startswith("linux"):
        return _record(False, f"not Linux ({sys.platform})")
    user_set = [k for k in os.environ if k.startswith("MALLOC_") and k.endswith("_")]
    if user_set:
        return _record(False, f"left to the user's {', '.join(sorted(user_set))}")
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return _record(False, "no glibc mallopt (musl or another libc)")
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    failed = [name for name, value in SETTINGS.items() if mallopt(_NUMBERS[name], value) != 1]
    if failed:
        return _record(False, f"mallopt refused {', '.join(failed)}")
    return _record(True, "glibc mallopt applied")


def _record(applied: bool, reason: str) -> bool:
    _status.update(applied=applied, reason=reason)
    return applied
