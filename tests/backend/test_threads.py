"""The host thread split: how work is cut, when it is not, and that errors are never lost."""

import os
import threading
import time

import numpy as np
import pytest

from xpnet.backend.numpy import _threads
from xpnet.backend.numpy._threads import MIN_ITEMS, chunks, num_threads, parallel_for


def test_thread_count_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.setenv("XPNET_NUM_THREADS", "3")
    assert num_threads() == 3
    monkeypatch.delenv("XPNET_NUM_THREADS")
    assert num_threads() == 2  # the share a Dask worker or MPI rank was given
    monkeypatch.setenv("OMP_NUM_THREADS", "4,1")
    assert num_threads() == 4
    monkeypatch.delenv("OMP_NUM_THREADS")
    cpus = num_threads()
    assert cpus >= 1
    monkeypatch.setenv("OMP_NUM_THREADS", "lots")  # not ours to reject: ignored
    assert num_threads() == cpus


@pytest.mark.parametrize("raw", ["0", "-2", "two", "1.5"])
def test_bad_thread_count_names_the_value(monkeypatch, raw):
    monkeypatch.setenv("XPNET_NUM_THREADS", raw)
    with pytest.raises(ValueError, match=f"XPNET_NUM_THREADS must be a positive integer, got '{raw}'"):
        num_threads()


def test_chunks_cover_the_range_once_in_order(monkeypatch):
    monkeypatch.setenv("XPNET_NUM_THREADS", "3")
    parts = chunks(100, MIN_ITEMS)
    assert parts == [(0, 33), (33, 66), (66, 100)]
    assert chunks(2, MIN_ITEMS) == [(0, 1), (1, 2)]  # never more parts than indices


def test_small_work_and_one_thread_are_not_split(monkeypatch):
    monkeypatch.setenv("XPNET_NUM_THREADS", "4")
    assert chunks(100, 10) == [(0, 100)]  # 1,000 elements: a hand-off costs more than it saves
    assert chunks(4, MIN_ITEMS // 2) == [(0, 2), (2, 4)]  # 2 threads' worth of work, not 4
    monkeypatch.setenv("XPNET_NUM_THREADS", "1")
    assert chunks(100, MIN_ITEMS) == [(0, 100)]
    assert chunks(0, MIN_ITEMS) == [(0, 0)]


def test_work_of_many_short_operations_needs_more_items_per_part(monkeypatch):
    """``min_items``: the Adam step splits 120k parameters into no parts (one thread was faster),
    370k into two."""
    from xpnet.backend.numpy._fast_adam import ADAM_MIN_ITEMS

    monkeypatch.setenv("XPNET_NUM_THREADS", "2")
    assert len(chunks(120_000)) == 2
    assert chunks(120_000, min_items=ADAM_MIN_ITEMS) == [(0, 120_000)]
    assert chunks(370_000, min_items=ADAM_MIN_ITEMS) == [(0, 185_000), (185_000, 370_000)]


def test_parts_run_at_the_same_time_on_different_threads(monkeypatch):
    monkeypatch.setenv("XPNET_NUM_THREADS", "2")
    seen, barrier = {}, threading.Barrier(2, timeout=10)

    def part(a, b):
        seen[(a, b)] = threading.get_ident()
        barrier.wait()  # deadlocks (times out) unless both parts run concurrently

    parallel_for(part, 2, MIN_ITEMS)
    assert sorted(seen) == [(0, 1), (1, 2)] and len(set(seen.values())) == 2


def test_a_failing_part_raises_after_every_part_has_finished(monkeypatch):
    monkeypatch.setenv("XPNET_NUM_THREADS", "2")
    finished = []

    def part(a, b):
        if a == 0:
            raise ValueError("part 0 failed")
        time.sleep(0.05)
        finished.append(a)

    with pytest.raises(ValueError, match="part 0 failed"):
        parallel_for(part, 2, MIN_ITEMS)
    assert finished == [1]  # the other part was not abandoned mid-write


def test_nested_splits_run_serially_instead_of_deadlocking(monkeypatch):
    monkeypatch.setenv("XPNET_NUM_THREADS", "2")
    inner = []

    def part(a, b):
        inner.append(chunks(8, MIN_ITEMS))

    parallel_for(part, 2, MIN_ITEMS)
    assert [(0, 8)] in inner  # the part on a pool thread did not split again


def test_a_forked_child_gets_a_new_pool(monkeypatch):
    import multiprocessing

    monkeypatch.setenv("XPNET_NUM_THREADS", "2")
    parallel_for(lambda a, b: None, 2, MIN_ITEMS)  # the parent's pool exists
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:  # a child reusing the parent's thread-less pool would hang: time out
        assert pool.apply_async(_split_sum_in_child, ()).get(timeout=60) == 2 * 3.0 * MIN_ITEMS
    assert _threads._pool["pid"] == os.getpid()  # the parent keeps its own pool


def _split_sum_in_child():
    out = np.zeros(2 * MIN_ITEMS)
    parallel_for(lambda a, b: out.__setitem__(slice(a * MIN_ITEMS, b * MIN_ITEMS), 3.0), 2, MIN_ITEMS)
    return float(out.sum())
