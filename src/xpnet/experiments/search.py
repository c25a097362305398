"""Section 6.5: random search for the learning rate and the weight decay, on a validation split.

The book's ``hyperparameter_optimization.py``: the first 500 training images, shuffled, 20 %
(100) held out for validation; 784-100×6-10 nets trained with SGD for 50 epochs, batch 100;
lr = 10^U(−6, −2), weight decay = 10^U(−8, −4); the 20 best by final validation accuracy drawn.

Trials run through `xpnet.training.search.random_search`: in parallel worker processes,
or one task each on a Dask cluster (``scheduler``), each finished trial appended to a JSON-lines
file, an interrupted search resumed from it; `rerun_trial` re-runs any recorded trial alone. A
results file written with other settings is refused (its trials would not be comparable).
"""

from __future__ import annotations

import contextlib
import functools
import os

import numpy as np

from ..backend import get_backend, get_device_name, get_dtype_name, use_backend, use_dtype
from ..backend import seed as seed_rng
from ..models import MultiLayerNet
from ..training.executors import CONNECT_TIMEOUT, check_scheduler, check_timeout, trial_executor
from ..training.search import best_trials, random_search, read_results, run_trial
from ._common import Progress, Run, load_data, positive_int, quiet, rounded
from ._loops import fit

SPACE = {"lr": (1e-6, 1e-2), "weight_decay": (1e-8, 1e-4)}
_DATA_CACHE: dict = {}
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _split(data: str, samples: int, val_ratio: float, split_seed: int):
    """(x_train, t_train, x_val, t_val) host arrays, cached per process (workers reuse it)."""
    key = (data, samples, val_ratio, split_seed)
    if key not in _DATA_CACHE:
        (x, t, _, _), info = load_data(data, samples=samples)
        order = np.random.default_rng(split_seed).permutation(x.shape[0])
        x, t = x[order], t[order]
        n_val = int(x.shape[0] * val_ratio)
        _DATA_CACHE[key] = ((x[n_val:], t[n_val:], x[:n_val], t[:n_val]), info)
    return _DATA_CACHE[key]


def search_trial(config: dict, *, settings: dict, runtime: dict) -> dict:
    """One trial (a picklable top-level function): train with ``config``'s lr and weight decay.

    ``runtime`` carries the parent's backend, device and dtype into a spawned worker; they are
    entered as a context, so a trial run in the caller's process leaves its settings as they were.
    """
    with use_backend(runtime["backend"], device=runtime["device"]), use_dtype(runtime["dtype"]):
        arrays, _ = _split(settings["data"], settings["samples"], settings["val_ratio"],
                           settings["split_seed"])
        seed_rng(config["seed"])
        net = MultiLayerNet(784, [100] * 6, 10, weight_decay_lambda=config["weight_decay"])
        history = fit(net, arrays, epochs=settings["epochs"], batch_size=settings["batch_size"],
                      lr=config["lr"])
    return {"val_acc": rounded(history["test_acc"]), "train_acc": rounded(history["train_acc"]),
            "settings": settings}


def hyperparameter_search(*, trials: int = 100, samples: int = 500, epochs: int = 50, batch_size: int = 100,
                          val_ratio: float = 0.2, workers: int = 1, scheduler: str = "pool", top: int = 20,
                          results_path=None, data: str = "auto", seed: int = 0,
                          progress: Progress = None, connect_timeout: float = CONNECT_TIMEOUT) -> dict:
    """Random search over lr and weight decay (the book's Fig. 6-24); see the module docstring.

    ``scheduler``: ``'pool'`` (``workers`` processes here), ``'local'`` (a Dask ``LocalCluster``
    of ``workers`` processes here) or a Dask scheduler address such as ``'tcp://host:8786'``
    (an existing cluster; ``workers`` is then the cluster's business). Results are the same.
    ``connect_timeout``: seconds to wait for the Dask scheduler (10; more for a slow cluster).

    Returns
    -------
    dict with the common keys and ``trials`` (every trial: {"trial", "seed", "lr",
    "weight_decay", "status", "val_acc", "train_acc"}), ``best`` (the ``top`` best of them,
    highest final validation accuracy first), ``best_val_acc`` (float), ``resumed`` (trials read
    back from ``results_path`` instead of run), ``failed`` (count), ``space``.
    """
    trials, samples = positive_int("trials", trials), positive_int("samples", samples)
    epochs, batch_size = positive_int("epochs", epochs), positive_int("batch_size", batch_size)
    workers, top = positive_int("workers", workers), positive_int("top", top)
    scheduler = check_scheduler(scheduler)
    connect_timeout = check_timeout(connect_timeout)
    if not 0.0 < float(val_ratio) < 1.0:
        raise ValueError(f"val_ratio must be in (0, 1), got {val_ratio!r}")
    if int(samples * val_ratio) < 1 or samples - int(samples * val_ratio) < 1:
        raise ValueError(f"samples={samples} with val_ratio={val_ratio} leaves an empty split")
    _, info = load_data(data, samples=samples)
    # Workers load the data the parent found ('auto' resolved once, not once per worker).
    resolved = "embedded" if info["source"] == "embedded" else "mnist"
    settings = {"data": resolved, "samples": samples, "epochs": epochs, "batch_size": batch_size,
                "val_ratio": float(val_ratio), "split_seed": seed}
    run = Run("hyperparameter-search", seed,
              {**settings, "trials": trials, "workers": workers, "scheduler": scheduler, "top": top})
    previous = _check_resumable(results_path, settings)
    progress = progress or quiet
    counter = {"done": previous}
    progress("trials", previous, trials)

    def on_result(result: dict) -> None:
        counter["done"] += 1
        progress("trials", counter["done"], trials)

    runtime = {"backend": get_backend(), "device": get_device_name(), "dtype": get_dtype_name()}
    objective = functools.partial(search_trial, settings=settings, runtime=runtime)
    with _threads_per_worker(workers), trial_executor(scheduler, workers,
                                                                  timeout=connect_timeout) as executor:
        results = random_search(objective, SPACE, trials, seed=seed, workers=workers,
                                results_path=results_path,
                                executor=executor, on_result=on_result)
    keep = ("trial", "seed", "lr", "weight_decay", "status", "val_acc", "train_acc", "error")
    results = [{k: r[k] for k in keep if k in r} for r in results]
    best = best_trials(results, key="val_acc", top=top)
    info["description"] += (f"; the first {samples} training images, {int(samples * val_ratio)} of them "
                            "held out for validation")
    return run.result(info, space={k: list(v) for k, v in SPACE.items()}, trials=results, best=best,
                      best_val_acc=best[0]["val_acc"][-1] if best else None,
                      resumed=min(previous, trials), failed=sum(r["status"] != "ok" for r in results))


def rerun_trial(record: dict) -> dict:
    """Re-run one trial alone, in this process on the current backend: ``record`` is its line
    in the results file (it holds the trial's seed, hyperparameters and settings)."""
    runtime = {"backend": get_backend(), "device": get_device_name(), "dtype": get_dtype_name()}
    return run_trial(functools.partial(search_trial, settings=record["settings"], runtime=runtime), record,
                     SPACE)


@contextlib.contextmanager
def _threads_per_worker(workers: int):
    """Spawned workers inherit the environment: give each its share of the cores for BLAS/OpenMP
    (N workers each running a core-count BLAS pool oversubscribe the CPU several times over).
    Variables the user set are kept; the parent's own pools were sized at import and stay."""
    saved = {k: os.environ.get(k) for k in _THREAD_VARS}
    if workers > 1:
        share = str(max(1, (os.cpu_count() or 1) // workers))
        for k in _THREAD_VARS:
            os.environ.setdefault(k, share)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _check_resumable(path, settings: dict) -> int:
    """Number of trials already in ``path``; ValueError if they were run with other settings."""
    if path is None:
        return 0
    records = read_results(path)
    for record in records:
        if record.get("settings") not in (None, settings):
            raise ValueError(f"{path} holds trials run with other settings ({record['settings']}, "
                             f"now {settings}); remove it or choose another output directory")
    return len({r.get("trial") for r in records})
