"""The book's chapter-6 scripts and ch07/train_convnet.py run on xpnet with only their imports changed.

Each script of the book's repository (github.com/oreilly-japan/deep-learning-from-scratch, HEAD)
is kept in ``scripts/`` as its reader would run it: the book's ``from common.… import …`` lines
become ``from xpnet.… import …``, and the iteration counts shrink so that the suite stays fast.
Every changed line there carries an ``xpnet:`` comment; the counts used:

- ch06/optimizer_compare_mnist.py, weight_init_compare.py: 60 iterations (the book's 2000);
- ch06/batch_norm_test.py: 2 epochs per weight scale (20), all 16 scales;
- ch06/overfit_weight_decay.py: 15 epochs (201); overfit_dropout.py: 3 epochs (301);
- ch06/hyperparameter_optimization.py: 3 trials (100) of 2 epochs (50);
- ch06/batch_norm_gradient_check.py: hidden layers [10, 10] (the book's [100, 100]: each parameter
  element costs two forward passes), and a batch of two samples instead of one: xpnet's
  BatchNormalization refuses to train on one sample (its output would be beta whatever the input),
  as torch does, so the book's one-sample check cannot run unchanged;
- ch07/train_convnet.py: 3 epochs (20) on 2,000 training and 200 test digits (the book's own
  commented-out reduction lines, switched on);
- ch06/optimizer_compare_naive.py and weight_init_activation_histogram.py: as the book has them.

Each script runs in this process (``runpy``) from a temporary directory, on the NumPy backend,
because the scripts themselves are NumPy code (``x_train[batch_mask]``). Two things are redirected
around the scripts, not in them: ``xpnet.datasets.load_mnist`` reads the embedded digits (CI has no
network), and ``plt.show()`` saves the figure as ``<script>.png``. The test then checks the
script's own variables.
"""

from __future__ import annotations

import functools
import math
import os
import pickle
import runpy
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest

import xpnet
import xpnet.datasets

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

SCRIPTS = Path(__file__).parent / "scripts"


@pytest.fixture(autouse=True)
def _numpy_backend(monkeypatch):
    monkeypatch.setenv("DL_BACKEND", "numpy")
    np.random.seed(0)  # the scripts' own batch masks and weights
    xpnet.seed(0)  # xpnet's initial weights, dropout, the Trainer's shuffling


@pytest.fixture
def run_script(tmp_path, monkeypatch):
    """``run_script('ch06/x.py')`` -> the script's globals; its figure is ``tmp_path / 'x.png'``,
    the lines drawn in each panel ``run_script.panels[title]`` (a list of (n, 2) arrays)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(xpnet.datasets, "load_mnist",
                        functools.partial(xpnet.datasets.load_mnist, source="embedded"))

    def run(name: str, *, diverges: bool = False) -> dict:
        stem = Path(name).stem

        def show(*args, **kwargs):
            fig = plt.gcf()
            run.panels = {ax.get_title(): [line.get_xydata() for line in ax.get_lines()]
                          for ax in fig.axes}
            fig.savefig(tmp_path / f"{stem}.png", dpi=60)
            plt.close("all")

        monkeypatch.setattr(plt, "show", show)
        plt.close("all")
        with warnings.catch_warnings():
            # batch_norm_test.py calls legend() on every panel, only the last has labels
            warnings.filterwarnings("ignore", "No artists with labels found", UserWarning)
            if diverges:  # a run the book's figure shows diverging: NumPy's overflow warnings
                warnings.filterwarnings("ignore", "(overflow|invalid value) encountered", RuntimeWarning)
            return runpy.run_path(str(SCRIPTS / name), run_name="__main__")

    return run


def _figure(tmp_path, stem: str) -> Path:
    path = tmp_path / f"{stem}.png"
    assert path.is_file() and path.stat().st_size > 2000, f"{stem}.png was not drawn"
    return path


def test_ch06_optimizer_compare_naive_with_python_float_params(run_script, tmp_path):
    """The script keeps params['x'] as Python floats: each panel's path must be the 30 distinct
    positions that the same optimizer produces on arrays (held to the formulas elsewhere)."""
    g = run_script("ch06/optimizer_compare_naive.py")
    _figure(tmp_path, "optimizer_compare_naive")
    assert type(g["params"]["x"]) is float
    assert len(set(g["x_history"])) == 30, "the path collapsed: the positions are one object"
    for key, optimizer in g["optimizers"].items():
        fresh = type(optimizer)(lr=optimizer.lr)
        with xpnet.use_dtype("float64"):
            p = {"x": xpnet.asarray([-7.0]), "y": xpnet.asarray([2.0])}
            expected = []
            for _ in range(30):
                expected.append((float(p["x"][0]), float(p["y"][0])))
                fresh.update(p, {"x": p["x"] / 10.0, "y": 2.0 * p["y"]})
        assert optimizer.t == 30
        path = run_script.panels[key][0]  # the 'o-' path; the second line is the '+' at (0, 0)
        np.testing.assert_allclose(path, expected, rtol=1e-12, atol=1e-12, err_msg=key)


def test_ch06_weight_init_activation_histogram(run_script, tmp_path):
    g = run_script("ch06/weight_init_activation_histogram.py")
    _figure(tmp_path, "weight_init_activation_histogram")
    acts = g["activations"]
    assert sorted(acts) == list(range(5)) and all(a.shape == (1000, 100) for a in acts.values())
    # Fig. 6-10: with std 1, sigmoid outputs pile up at 0 and 1
    assert np.mean((acts[4] < 0.1) | (acts[4] > 0.9)) > 0.5


def test_ch06_optimizer_compare_mnist(run_script, tmp_path):
    g = run_script("ch06/optimizer_compare_mnist.py")
    _figure(tmp_path, "optimizer_compare_mnist")
    train_loss, n = g["train_loss"], g["max_iterations"]
    for key in g["optimizers"]:
        assert len(train_loss[key]) == n and np.all(np.isfinite(g["smooth_curve"](train_loss[key])))
    # the book's finding, already visible after 60 iterations: the adaptive methods beat plain SGD
    assert float(train_loss["Adam"][-1]) < float(train_loss["SGD"][-1])
    assert float(train_loss["AdaGrad"][-1]) < float(train_loss["SGD"][-1])


def test_ch06_weight_init_compare(run_script, tmp_path):
    g = run_script("ch06/weight_init_compare.py")
    _figure(tmp_path, "weight_init_compare")
    train_loss = g["train_loss"]
    assert abs(float(train_loss["std=0.01"][-1]) - math.log(10)) < 0.01  # std 0.01 does not learn
    assert float(train_loss["He"][-1]) < 2.0


def test_ch06_batch_norm_test(run_script, tmp_path, monkeypatch):
    # like with like: the book's BatchNorm starts its running variance at 0 (xpnet's at 1, as
    # torch), and after 11 updates at a weight scale of 1e-4 the start still decides the
    # test-mode accuracy this checks
    from xpnet.layers import BatchNormalization

    monkeypatch.setattr(BatchNormalization, "initial_running_var", 0.0)
    g = run_script("ch06/batch_norm_test.py", diverges=True)  # the plain net at weight scale 1
    _figure(tmp_path, "batch_norm_test")
    # the globals hold the last weight scale, 1e-4: BN learns, the plain net stays at chance
    assert g["w"] == pytest.approx(1e-4)
    assert len(g["bn_train_acc_list"]) == len(g["train_acc_list"]) == g["max_epochs"]
    assert g["bn_train_acc_list"][-1] > g["train_acc_list"][-1] + 0.1  # after 11 updates


def test_ch06_batch_norm_gradient_check(run_script, capsys):
    g = run_script("ch06/batch_norm_gradient_check.py")
    printed = dict(line.split(":") for line in capsys.readouterr().out.split())
    assert set(printed) == set(g["network"].params) == set(g["grad_numerical"])
    # float32 parameters, the book's h = 1e-4: central differences agree to a few digits. (With the
    # book's one sample every BatchNorm output is its beta, 0 at the start, on the kink of the ReLU
    # after it: the book's own code prints a 0.18 difference for beta2 there.)
    assert max(float(v) for v in printed.values()) < 1e-3, printed


def test_ch06_overfit_weight_decay(run_script, tmp_path):
    g = run_script("ch06/overfit_weight_decay.py")
    _figure(tmp_path, "overfit_weight_decay")
    assert len(g["train_acc_list"]) == len(g["test_acc_list"]) == g["max_epochs"]
    assert g["train_acc_list"][-1] > g["train_acc_list"][0]


def test_ch06_overfit_dropout(run_script, tmp_path):
    g = run_script("ch06/overfit_dropout.py")
    _figure(tmp_path, "overfit_dropout")
    assert len(g["train_acc_list"]) == len(g["test_acc_list"]) == g["trainer"].epochs == 3


def test_ch06_hyperparameter_optimization(run_script, tmp_path):
    g = run_script("ch06/hyperparameter_optimization.py")
    _figure(tmp_path, "hyperparameter_optimization")
    assert len(g["results_val"]) == g["optimization_trial"] == 3
    for val_acc_list in g["results_val"].values():
        assert len(val_acc_list) == 2 and 0.0 <= val_acc_list[-1] <= 1.0


def test_ch07_train_convnet_writes_the_books_params_pkl(run_script, tmp_path):
    g = run_script("ch07/train_convnet.py")
    _figure(tmp_path, "train_convnet")
    assert g["trainer"].test_acc_list[-1] > 0.7  # 60 Adam steps on 2,000 digits
    # the book's SimpleConvNet.load_params: pickle.load, then self.params[key] = val
    with open(tmp_path / "params.pkl", "rb") as f:
        params = pickle.load(f)
    network = g["network"]
    restored = type(network)(input_dim=(1, 28, 28),
                             conv_param={'filter_num': 30, 'filter_size': 5, 'pad': 0, 'stride': 1},
                             hidden_size=100, output_size=10, weight_init_std=0.01)
    for key, val in params.items():
        restored.params[key] = val
    x_test, t_test = g["x_test"], g["t_test"]
    assert restored.accuracy(x_test, t_test) == network.accuracy(x_test, t_test)
    assert sorted(os.listdir(tmp_path)) == ["params.pkl", "train_convnet.png"]
