"""Host threads for the NumPy fast paths: split one array operation over the CPU's cores.

NumPy runs every elementwise operation, gather and strided add on one core, while torch and
OpenBLAS use them all; on a 2-core machine that halves xpnet's speed wherever a train step is
not a matrix product (ReLU, pooling, the im2col copy, col2im, the Adam update). NumPy releases
the GIL inside those loops, so a plain thread pool can run disjoint slices of one operation at
the same time: on two cores a large ``maximum`` takes about half the time (figures in
docs/performance.md, "Figures moved out of docstrings").

Only disjoint *elementwise* work is split (each output element is written by exactly one
thread, in the same operation order as the serial code), never a reduction, so results are
bit-identical to one thread; the tests hold every split kernel equal to its portable twin.

``XPNET_NUM_THREADS`` sets the thread count (default: ``OMP_NUM_THREADS``, else the CPUs this
process may run on); ``1`` turns splitting off. Work smaller than `MIN_ITEMS` elements per
thread runs serially, where handing it to a thread would cost more than it saves (a hand-off
has a fixed cost).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

#: Below this many elements per thread an operation is not split.
MIN_ITEMS = 1 << 15

_lock = threading.Lock()
_pool: dict = {"executor": None, "pid": None, "threads": None}
_inside = threading.local()  # set in pool workers: nested splits run serially (no deadlock)


def num_threads() -> int:
    """Threads a split operation uses.

    ``XPNET_NUM_THREADS`` if set; else ``OMP_NUM_THREADS`` (the convention torch and the BLAS
    libraries follow, and what Dask workers, ``xpnet search`` workers and MPI ranks are given
    to share the cores); else the CPUs this process may run on.
    """
    raw = os.environ.get("XPNET_NUM_THREADS", "").strip()
    if raw:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"XPNET_NUM_THREADS must be a positive integer, got {raw!r}") from None
        if value < 1:
            raise ValueError(f"XPNET_NUM_THREADS must be a positive integer, got {raw!r}")
        return value
    omp = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()  # "4,2": the outer level
    if omp.isdigit() and int(omp) >= 1:
        return int(omp)
    return _cpus()


def _cpus() -> int:
    """CPUs this process may run on, asked once per process (a system call otherwise)."""
    if _pool.get("cpus_pid") != os.getpid():
        try:
            count = len(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            count = os.cpu_count() or 1
        _pool.update(cpus=max(1, count), cpus_pid=os.getpid())
    return _pool["cpus"]


def chunks(n: int, items_per_index: int = 1, min_items: int = MIN_ITEMS) -> list[tuple[int, int]]:
    """Split ``range(n)`` into contiguous ``(start, stop)`` parts, one per thread worth using.

    ``items_per_index`` is the number of array elements one index stands for (e.g. one image
    of a batch), so tiny work stays in one part. ``min_items`` is the least work per part: a
    part made of many short operations (the Adam step: a dozen per element) pays a GIL hand-off
    per operation, and needs more work to gain from a second thread than one long operation.
    """
    if n <= 0:
        return [(0, max(n, 0))]
    if n * items_per_index < 2 * min_items or getattr(_inside, "active", False):
        return [(0, n)]  # decided without reading the environment: most calls of a small net
    parts = min(num_threads(), n, (n * items_per_index) // min_items)
    if parts <= 1:
        return [(0, n)]
    bounds = [n * i // parts for i in range(parts + 1)]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def parallel_for(fn, n: int, items_per_index: int = 1, min_items: int = MIN_ITEMS) -> None:
    """Call ``fn(start, stop)`` over `chunks` of ``range(n)``, the parts at the same time."""
    run_parts(fn, chunks(n, items_per_index, min_items))


def run_parts(fn, parts) -> None:
    """Call ``fn(start, stop)`` for every part, all at once on the shared pool.

    The calling thread runs the last part itself; the first exception raised by any part is
    re-raised here after every part has finished (so no part still writes afterwards).
    """
    if len(parts) == 1:
        fn(*parts[0])
        return
    executor = _executor(len(parts) - 1)
    futures = [executor.submit(_run_inside, fn, a, b) for a, b in parts[:-1]]
    error = None
    try:
        fn(*parts[-1])
    except BaseException as exc:  # noqa: BLE001 - re-raised below, after the workers finish
        error = exc
    for future in futures:
        try:
            future.result()
        except BaseException as exc:  # noqa: BLE001
            error = error or exc
    if error is not None:
        raise error


def _run_inside(fn, a: int, b: int) -> None:
    _inside.active = True
    try:
        fn(a, b)
    finally:
        _inside.active = False


def _executor(workers: int) -> ThreadPoolExecutor:
    """The shared pool, (re)made after a fork (a child inherits no threads) or when it is too small."""
    with _lock:
        pool = _pool["executor"]
        if pool is None or _pool["pid"] != os.getpid() or _pool["threads"] < workers:
            if pool is not None and _pool["pid"] == os.getpid():
                pool.shutdown(wait=False)
            pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="xpnet")
            _pool.update(executor=pool, pid=os.getpid(), threads=workers)
        return pool
