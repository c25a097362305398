"""Every ``xpnet`` subcommand runs with ``--quick`` on NumPy and writes a loadable PNG and a JSON
holding the keys its study documents."""

from __future__ import annotations

import inspect
import json

import matplotlib.image
import pytest

from xpnet.cli import main
from xpnet.experiments import HEADER_KEYS, STUDIES

# The keys each study's docstring promises (besides the common header).
STUDY_KEYS = {
    "optimizer-paths": {"start", "paths", "contour"},
    "optimizer-compare": {"optimizers", "losses", "loss_at", "final_smoothed"},
    "weight-init-activations": {"activations", "inits", "histograms"},
    "weight-init-compare": {"inits", "losses", "loss_at", "final_smoothed"},
    "batch-norm": {"weight_scales", "bn", "plain"},
    "overfit-weight-decay": {"runs", "final"},
    "overfit-dropout": {"runs", "final"},
    "hyperparameter-search": {"trials", "best", "best_val_acc", "resumed", "failed", "space"},
    "activation-init-bn-grid": {"activations", "inits", "panels"},
    "train": {"model", "parameters", "train_acc", "test_acc", "train_loss", "final_test_acc",
              "filters_initial", "filters", "checkpoint"},
    "half-float": {"model", "trained", "eval_count", "accuracy", "agreement", "output_dtype",
                   "max_abs_score_diff", "score_diff"},
}


def test_every_study_has_its_keys_listed():
    assert set(STUDY_KEYS) == set(STUDIES)
    for name, keys in STUDY_KEYS.items():
        doc = inspect.getdoc(STUDIES[name].run)
        missing = [k for k in keys if f"``{k}``" not in doc]
        assert not missing, f"{name}: docstring does not document {missing}"


@pytest.fixture(scope="module")
def quick_runs(tmp_path_factory):
    """Run every subcommand once with --quick (module scope: the runs are the expensive part).

    ``--backend`` sets the process-wide backend, as a command should; this fixture runs outside
    the per-test restore of tests/conftest.py, so it restores the settings itself.
    """
    from xpnet.backend import _config

    saved = dict(_config._explicit)
    out = tmp_path_factory.mktemp("xpnet-out")
    try:
        codes = {name: main([name, "--quick", "--data", "embedded", "--backend", "numpy", "--out", str(out)])
                 for name in STUDIES}
    finally:
        _config._explicit.clear()
        _config._explicit.update(saved)
    return out, codes


@pytest.mark.parametrize("study", list(STUDIES))
def test_quick_run_writes_png_and_json(quick_runs, study):
    out, codes = quick_runs
    assert codes[study] == 0
    image = matplotlib.image.imread(out / f"{study}.png")
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    results = json.loads((out / f"{study}.json").read_text())
    assert set(HEADER_KEYS) <= set(results)
    assert STUDY_KEYS[study] <= set(results), STUDY_KEYS[study] - set(results)
    assert results["study"] == study
    assert results["backend"]["name"] == "numpy"
    assert results["data"]["source"] in ("embedded", "synthetic")


@pytest.mark.parametrize("study", list(STUDIES))
def test_quick_run_in_float64_from_dl_dtype(study, tmp_path, monkeypatch):
    # The README advertises DL_DTYPE=float64; every study must run with it (issue 12, item 6:
    # optimizer-compare and weight-init-compare failed on NumPy's float64 scalar losses).
    monkeypatch.setenv("DL_DTYPE", "float64")
    assert main([study, "--quick", "--data", "embedded", "--backend", "numpy", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / f"{study}.json").read_text())
    assert results["backend"]["dtype"] == "float64"


def test_train_writes_a_checkpoint_that_loads(quick_runs):
    from xpnet.experiments.train import build_model

    out, _ = quick_runs
    results = json.loads((out / "train.json").read_text())
    network = build_model(results["model"])
    network.load_params(out / "train.npz")
    assert len(results["filters"]) == 30 and len(results["filters"][0]) == 5  # 30 filters 5x5


def test_quick_runs_print_the_data_used(tmp_path, capsys):
    assert main(["weight-init-compare", "--quick", "--data", "embedded", "--iters", "3", "--out",
                 str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "data: embedded MNIST test set" in err
