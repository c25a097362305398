"""The random search names a bad search space, executor or results path before any trial."""

from __future__ import annotations

import pytest

from xpnet.training.search import random_search, sample_trials


def _objective(config):
    return {"val_acc": [config["lr"]]}


@pytest.mark.parametrize("bounds, message", [
    ((1, 2, 3), r"search range for 'lr' must be a pair \(low, high\) of numbers, got \(1, 2, 3\)"),
    (0.1, r"search range for 'lr' must be a pair \(low, high\) of numbers, got 0.1"),
    ((1e-3, float("inf")), r"search range for 'lr' must satisfy 0 < low < high < inf, got \(0.001, inf\)"),
    (("a", 1.0), r"search range for 'lr' must be a pair \(low, high\) of numbers"),
])
def test_a_bad_search_range_is_named(bounds, message):
    with pytest.raises(ValueError, match=message):
        sample_trials({"lr": bounds}, 3)


def test_an_executor_without_submit_is_named():
    with pytest.raises(TypeError, match=r"executor must have submit\(\) .* got object"):
        random_search(_objective, {"lr": (1e-3, 1e-1)}, 2, executor=object())


def test_a_results_path_that_is_a_directory_is_refused_before_any_trial(tmp_path):
    ran = []

    def objective(config):
        ran.append(config)
        return {}

    with pytest.raises(IsADirectoryError, match=rf"cannot record trials in '{tmp_path}': it is a directory"):
        random_search(objective, {"lr": (1e-3, 1e-1)}, 2, results_path=tmp_path)
    assert ran == []
