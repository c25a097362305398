"""Random search on a real Dask cluster (a LocalCluster of 2 worker processes on 127.0.0.1).

The cluster must give the process pool's trials, keep every finished trial when a worker dies,
record a trial that keeps killing its workers as failed (KilledWorker), and resume.
"""

from __future__ import annotations

import concurrent.futures as cf
import faulthandler
import functools
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import dask
import pytest

from xpnet.cli import main
from xpnet.experiments.search import hyperparameter_search, rerun_trial
from xpnet.training.executors import check_scheduler, dask_client, import_distributed
from xpnet.training.search import random_search, read_results, run_trial

SPACE = {"lr": (1e-6, 1e-2), "weight_decay": (1e-8, 1e-4)}
VICTIM = 5  # the trial that kills its worker


@pytest.fixture(autouse=True)
def watchdog():
    """A hung search must fail the run, not stall it: dump every stack and exit after 90 s."""
    faulthandler.dump_traceback_later(90, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="module")
def client():
    """One cluster for the module (starting one takes seconds). ``allowed-failures: 1``: Dask
    retries a trial whose worker died once, and fails it with KilledWorker the second time.

    One BLAS thread in every trial process, cluster workers and pool workers alike: float32
    GEMMs round differently with another thread count (the search sets the same share for both;
    here the pool would get cores // 2 and the cluster Dask's 1)."""
    with pytest.MonkeyPatch.context() as env:
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setenv(name, "1")
        with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
            with dask_client("local", 2, timeout=30) as c:
                c.wait_for_workers(2, timeout=30)
                yield c


def objective(config, *, log=None, marker=None, always=False, results=None):
    """Deterministic stand-in for a training run; fails (NaN) above lr = 5e-3.

    ``log``: append the trial number when it starts. ``marker``: trial VICTIM kills its worker
    process the first time (a marker file says it already did), or every time with ``always``,
    once the trials before it are in the ``results`` file (so the death comes mid-search).
    """
    if log is not None:
        with open(log, "a") as fh:
            fh.write(f"{config['trial']}\n")
    if marker is not None and config["trial"] == VICTIM and (always or not Path(marker).exists()):
        deadline = time.monotonic() + 20
        while ({r["trial"] for r in read_results(results)} < set(range(VICTIM))
               and time.monotonic() < deadline):
            time.sleep(0.02)
        Path(marker).touch()
        os._exit(1)
    if config["lr"] > 5e-3:
        raise FloatingPointError("loss became nan at iteration 3")
    score = 1.0 - abs(math.log10(config["lr"]) + 4) / 10 + config["seed"] * 1e-12
    return {"val_acc": [score / 2, score]}


def _runs(log: Path) -> list[int]:
    return sorted(int(x) for x in log.read_text().split())


def _strip(results):
    return [{k: v for k, v in r.items() if k != "traceback"} for r in results]


def test_cluster_gives_the_process_pool_results(client, tmp_path):
    pool = random_search(objective, SPACE, 10, seed=2, workers=2)
    cluster = random_search(objective, SPACE, 10, seed=2, executor=client, results_path=tmp_path / "r.jsonl")
    assert {r["status"] for r in pool} == {"ok", "failed"}  # both kinds of outcome compared
    assert _strip(cluster) == _strip(pool)
    assert sorted(_strip(read_results(tmp_path / "r.jsonl")), key=lambda r: r["trial"]) == _strip(pool)


def test_a_dead_worker_loses_no_finished_trial(client, tmp_path):
    path, log = tmp_path / "r.jsonl", tmp_path / "runs.txt"
    fn = functools.partial(objective, log=log, marker=tmp_path / "died", results=path)
    results = random_search(fn, SPACE, 10, seed=3, executor=client, results_path=path)
    assert (tmp_path / "died").exists()
    assert [r["trial"] for r in results] == list(range(10))
    assert results[VICTIM]["status"] == "ok"  # Dask ran it again on a live worker
    runs = _runs(log)
    assert runs.count(VICTIM) == 2 and sorted(set(runs)) == list(range(10))
    assert len(runs) == 11  # every other trial ran once: none finished twice
    assert sorted(r["trial"] for r in read_results(path)) == list(range(10))


def test_a_trial_that_keeps_killing_workers_is_recorded_as_failed(client, tmp_path):
    path, log = tmp_path / "r.jsonl", tmp_path / "runs.txt"
    fn = functools.partial(objective, log=log, marker=tmp_path / "died", always=True, results=path)
    results = random_search(fn, SPACE, 10, seed=3, executor=client, results_path=path)
    victim = results[VICTIM]
    assert victim["status"] == "failed" and victim["error"].startswith("worker lost: KilledWorker")
    assert _runs(log).count(VICTIM) == 2  # allowed-failures 1: one retry, then failed
    others = [r for r in results if r["trial"] != VICTIM]
    assert len(others) == 9 and all(r["status"] == "ok" or "nan" in r["error"] for r in others)
    assert sorted(r["trial"] for r in read_results(path)) == list(range(10))


def test_an_interrupted_cluster_search_resumes_without_redoing_finished_trials(client, tmp_path):
    path, log = tmp_path / "r.jsonl", tmp_path / "runs.txt"
    fn = functools.partial(objective, log=log)

    def interrupt(result, seen=[]):
        seen.append(result)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        random_search(fn, SPACE, 10, seed=4, executor=client, results_path=path, on_result=interrupt)
    finished = {r["trial"] for r in read_results(path)}
    assert len(finished) == 3
    log.write_text("")
    resumed = random_search(fn, SPACE, 10, seed=4, executor=client, results_path=path)
    assert set(_runs(log)) == set(range(10)) - finished
    assert _strip(resumed) == _strip(random_search(objective, SPACE, 10, seed=4))


def test_any_recorded_trial_reruns_alone_to_the_same_result(client, tmp_path):
    random_search(objective, SPACE, 6, seed=5, executor=client, results_path=tmp_path / "r.jsonl")
    for record in read_results(tmp_path / "r.jsonl"):
        again = run_trial(objective, record, SPACE)
        assert _strip([again]) == _strip([record])
    with pytest.raises(ValueError, match="weight_decay"):
        run_trial(objective, {"trial": 0, "seed": 1, "lr": 1e-3}, SPACE)


def test_a_training_search_on_the_cluster_matches_the_pool_and_any_trial_reruns_alone(client, tmp_path):
    tiny = dict(trials=4, samples=100, epochs=2, batch_size=50, data="embedded", seed=3)
    pool = hyperparameter_search(workers=2, **tiny)
    path = tmp_path / "r.jsonl"
    cluster = hyperparameter_search(scheduler=client.scheduler.address, results_path=path, **tiny)
    assert cluster["settings"]["scheduler"].startswith("tcp://127.0.0.1:")
    assert len({tuple(t["train_acc"]) for t in pool["trials"]}) > 1  # the trials differ: a real comparison
    assert cluster["trials"] == pool["trials"]
    record = read_results(path)[2]
    assert rerun_trial(record)["train_acc"] == record["train_acc"]


@pytest.mark.parametrize("bad", ["cluster", "tcp//host", "", None])
def test_bad_scheduler_names_are_rejected(bad):
    with pytest.raises(ValueError, match="scheduler must be"):
        check_scheduler(bad)


def test_the_cli_rejects_a_bad_scheduler_as_a_usage_error(capsys):
    assert main(["hyperparameter-search", "--scheduler", "cluster"]) == 2
    assert "--scheduler: scheduler must be 'pool', 'local'" in capsys.readouterr().err


def test_dask_is_imported_only_when_asked_for():
    code = ("import sys, xpnet, xpnet.cli, xpnet.experiments, xpnet.training.search; "
            "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_a_missing_dask_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # what `import distributed` sees without dask
    with pytest.raises(ImportError, match=r'pip install "xpnet\[dask\]"'):
        import_distributed()


class _CancelsTrial2(cf.Executor):
    """Runs trials at once, except trial 2, whose future is cancelled (a client that lost its cluster)."""

    def submit(self, fn, config):
        fut = cf.Future()
        if config["trial"] == 2:
            fut.cancel()
            fut.set_running_or_notify_cancel()  # as an executor does on dequeuing a cancelled item
        else:
            fut.set_result(fn(config))
        return fut


def test_a_cancelled_trial_is_not_recorded_as_run_and_resume_runs_it(tmp_path):
    path = tmp_path / "r.jsonl"
    with pytest.raises(ConnectionError, match=r"trials \[2\] were cancelled"):
        random_search(objective, SPACE, 5, seed=6, executor=_CancelsTrial2(), results_path=path)
    assert sorted(r["trial"] for r in read_results(path)) == [0, 1, 3, 4]
    log = tmp_path / "runs.txt"
    resumed = random_search(functools.partial(objective, log=log), SPACE, 5, seed=6, results_path=path)
    assert _runs(log) == [2] and [r["trial"] for r in resumed] == list(range(5))
