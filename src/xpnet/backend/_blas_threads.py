"""Let NumPy's OpenBLAS worker threads sleep as soon as a matrix product is done.

OpenBLAS keeps its worker threads busy-waiting for the next job for ``2**28`` cycles (about
0.1 s) after every threaded GEMM. In a train step a GEMM is followed at once by elementwise
work (bias, ReLU, pooling, im2col, the Adam update), which xpnet splits over the CPU's cores
(:mod:`xpnet.backend._threads`): the spinning BLAS threads then hold those cores, and a split
max-pooling becomes slower than not splitting at all (figures in docs/performance.md, "Figures
moved out of docstrings"). The same spinning slows any torch code sharing the process.

OpenBLAS reads ``OPENBLAS_THREAD_TIMEOUT`` (the spin as a power of two of cycles, 4..30) when
its thread pool starts. This module sets it to :data:`TIMEOUT` and restarts the pool through
OpenBLAS's own entry points (``openblas_read_env``, then ``blas_thread_shutdown_``, which
OpenBLAS itself calls before a fork; the next BLAS call starts fresh threads). Results are
unchanged: only how idle threads wait; the train-step gains are measured in docs/performance.md
("xpnet's CPU tunings, each off vs on").

On by default when NumPy's OpenBLAS exposes those entry points (numpy's wheels do); applied
once, lazily, when xpnet's NumPy ops are first made (:func:`xpnet.backend.get_ops` on a NumPy
array), never at import. The restart must not race a BLAS call running in another thread: a
program that starts threads doing NumPy linear algebra before it first computes with xpnet should
call ``xpnet.backend.get_ops(numpy.zeros(1))`` first or set ``XPNET_BLAS_TUNING=0`` (or
``OPENBLAS_THREAD_TIMEOUT`` itself, before NumPy is imported).
Switched off with ``XPNET_BLAS_TUNING=0``; a user's own ``OPENBLAS_THREAD_TIMEOUT`` wins (nothing is changed).
"""

from __future__ import annotations

import ctypes
import os
import re
import sys

from ._switches import switched_off

#: OpenBLAS's minimum: worker threads wait ``2**4`` cycles, then sleep until the next job.
TIMEOUT = 4
_ENV = "OPENBLAS_THREAD_TIMEOUT"

_status: dict = {"applied": None, "reason": "not yet requested", "library": None}


def blas_tuning_status() -> dict:
    """``{'applied': bool | None, 'reason': str, 'library': path | None, 'timeout': int}``."""
    return {**_status, "timeout": TIMEOUT}


def tune_blas_threads(force: bool = False) -> bool:
    """Apply :data:`TIMEOUT` to NumPy's OpenBLAS once; returns whether it is in effect."""
    if _status["applied"] is not None and not force:
        return bool(_status["applied"])
    if switched_off("XPNET_BLAS_TUNING"):
        return _record(False, "switched off by XPNET_BLAS_TUNING")
    if os.environ.get(_ENV, "").strip() and os.environ.get(_ENV) != str(TIMEOUT):
        return _record(False, f"left to the user's {_ENV}={os.environ[_ENV]}")
    path = _loaded_openblas()
    if path is None:
        return _record(False, "NumPy's BLAS is not an OpenBLAS loaded from a file this process maps")
    try:
        lib = ctypes.CDLL(path)
        read_env, shutdown = lib.openblas_read_env, lib.blas_thread_shutdown_
        timeout = lib.openblas_thread_timeout
    except (OSError, AttributeError):
        return _record(False, "this OpenBLAS exports no openblas_read_env / blas_thread_shutdown_", path)
    read_env.restype, shutdown.restype, timeout.restype = None, ctypes.c_int, ctypes.c_int
    # OpenBLAS reads its settings only from the C environment: set the variable for that one read
    # and take it away again, so neither os.environ nor child processes see a change.
    os.putenv(_ENV, str(TIMEOUT))
    try:
        read_env()
    finally:
        os.unsetenv(_ENV)
    if timeout() != TIMEOUT:
        return _record(False, f"OpenBLAS kept thread timeout {timeout()}", path)
    shutdown()  # idle now; the next BLAS call starts threads with the new timeout
    return _record(True, f"OpenBLAS thread timeout 2**{TIMEOUT} cycles", path)


def _loaded_openblas() -> str | None:
    """Path of the OpenBLAS shared library NumPy loaded (Linux: from /proc/self/maps)."""
    import numpy  # noqa: F401 - make sure NumPy (and its BLAS) is loaded

    if not sys.platform.startswith("linux"):
        return None
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split(None, 5)[5].strip() for line in maps if len(line.split(None, 5)) == 6}
    except OSError:
        return None
    found = [p for p in paths if re.search(r"openblas[^/]*\.so", os.path.basename(p))]
    found.sort(key=lambda p: ("numpy" not in p, p))  # NumPy's own copy first
    return found[0] if found else None


def _record(applied: bool, reason: str, library: str | None = None) -> bool:
    _status.update(applied=applied, reason=reason, library=library)
    return applied
