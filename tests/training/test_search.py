"""Random search: reproducible trials, recorded failures, parallel == serial, resumable."""

import json
import math
import os

import pytest

from xpnet.training.search import best_trials, random_search, read_results, sample_trials

SPACE = {"lr": (1e-6, 1e-2), "weight_decay": (1e-8, 1e-4)}


def peaked_objective(config):
    """Deterministic stand-in for a training run: best near lr = 1e-4; fails above lr = 5e-3."""
    if config["lr"] > 5e-3:
        raise FloatingPointError("loss became nan at iteration 3")
    log_path = os.environ.get("XPNET_TEST_TRIAL_LOG")
    if log_path:
        with open(log_path, "a") as fh:
            fh.write(f"{config['trial']}\n")
    score = 1.0 - abs(math.log10(config["lr"]) + 4) / 10
    return {"val_acc": [score / 2, score], "train_acc": [score, score]}


def test_trials_are_log_uniform_and_reproducible():
    a, b = sample_trials(SPACE, 200, seed=3), sample_trials(SPACE, 200, seed=3)
    assert a == b
    lrs = [t["lr"] for t in a]
    assert min(lrs) >= 1e-6 and max(lrs) <= 1e-2
    exps = sorted(math.log10(x) for x in lrs)
    assert exps[50] < -4.3 < exps[150]  # roughly uniform in the exponent
    assert len({t["seed"] for t in a}) == 200
    assert sample_trials(SPACE, 5, seed=4) != sample_trials(SPACE, 5, seed=3)


@pytest.mark.parametrize("bad", [{"lr": (0.0, 1.0)}, {"lr": (1e-2, 1e-6)}])
def test_bad_ranges_are_rejected(bad):
    with pytest.raises(ValueError, match="lr"):
        sample_trials(bad, 3)


@pytest.mark.parametrize("n", [0, -1, 2.5])
def test_bad_trial_counts_are_rejected(n):
    with pytest.raises(ValueError, match="n_trials"):
        random_search(peaked_objective, SPACE, n)


def test_failed_trials_are_recorded_with_reason(tmp_path):
    results = random_search(peaked_objective, SPACE, 30, seed=1, results_path=tmp_path / "r.jsonl")
    failed = [r for r in results if r["status"] == "failed"]
    assert failed and all("FloatingPointError: loss became nan" in r["error"] for r in failed)
    assert all(r["lr"] > 5e-3 for r in failed)
    assert len(read_results(tmp_path / "r.jsonl")) == 30


def test_worker_processes_give_the_serial_results(tmp_path):
    serial = random_search(peaked_objective, SPACE, 6, seed=2)
    parallel = random_search(peaked_objective, SPACE, 6, seed=2, workers=2, results_path=tmp_path / "p.jsonl")
    strip = lambda rs: [{k: v for k, v in r.items() if k != "traceback"} for r in rs]  # noqa: E731
    assert strip(parallel) == strip(serial)


def test_resume_skips_finished_trials_and_reruns_torn_lines(tmp_path, monkeypatch):
    path, log = tmp_path / "r.jsonl", tmp_path / "calls.txt"
    monkeypatch.setenv("XPNET_TEST_TRIAL_LOG", str(log))
    first = random_search(peaked_objective, SPACE, 8, seed=5, results_path=path)
    lines = path.read_text().splitlines()
    # simulate an interruption: keep 5 finished trials and a half-written sixth line
    path.write_text("\n".join(lines[:5]) + "\n" + lines[5][: len(lines[5]) // 2])
    log.write_text("")
    resumed = random_search(peaked_objective, SPACE, 8, seed=5, results_path=path)
    rerun = {int(x) for x in log.read_text().split()}
    finished_before = {json.loads(line)["trial"] for line in lines[:5]}
    assert rerun.isdisjoint(finished_before)
    assert [r["trial"] for r in resumed] == list(range(8))
    assert [r.get("val_acc") for r in resumed] == [r.get("val_acc") for r in first]


def test_results_of_another_search_are_not_reused(tmp_path):
    path = tmp_path / "r.jsonl"
    random_search(peaked_objective, SPACE, 4, seed=5, results_path=path)
    other = random_search(peaked_objective, SPACE, 4, seed=6, results_path=path)
    assert [r["seed"] for r in other] == [t["seed"] for t in sample_trials(SPACE, 4, seed=6)]


def test_best_trials_rank_by_last_validation_accuracy():
    results = random_search(peaked_objective, SPACE, 20, seed=7)
    top = best_trials(results, top=5)
    finals = [r["val_acc"][-1] for r in top]
    assert finals == sorted(finals, reverse=True) and len(top) == 5
    assert all(r["status"] == "ok" for r in top)


def crashing_objective(config):
    """Trial 2 kills its worker process outright (as an out-of-memory kill would)."""
    if config["trial"] == 2:
        os._exit(17)
    return peaked_objective(config)


def test_a_trial_that_kills_its_pool_process_fails_alone(tmp_path):
    """A dead process breaks the whole pool; the innocent trials in flight must not be blamed."""
    space = {"lr": (1e-6, 1e-3), "weight_decay": (1e-8, 1e-4)}  # no NaN failures in this range
    results = random_search(crashing_objective, space, 6, seed=3, workers=2,
                            results_path=tmp_path / "r.jsonl")
    by_trial = {r["trial"]: r for r in results}
    assert by_trial[2]["status"] == "failed"
    assert "worker lost: the process running this trial died" in by_trial[2]["error"]
    assert all(by_trial[i]["status"] == "ok" for i in (0, 1, 3, 4, 5))
    assert sorted(r["trial"] for r in read_results(tmp_path / "r.jsonl")) == list(range(6))
