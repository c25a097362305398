"""Small matrix products on one BLAS thread: no wake-up of OpenBLAS's sleeping workers.

A product of a few tens of MFLOP (an MLP layer at batch 128: 2·128·784·100 = 20 MFLOP) takes
tens of microseconds on one core; splitting it over OpenBLAS's threads first wakes them (they
sleep after each product, `xpnet.backend.numpy._blas_threads`), and when another process holds a
core the split product waits for it. `small_matmul` runs products below
`SMALL_FLOPS` with OpenBLAS's thread-local thread count set to 1
(``openblas_set_num_threads_local``, OpenBLAS 0.3.27 and newer, found through threadpoolctl
under the build's symbol names; NumPy 2.5's scipy-openblas 0.3.34 has only the process-wide
``openblas_set_num_threads``, used instead as `_process_wide_setter` says; with neither,
a plain ``@``, and `small_gemm_status` says why). The
result is the same product to float rounding (OpenBLAS splits the sums differently for one
thread than for two, as it does for any thread count). ``XPNET_SMALL_GEMM_ONE_THREAD=0`` switches
it off. Measurements are in docs/performance.md.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading

from ._switches import switched_off
from ._threads import run_parts

#: Products below this many floating-point operations (2·m·k·n) run on one BLAS thread.
SMALL_FLOPS = 3.2e7

_lock = threading.Lock()
_setter: list = []  # [function or None], looked up once
_status: dict = {"applied": None, "reason": "not yet requested", "library": None}


def _local_threads_setter():
    """OpenBLAS's ``openblas_set_num_threads_local`` as a ctypes function, or None."""
    with _lock:
        if not _setter:
            fn, reason, library = None, "switched off by XPNET_SMALL_GEMM_ONE_THREAD", None
            if not switched_off("XPNET_SMALL_GEMM_ONE_THREAD"):
                from ._blas_threads import describe, openblas, symbol

                lib, reason = openblas()
                if lib is not None:
                    library = lib.filepath
                    fn = symbol(lib, "openblas_set_num_threads_local")
                    reason = "per-call thread-local thread count"
                    if fn is not None:
                        fn.restype, fn.argtypes = ctypes.c_int, [ctypes.c_int]
                    else:
                        fn, reason = _process_wide_setter(lib, describe(lib), symbol)
            _status.update(applied=fn is not None, reason=reason, library=library)
            _setter.append(fn)
        return _setter[0]


def _process_wide_setter(lib, name: str, symbol):
    """``(setter, reason)`` for a build without a thread-local setter (NumPy 2.5's scipy-openblas
    0.3.34): ``openblas_set_num_threads``, which is process-wide, as a setter that returns the
    count the process had when it was looked up, so every restore goes back to that count
    whatever the order of two threads' calls (a product may then run on that count while another
    thread wanted 1: only speed, never values). A user's later ``threadpool_limits`` is undone
    by the next small product: set ``XPNET_SMALL_GEMM_ONE_THREAD=0`` to keep it."""
    set_threads = symbol(lib, "openblas_set_num_threads")
    get_threads = symbol(lib, "openblas_get_num_threads")
    if set_threads is None or get_threads is None:
        return None, (f"{name} exports neither openblas_set_num_threads_local nor a process-wide "
                      "setter: small products run on OpenBLAS's threads")
    set_threads.restype, set_threads.argtypes, get_threads.restype = None, [ctypes.c_int], ctypes.c_int
    default = int(get_threads())

    def setter(n: int) -> int:
        set_threads(n)
        return default

    return setter, (f"process-wide openblas_set_num_threads ({name} has no thread-local setter), "
                    f"restored to {default} threads after each small product")


def small_gemm_status() -> dict:
    """``{'applied': bool, 'reason': str, 'library': path | None}``: whether small products run on
    one BLAS thread, and why (not)."""
    _local_threads_setter()
    return dict(_status)


@contextlib.contextmanager
def one_blas_thread():
    """Products in this block, from the calling thread, run on one OpenBLAS thread; the count
    before is restored after."""
    setter = _local_threads_setter()
    if setter is None:
        yield
        return
    previous = setter(1)
    try:
        yield
    finally:
        setter(previous)


def run_parts_on_one_blas_thread(fn, parts) -> None:
    """`run_parts` with every part's products on one BLAS thread
    (the parts themselves share out the cores).

    scipy-openblas's "local" setter is in fact process-wide (seen on 0.3.31): parts that each set
    and restored it raced, and the process was left on one BLAS thread (every later product at
    half speed on two cores). So each part only sets 1, and the caller restores the count once,
    after every part has finished (where the setting is per thread, a pool thread runs only
    such parts)."""
    setter = _local_threads_setter()

    def part(a, b):
        if setter is not None:
            setter(1)
        fn(a, b)

    with one_blas_thread():
        run_parts(part, parts)


def small_matmul(a, b):
    """``a @ b`` for 2-D NumPy arrays, on one BLAS thread when the product is small.

    The setter is called directly, not through `one_blas_thread`, whose own cost is a
    sizeable share of a small product's (docs/performance.md)."""
    if 2.0 * a.shape[0] * a.shape[1] * b.shape[1] >= SMALL_FLOPS:
        return a @ b
    setter = _setter[0] if _setter else _local_threads_setter()
    if setter is None:
        return a @ b
    previous = setter(1)
    try:
        return a @ b
    finally:
        setter(previous)
