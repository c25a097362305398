"""Small matrix products on one BLAS thread: no wake-up of OpenBLAS's sleeping workers.

A product of a few tens of MFLOP (an MLP layer at batch 128: 2·128·784·100 = 20 MFLOP) takes
tens of microseconds on one core; splitting it over OpenBLAS's threads first wakes them (they
sleep after each product, :mod:`xpnet.backend._blas_threads`), and when another process holds a
core the split product waits for it. :func:`small_matmul` runs products below
:data:`SMALL_FLOPS` with OpenBLAS's thread-local thread count set to 1
(``openblas_set_num_threads_local``, OpenBLAS 0.3.27 and newer; elsewhere a plain ``@``). The
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


def _local_threads_setter():
    """OpenBLAS's ``openblas_set_num_threads_local`` as a ctypes function, or None."""
    with _lock:
        if not _setter:
            fn = None
            if not switched_off("XPNET_SMALL_GEMM_ONE_THREAD"):
                from ._blas_threads import _loaded_openblas

                path = _loaded_openblas()
                try:
                    fn = ctypes.CDLL(path).openblas_set_num_threads_local if path else None
                except (OSError, AttributeError):
                    fn = None
                if fn is not None:
                    fn.restype, fn.argtypes = ctypes.c_int, [ctypes.c_int]
            _setter.append(fn)
        return _setter[0]


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
    """:func:`~xpnet.backend._threads.run_parts` with every part's products on one BLAS thread
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

    The setter is called directly, not through :func:`one_blas_thread`: the context manager's
    own cost was about 3 µs of a 2.6-MFLOP product's 36 (docs/performance.md)."""
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
