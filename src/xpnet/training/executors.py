"""Where search trials run: in this process, a process pool, or a Dask cluster.

`completed` gives `random_search` the same loop whatever
runs the trials. A ``dask.distributed.Client`` gets all trials in one
``client.map(..., pure=False)``: each trial
is one task with its own key (never deduplicated or cached), results come back through
``distributed.as_completed`` as they finish, and the driver, not the workers, appends them to the
results file, so workers need no shared filesystem.

A worker that dies mid-trial (killed, out of memory, a segfault) is Dask's to handle: the
scheduler reruns the trial elsewhere, up to ``distributed.scheduler.allowed-failures`` times (3
by default), and then fails it with ``KilledWorker``, which the search records as the trial's
failure. Every worker that dies while holding a task counts against that task, so the local
cluster sends each single-threaded worker one trial at a time (``worker-saturation: 1.0``; the
scheduler queues a group this way once it has more than two tasks per worker thread): a
crashing trial then blames only itself. Configure an existing cluster's scheduler the same way.

Dask is optional (``pip install "xpnet[dask]"``) and imported only when asked for.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import re
import sys
from typing import Callable, Iterator, Sequence

POOL, LOCAL = "pool", "local"
_ADDRESS = re.compile(r"^([a-z][a-z0-9+.-]*://.+|[^\s:/]+:\d+)$")


def is_dask_client(obj) -> bool:
    """Whether ``obj`` is a ``dask.distributed.Client`` (without importing Dask)."""
    distributed = sys.modules.get("distributed")
    return distributed is not None and isinstance(obj, distributed.Client)


def check_scheduler(scheduler: str) -> str:
    """``'pool'``, ``'local'`` or a scheduler address (``tcp://host:8786``); ValueError otherwise."""
    if not isinstance(scheduler, str) or not (scheduler in (POOL, LOCAL) or _ADDRESS.match(scheduler)):
        raise ValueError(f"scheduler must be 'pool', 'local' or a Dask scheduler address such as "
                         f"'tcp://host:8786', got {scheduler!r}")
    return scheduler


def import_distributed():
    """``distributed``, or an ImportError that says how to install it."""
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(f"running trials on a Dask cluster needs dask.distributed ({exc}); "
                          'install it with: pip install "xpnet[dask]"') from None
    return distributed


#: seconds a Dask client waits for its scheduler: an address where nothing answers fails this soon
#: (Dask's own default is 30 s, retried); a slow cluster takes a larger ``timeout``
CONNECT_TIMEOUT = 10.0


def check_timeout(timeout) -> float:
    """A positive finite number of seconds; ValueError naming it otherwise."""
    try:
        value = float(timeout)
    except (TypeError, ValueError):
        value = float("nan")
    if isinstance(timeout, bool) or not 0.0 < value < float("inf"):
        raise ValueError(f"connect_timeout must be a positive number of seconds, got {timeout!r}")
    return value


@contextlib.contextmanager
def dask_client(scheduler: str, workers: int = 1, *, timeout: float = CONNECT_TIMEOUT) -> Iterator:
    """A Client of a new ``LocalCluster`` (``'local'``) or of the cluster at a scheduler address.

    ``timeout``: seconds to wait for the scheduler (`CONNECT_TIMEOUT` by default); an
    address where nothing answers raises OSError naming it after that long.

    The local cluster runs ``workers`` single-threaded worker processes on 127.0.0.1, without a
    dashboard; it is closed on exit. An existing cluster is only disconnected from.

    Worker processes get the BLAS thread counts (``OMP_NUM_THREADS``...) set in this process's
    environment, else Dask's 1: the same as a spawned process pool under the same environment.
    Float32 results are bit-identical only between processes with the same BLAS thread count.
    """
    if check_scheduler(scheduler) == POOL:
        raise ValueError("scheduler 'pool' runs trials in a process pool, not on a Dask cluster")
    timeout = check_timeout(timeout)
    distributed = import_distributed()
    import dask

    if scheduler != LOCAL:
        try:
            client = distributed.Client(scheduler, timeout=timeout)
        except OSError as exc:  # Dask: "Timed out trying to connect to ... after 10 s"
            raise OSError(f"no Dask scheduler answered at {scheduler} within {timeout:g} s ({exc}); "
                          "check the address, or give a slow cluster more time with a larger "
                          "connect timeout (--connect-timeout)") from None
        with client:
            yield client
        return
    saved = dict(os.environ)  # Dask's nannies write their pre-spawn variables (OMP_NUM_THREADS=1...) here
    try:
        with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):
            # No dashboard; the scheduler's small HTTP server (health, metrics) still starts, and would
            # take port 8787, or warn and move when another cluster holds it: a free port on 127.0.0.1.
            cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                               host="127.0.0.1", dashboard_address=None,
                                               scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
        with cluster, distributed.Client(cluster, timeout=timeout) as client:
            yield client
    finally:
        for name in set(os.environ) - set(saved):
            del os.environ[name]
        os.environ.update(saved)


@contextlib.contextmanager
def trial_executor(scheduler: str = POOL, workers: int = 1, *, timeout: float = CONNECT_TIMEOUT) -> Iterator:
    """What `random_search` takes as ``executor`` for ``scheduler``.

    None for ``'pool'`` (the search then uses ``workers`` processes, or this one), else a
    Dask client, open for the duration of the block (``timeout``: see `dask_client`).
    """
    if check_scheduler(scheduler) == POOL:
        yield None
        return
    with dask_client(scheduler, workers, timeout=timeout) as client:
        yield client


@contextlib.contextmanager
def completed(fn: Callable, items: Sequence, executor=None, workers: int = 1) -> Iterator[Iterator[tuple]]:
    """Submit ``fn(item)`` for every item; iterate ``(item, future)`` in the order they finish.

    ``executor`` None: a ``spawn`` process pool of ``workers``, shut down on exit. A Dask client:
    all items go to the scheduler in one ``client.map`` (so it sees the whole group at once and
    queues it, rather than piling tasks onto workers); each result is released once used, and on
    exit (an interrupt included) the tasks still queued or running on the cluster are cancelled.
    Any other ``concurrent.futures`` executor is used as is and left open. Each future has
    ``result()`` and ``cancelled()``.
    """
    if is_dask_client(executor):
        futures = executor.map(fn, list(items), pure=False)
        pending = {f.key: (item, f) for item, f in zip(items, futures)}
        try:
            yield _released_after_use(import_distributed().as_completed(futures), pending)
        finally:
            executor.cancel([f for _, f in pending.values()])
        return
    pool = executor or cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = {pool.submit(fn, item): item for item in items}
        yield ((futures[f], f) for f in cf.as_completed(futures))
    finally:
        if executor is None:
            pool.shutdown(wait=True, cancel_futures=True)


def _released_after_use(finished, pending: dict) -> Iterator[tuple]:
    """Yield ``(item, future)``, then release the future: its result leaves the worker's memory,
    so a worker lost later does not make Dask recompute an already recorded trial."""
    for fut in finished:
        yield pending[fut.key]
        del pending[fut.key]
        fut.release()
