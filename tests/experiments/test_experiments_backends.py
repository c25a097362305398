"""Studies run on every backend, and their settings are validated at the boundary."""

from __future__ import annotations

import math

import pytest

from xpnet.experiments import (
    STUDIES,
    optimizer_compare,
    optimizer_paths,
    weight_init_activations,
    weight_init_compare,
)


def test_sgd_path_follows_the_closed_form_on_every_backend(xp):
    # On f = x²/20 + y², SGD scales x by (1 - lr/10) and y by (1 - 2 lr) per step.
    r = optimizer_paths(iters=12, optimizers=("SGD", "Adam"))
    assert r["backend"]["name"] in ("numpy", "array_api_strict", "torch", "cupy")
    path = r["paths"]["SGD"]
    assert len(path["x"]) == len(path["y"]) == 13
    for k in range(13):
        assert path["x"][k] == pytest.approx(-7 * (1 - 0.095) ** k, rel=1e-4)
        assert path["y"][k] == pytest.approx(2 * (1 - 1.9) ** k, rel=1e-4, abs=1e-6)
    assert r["paths"]["Adam"]["final_f"] < 7**2 / 20 + 2**2


def test_optimizer_compare_trains_on_every_backend(xp):
    r = optimizer_compare(iters=3, batch_size=16, samples=200, optimizers=("sgd", "Adam"), data="embedded")
    assert r["optimizers"] == ["SGD", "Adam"]
    assert r["data"]["source"] == "embedded" and r["data"]["train_size"] == 200
    for losses in r["losses"].values():
        assert len(losses) == 3 and all(math.isfinite(v) for v in losses)


def test_side_by_side_losses_reach_the_host_in_float64_on_every_backend(float64):
    # NumPy's float64 loss is an np.float64 scalar (a Python float), not an array: the
    # side-by-side loop must still bring it to the host (issue 12, item 6).
    for study in (optimizer_compare, weight_init_compare):
        r = study(iters=3, batch_size=16, samples=200, data="embedded")
        assert r["backend"]["dtype"] == "float64"
        for losses in r["losses"].values():
            assert len(losses) == 3 and all(math.isfinite(v) for v in losses)


def test_activation_histograms_count_every_output_in_range(xp):
    r = weight_init_activations(samples=50, nodes=20, layers=3, bins=10)
    h = r["histograms"]["tanh"]["Xavier"]
    assert len(h["counts"]) == 3 and len(h["edges"]) == 11
    assert all(sum(c) == 50 * 20 for c in h["counts"])  # tanh stays inside (-1, 1)
    relu = r["histograms"]["relu"]["He"]
    assert all(0.2 < z < 0.8 for z in relu["zeros"])


@pytest.mark.parametrize("study, setting, value, message", [
    ("optimizer-compare", "iters", -5, "iters must be a positive integer, got -5"),
    ("optimizer-compare", "optimizers", ("SGD", "Adamm"), "unknown optimizer 'Adamm'"),
    ("batch-norm", "epochs", 0, "epochs must be a positive integer, got 0"),
    ("overfit-dropout", "dropout", 1.5, r"dropout must be in \(0, 1\), got 1.5"),
    ("hyperparameter-search", "val_ratio", 0.0, r"val_ratio must be in \(0, 1\)"),
    ("train", "model", "resnet", "unknown model 'resnet'"),
    ("weight-init-compare", "samples", 10**6, "samples=1000000 is more than the 8000 training images"),
    ("optimizer-paths", "seed", -1, "seed must be a non-negative integer, got -1"),
])
def test_bad_settings_raise_value_error_naming_them(study, setting, value, message):
    kwargs = {setting: value}
    if STUDIES[study].accepts("data"):
        kwargs["data"] = "embedded"
    with pytest.raises(ValueError, match=message):
        STUDIES[study].run(**kwargs)


def test_train_study_saves_a_checkpoint_and_filters_on_every_backend(xp, tmp_path):
    from xpnet.experiments import train

    r = train(model="simple", samples=40, epochs=1, batch_size=20, eval_samples=30, data="embedded",
              checkpoint=tmp_path / "ckpt.npz")
    assert len(r["train_acc"]) == len(r["test_acc"]) == 1
    assert 0.0 <= r["final_test_acc"] <= 1.0
    assert (tmp_path / "ckpt.npz").stat().st_size > 0
    assert len(r["filters"]) == 30 and len(r["filters"][0]) == 5 and len(r["filters"][0][0]) == 5
    assert r["filters"] != r["filters_initial"]
