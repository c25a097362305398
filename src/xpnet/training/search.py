"""Random hyperparameter search (the book's §6.5), parallel and resumable.

Trials are drawn up front from ``seed`` (log-uniform per hyperparameter, as the book's
``10 ** np.random.uniform(-6, -2)``), so trial *i* has the same hyperparameters and its own
recorded seed however many workers run and in whatever order trials finish. Each finished trial
is appended to a JSON-lines results file at once (flushed and fsynced): an interrupted search
keeps its finished trials, and the next run with the same file skips them.

Hyperparameters are sampled on the host with NumPy's seeded generator: they are Python floats
handed to a trial, not device arrays, so the RNG shim is not involved.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import math
import multiprocessing
import os
import traceback
from pathlib import Path
from typing import Callable, Iterable, Mapping

import numpy as np


def sample_trials(space: Mapping[str, tuple[float, float]], n_trials: int, seed: int = 0) -> list[dict]:
    """``n_trials`` configs ``{'trial': i, 'seed': s, name: value, ...}``, log-uniform per name."""
    if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
        raise ValueError(f"n_trials must be a positive integer, got {n_trials!r}")
    for name, bounds in space.items():
        low, high = bounds
        if not (0 < low < high):
            raise ValueError(f"search range for {name!r} must satisfy 0 < low < high, got {bounds!r}")
    rng = np.random.default_rng(seed)
    trials = []
    for i in range(int(n_trials)):
        config = {"trial": i, "seed": int(rng.integers(0, 2**31 - 1))}
        for name, (low, high) in space.items():
            config[name] = float(10 ** rng.uniform(math.log10(low), math.log10(high)))
        trials.append(config)
    return trials


def _run_one(objective: Callable[[dict], dict], config: dict) -> dict:
    """Run one trial, turning an exception into a recorded failure (never a lost trial)."""
    try:
        metrics = objective(dict(config))
        return {**config, "status": "ok", **metrics}
    except Exception as exc:  # a NaN loss, a bad configuration...: record why
        return {**config, "status": "failed", "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(limit=5)}


def read_results(path: str | os.PathLike) -> list[dict]:
    """Finished trials recorded in a results file (a torn last line is ignored)."""
    path = Path(path)
    if not path.exists():
        return []
    results = []
    for line in path.read_text().splitlines():
        try:
            results.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # an interrupted append: that trial runs again
    return results


def _append(path: Path | None, result: dict) -> None:
    if path is None:
        return
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(result) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def random_search(objective: Callable[[dict], dict], space: Mapping[str, tuple[float, float]],
                  n_trials: int, *, seed: int = 0, workers: int = 1,
                  results_path: str | os.PathLike | None = None, executor: cf.Executor | None = None,
                  on_result: Callable[[dict], None] | None = None) -> list[dict]:
    """Run the trials not yet in ``results_path``; return all results, in trial order.

    Parameters
    ----------
    objective : picklable callable ``config -> metrics dict``
        ``config`` holds ``trial``, ``seed`` and one value per name in ``space``.
    space : ``{name: (low, high)}``, sampled log-uniformly.
    workers : int
        Worker processes (``spawn`` context); 1 runs in this process.
    executor : concurrent.futures.Executor, optional
        Any executor with ``submit`` (a process pool you manage, a Dask client's executor...).
    on_result : callable, optional
        Called with each result as it finishes (progress display).
    """
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    path = Path(results_path) if results_path is not None else None
    trials = sample_trials(space, n_trials, seed)
    done = {r["trial"]: r for r in (read_results(path) if path else []) if _same(r, trials)}
    todo = [t for t in trials if t["trial"] not in done]

    def finish(result: dict) -> None:
        done[result["trial"]] = result
        _append(path, result)
        if on_result is not None:
            on_result(result)

    if executor is None and workers == 1:
        for config in todo:
            finish(_run_one(objective, config))
    else:
        own = executor is None
        pool = executor or cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        try:
            futures = {pool.submit(_run_one, objective, config): config for config in todo}
            for fut in cf.as_completed(futures):
                try:
                    result = fut.result()
                except Exception as exc:  # the worker process died: record it, keep the rest
                    result = {**futures[fut], "status": "failed", "error": f"worker lost: {type(exc).__name__}: {exc}"}
                finish(result)
        finally:
            if own:
                pool.shutdown(wait=True, cancel_futures=True)
    return [done[t["trial"]] for t in trials if t["trial"] in done]


def _same(record: dict, trials: list[dict]) -> bool:
    """A recorded result counts only if it is the same trial (same seed and hyperparameters)."""
    i = record.get("trial")
    if not isinstance(i, int) or not 0 <= i < len(trials):
        return False
    return all(record.get(k) == v for k, v in trials[i].items())


def best_trials(results: Iterable[dict], key: str = "val_acc", top: int = 20) -> list[dict]:
    """Successful trials ranked by the last value of ``key`` (highest first)."""
    ok = [r for r in results if r.get("status") == "ok" and r.get(key)]
    last = lambda r: r[key][-1] if isinstance(r[key], list) else r[key]  # noqa: E731
    return sorted(ok, key=last, reverse=True)[:top]
