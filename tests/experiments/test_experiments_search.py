"""The hyperparameter search keeps finished trials in its JSONL file and resumes from it."""

from __future__ import annotations

import json

import pytest

from xpnet.experiments import hyperparameter_search

TINY = dict(samples=100, epochs=1, batch_size=50, data="embedded", seed=3)


def test_search_resumes_from_its_results_file_and_refuses_other_settings(tmp_path):
    path = tmp_path / "search.jsonl"
    first = hyperparameter_search(trials=3, results_path=path, **TINY)
    assert first["resumed"] == 0 and first["failed"] == 0
    assert len(path.read_text().splitlines()) == 3
    assert {t["trial"] for t in first["trials"]} == {0, 1, 2}
    for t in first["trials"]:
        assert 1e-6 <= t["lr"] <= 1e-2 and 1e-8 <= t["weight_decay"] <= 1e-4
        assert len(t["val_acc"]) == len(t["train_acc"]) == 1
    best = max(t["val_acc"][-1] for t in first["trials"])
    assert first["best"][0]["val_acc"][-1] == first["best_val_acc"] == best

    again = hyperparameter_search(trials=4, results_path=path, **TINY)  # one more trial: only it runs
    assert again["resumed"] == 3
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["trial"] for r in lines] == [0, 1, 2, 3]
    assert again["trials"][:3] == first["trials"]

    with pytest.raises(ValueError, match="holds trials run with other settings"):
        hyperparameter_search(trials=3, results_path=path, **{**TINY, "epochs": 2})


def test_parallel_workers_give_the_same_trials_as_one_process(tmp_path):
    serial = hyperparameter_search(trials=2, workers=1, **TINY)
    parallel = hyperparameter_search(trials=2, workers=2, results_path=tmp_path / "p.jsonl", **TINY)
    pairs = [[(t["lr"], t["weight_decay"]) for t in run["trials"]] for run in (parallel, serial)]
    assert pairs[0] == pairs[1]
    assert [t["val_acc"] for t in parallel["trials"]] == [t["val_acc"] for t in serial["trials"]]


def test_a_trial_run_in_this_process_leaves_the_backend_settings_alone():
    """workers=1 runs trials in the caller's process: they must not switch its backend or dtype."""
    import xpnet
    from xpnet.experiments.search import search_trial

    settings = {"data": "embedded", "samples": 50, "val_ratio": 0.2, "split_seed": 0, "epochs": 1,
                "batch_size": 20}
    with xpnet.use_backend("numpy"), xpnet.use_dtype("float32"):
        result = search_trial({"trial": 0, "seed": 1, "lr": 0.01, "weight_decay": 1e-6}, settings=settings,
                              runtime={"backend": "array_api_strict", "device": None, "dtype": "float64"})
        assert xpnet.get_backend() == "numpy" and xpnet.get_dtype() == "float32"
    assert len(result["val_acc"]) == 1
