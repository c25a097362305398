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

import functools
import json
import math
import os
import traceback
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable, Iterable, Mapping

import numpy as np

from .._validation import check_int
from ..io._atomic import regular_target
from .executors import completed


def sample_trials(space: Mapping[str, tuple[float, float]], n_trials: int, seed: int = 0) -> list[dict]:
    """``n_trials`` configs ``{'trial': i, 'seed': s, name: value, ...}``, log-uniform per name."""
    n_trials = check_int("n_trials", n_trials)
    for name, bounds in space.items():
        try:
            low, high = (float(b) for b in bounds)
        except (TypeError, ValueError):
            raise ValueError(f"search range for {name!r} must be a pair (low, high) of numbers, "
                             f"got {bounds!r}") from None
        if not (0 < low < high < math.inf):
            raise ValueError(f"search range for {name!r} must satisfy 0 < low < high < inf, got {bounds!r}")
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
    """Finished trials recorded in a results file.

    A line cut short by an interrupted append (a ``{`` without its end) is skipped: that trial
    runs again. Anything else that is not one JSON object per line raises ValueError naming the
    file and the line.
    """
    path = Path(path)
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not a results file: byte {exc.start} is not UTF-8 text") from None
    results = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            if line.lstrip().startswith("{"):
                continue  # an interrupted append
            record = None
        if not isinstance(record, dict):
            shown = line if len(line) <= 60 else line[:57] + "..."
            raise ValueError(f"{path} line {number} is not a trial record (a JSON object per line): "
                             f"{shown!r}; remove that line or the file")
        results.append(record)
    return results


def _append(path: Path | None, result: dict) -> None:
    """Append ``result`` as one line: to the link's target, refusing a non-regular file; after a
    newline when an interrupted append left the last line open."""
    if path is None:
        return
    real = regular_target(path, what="append to")
    with open(real, "a+b") as fh:
        fh.seek(0, os.SEEK_END)
        torn = False
        if fh.tell():
            fh.seek(-1, os.SEEK_END)
            torn = fh.read(1) != b"\n"
        fh.write((("\n" if torn else "") + json.dumps(result) + "\n").encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())


def random_search(objective: Callable[[dict], dict], space: Mapping[str, tuple[float, float]],
                  n_trials: int, *, seed: int = 0, workers: int = 1,
                  results_path: str | os.PathLike | None = None, executor=None,
                  on_result: Callable[[dict], None] | None = None) -> list[dict]:
    """Run the trials not yet in ``results_path``; return all results, in trial order.

    Parameters
    ----------
    objective : picklable callable ``config -> metrics dict``
        ``config`` holds ``trial``, ``seed`` and one value per name in ``space``.
    space : ``{name: (low, high)}``, sampled log-uniformly.
    workers : int
        Worker processes (``spawn`` context); 1 runs in this process.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Any executor with ``submit`` (a process pool you manage...), or a Dask client: each
        trial is then one task on its cluster (see `xpnet.training.executors`).
    on_result : callable, optional
        Called with each result as it finishes (progress display).
    """
    check_int("workers", workers)
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise TypeError(f"executor must have submit() (a concurrent.futures executor or a Dask client), "
                        f"got {type(executor).__name__}")
    path = Path(results_path) if results_path is not None else None
    if path is not None:
        regular_target(path, what="record trials in")  # a directory or a FIFO: said before any trial
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
        cancelled, suspects = [], []
        fn = functools.partial(_run_one, objective)
        with completed(fn, todo, executor, workers) as finished:
            for config, fut in finished:
                # not the trial's doing (the client lost its cluster): run it again on resume
                if fut.cancelled():
                    cancelled.append(config["trial"])
                    continue
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    # One dying process breaks the whole pool and fails every trial in flight:
                    # which one killed it is unknown, so each is retried alone below.
                    suspects.append(config)
                    continue
                # the worker process died (Dask: KilledWorker): record it, keep the rest
                except Exception as exc:
                    result = {**config, "status": "failed",
                              "error": f"worker lost: {type(exc).__name__}: {exc}"}
                finish(result)
        for config in suspects:
            finish(_run_isolated(fn, config))
        if cancelled:
            raise ConnectionError(f"trials {sorted(cancelled)} were cancelled before they finished "
                                  "(was the cluster lost?); run the search again with the same results "
                                  "file to run only them")
    return [done[t["trial"]] for t in trials if t["trial"] in done]


def _run_isolated(fn: Callable[[dict], dict], config: dict) -> dict:
    """Run one trial in a fresh one-process pool: a crash now can only be this trial's."""
    with completed(fn, [config], None, 1) as finished:
        for _, fut in finished:
            try:
                return fut.result()
            except BrokenProcessPool as exc:
                return {**config, "status": "failed",
                        "error": f"worker lost: the process running this trial died ({type(exc).__name__})"}
    raise AssertionError("unreachable: one trial was submitted")


def run_trial(objective: Callable[[dict], dict], record: Mapping, space: Mapping[str, tuple[float,
                                                                                            float]]) -> dict:
    """Re-run one trial on its own, in this process: the same result as in the search.

    ``record`` is the trial's line in the results file (or a `sample_trials` entry); its
    ``trial``, ``seed`` and hyperparameters (the names in ``space``) make the config again. The
    objective must draw all its randomness from ``config['seed']``.
    """
    missing = [k for k in ("trial", "seed", *space) if k not in record]
    if missing:
        raise ValueError(f"trial record lacks {missing}: expected the keys 'trial', 'seed' and {list(space)}")
    return _run_one(objective, {k: record[k] for k in ("trial", "seed", *space)})


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
