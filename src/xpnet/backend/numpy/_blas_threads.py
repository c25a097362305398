"""Let NumPy's OpenBLAS worker threads sleep as soon as a matrix product is done.

OpenBLAS keeps its worker threads busy-waiting for the next job for ``2**28`` cycles (about
0.1 s) after every threaded GEMM. In a train step a GEMM is followed at once by elementwise
work (bias, ReLU, pooling, im2col, the Adam update), which xpnet splits over the CPU's cores
(`xpnet.backend.numpy._threads`): the spinning BLAS threads then hold those cores, and a split
max-pooling becomes slower than not splitting at all (figures in docs/performance.md, "Figures
moved out of docstrings"). The same spinning slows any torch code sharing the process.

OpenBLAS reads ``OPENBLAS_THREAD_TIMEOUT`` (the spin as a power of two of cycles, 4..30) when
its thread pool starts. This module sets it to `TIMEOUT` and restarts the pool through
OpenBLAS's own entry points (``openblas_read_env``, then ``blas_thread_shutdown_``, which
OpenBLAS itself calls before a fork; the next BLAS call starts fresh threads). Results are
unchanged: only how idle threads wait; the train-step gains are measured in docs/performance.md
("xpnet's CPU tunings, each off vs on").

NumPy's OpenBLAS is found by threadpoolctl (it knows every build's file and symbol names, e.g.
scipy-openblas's ``scipy_openblas_*64_``), then this module looks up the entry points it needs
under the same prefix and suffix. On by default where the build exports them (NumPy 2.4's
wheels do; NumPy 2.5's scipy-openblas 0.3.34 exports no ``openblas_read_env`` and no
``blas_thread_shutdown_``, and there `blas_tuning_status` says so: the idle threads
spin as OpenBLAS's default, unless ``OPENBLAS_THREAD_TIMEOUT=4`` is set before NumPy is
imported). Applied once, lazily, when xpnet's NumPy ops are first made, never at import. The
restart must not race a BLAS call running in another thread: a program that starts threads
doing NumPy linear algebra before it first computes with xpnet should call
``xpnet.backend.get_ops(numpy.zeros(1))`` first or set ``XPNET_BLAS_TUNING=0`` (or
``OPENBLAS_THREAD_TIMEOUT`` itself, before NumPy is imported).
Switched off with ``XPNET_BLAS_TUNING=0``; a user's own ``OPENBLAS_THREAD_TIMEOUT`` wins (nothing is changed).
"""

from __future__ import annotations

import ctypes
import functools
import os

from ._switches import switched_off

#: OpenBLAS's minimum: worker threads wait ``2**4`` cycles, then sleep until the next job.
TIMEOUT = 4
_ENV = "OPENBLAS_THREAD_TIMEOUT"

_status: dict = {"applied": None, "reason": "not yet requested", "library": None}


def blas_tuning_status() -> dict:
    """``{'applied': bool | None, 'reason': str, 'library': path | None, 'timeout': int}``."""
    return {**_status, "timeout": TIMEOUT}


def tune_blas_threads(force: bool = False) -> bool:
    """Apply `TIMEOUT` to NumPy's OpenBLAS once; returns whether it is in effect."""
    if _status["applied"] is not None and not force:
        return bool(_status["applied"])
    if switched_off("XPNET_BLAS_TUNING"):
        return _record(False, "switched off by XPNET_BLAS_TUNING")
    if os.environ.get(_ENV, "").strip() and os.environ.get(_ENV) != str(TIMEOUT):
        return _record(False, f"left to the user's {_ENV}={os.environ[_ENV]}")
    lib, reason = openblas()
    if lib is None:
        return _record(False, reason)
    path = lib.filepath
    read_env, shutdown = symbol(lib, "openblas_read_env"), symbol(lib, "blas_thread_shutdown_")
    timeout = symbol(lib, "openblas_thread_timeout")
    if read_env is None or shutdown is None or timeout is None:
        missing = [n for n, f in (("openblas_read_env", read_env), ("blas_thread_shutdown_", shutdown),
                                  ("openblas_thread_timeout", timeout)) if f is None]
        return _record(False, f"{describe(lib)} exports no {', '.join(missing)}: its idle threads spin "
                       f"for OpenBLAS's default time (set {_ENV}={TIMEOUT} before NumPy is imported)", path)
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


@functools.lru_cache(maxsize=1)
def openblas():
    """``(controller, '')``: NumPy's OpenBLAS as threadpoolctl finds it (``.dynlib`` the ctypes
    handle, ``.filepath``, ``.version``), or ``(None, reason)``."""
    import numpy  # noqa: F401 - make sure NumPy (and its BLAS) is loaded

    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None, "threadpoolctl is not installed"
    found = [c for c in ThreadpoolController().lib_controllers if c.internal_api == "openblas"]
    if not found:
        return None, "NumPy's BLAS is not an OpenBLAS (threadpoolctl found none loaded)"
    found.sort(key=lambda c: ("numpy" not in c.filepath, c.filepath))  # NumPy's own copy first
    return found[0], ""


def symbol(lib, name: str):
    """``name`` in ``lib``'s OpenBLAS under the build's symbol prefix and suffix (scipy-openblas
    renames ``openblas_x`` to ``scipy_openblas_x64_``), as a ctypes function, or None."""
    prefix, suffix = getattr(lib, "_symbol_prefix", ""), getattr(lib, "_symbol_suffix", "")
    for candidate in dict.fromkeys((f"{prefix}{name}{suffix}", f"{prefix}{name}", name)):
        fn = getattr(lib.dynlib, candidate, None)
        if fn is not None:
            return fn
    return None


def describe(lib) -> str:
    """"NumPy's OpenBLAS <version> (<file name>)", for a status's reason."""
    return f"NumPy's OpenBLAS {lib.version} ({os.path.basename(lib.filepath)})"


def _loaded_openblas() -> str | None:
    """Path of the OpenBLAS shared library NumPy loaded, or None."""
    lib, _ = openblas()
    return None if lib is None else lib.filepath


def _record(applied: bool, reason: str, library: str | None = None) -> bool:
    _status.update(applied=applied, reason=reason, library=library)
    return applied
