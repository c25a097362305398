"""``xpnet book``: scripts written in the book's style run through the runner on every backend.

The scripts in ``bookstyle/`` were written for these tests (none is the book's): between them
they import every module and call every function that the book's chapter-6 scripts and
``ch07/train_convnet.py`` use (``from common.optimizer import *`` with its ``np``, Python-float
params, ``np.random.choice`` batches, ``gradient``/``loss``/``accuracy``/``numerical_gradient``,
``Trainer``, ``smooth_curve``, ``shuffle_dataset``, ``save_params``, ``plt.show()``), so a
module or call that xpnet stops answering fails here. They use the embedded digits and small
settings; on torch and array_api_strict the networks convert the scripts' NumPy batches.
"""

from __future__ import annotations

import io
import math
import os
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from xpnet.book import MODULES, Session, run  # noqa: E402
from xpnet.layers.batchnorm import SingleValueBatchWarning  # noqa: E402

SCRIPTS = Path(__file__).parent / "bookstyle"


@pytest.fixture
def run_script(xp, tmp_path):
    """``run_script('ch06/x.py')`` -> the script's globals, run on the ``xp`` backend with its
    figures and files in ``tmp_path``; also checks that the script's folder is left as it was."""
    np.random.seed(0)

    def go(name: str) -> dict:
        path = SCRIPTS / name
        before = sorted(os.listdir(path.parent))
        session = Session(tmp_path, data="embedded", stream=io.StringIO())
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "No artists with labels", UserWarning)
            g = run(path, session=session)
        assert sorted(os.listdir(path.parent)) == before, "the runner wrote into the script's folder"
        go.session = session
        return g

    return go


def _figures(tmp_path, stem: str) -> list[Path]:
    found = sorted(tmp_path.glob(f"{stem}-*.png"))
    assert found and all(p.stat().st_size > 2000 for p in found), f"{stem}: no figure saved"
    return found


def _floats(values) -> np.ndarray:
    return np.array([float(v) for v in values])


def test_update_rules_train_on_numpy_batches_with_np_from_the_star_import(run_script, tmp_path):
    g = run_script("ch06/mlp_update_rules.py")
    assert g["np"] is np  # from common.optimizer import *, as the book's modules pass it on
    for name, curve in g["curves"].items():
        losses = _floats(curve)
        assert losses.shape == (g["n_steps"],) and np.all(np.isfinite(losses)), name
    adam = _floats(g["curves"]["Adam"])
    assert adam[-5:].mean() < adam[0], "Adam did not lower the loss in 15 steps"
    assert len(_figures(tmp_path, "mlp_update_rules")) == 1


def test_python_float_params_move_down_the_bowl(run_script, tmp_path):
    g = run_script("ch06/float_params_paths.py")
    assert type(g["params"]["x"]) is float and type(g["params"]["y"]) is float
    for name, (xs, ys) in g["paths"].items():
        assert len(set(xs)) == 20, f"{name}: the path collapsed"
        start, end = math.hypot(xs[0], ys[0]), math.hypot(g["params"]["x"], g["params"]["y"])
        assert end < start, f"{name} did not move towards the minimum"
    assert len(_figures(tmp_path, "float_params_paths")) == 1


def test_regularized_nets_hand_loop_and_trainer(run_script, tmp_path):
    g = run_script("ch06/regularize_and_trainer.py")
    for key, rows in g["history"].items():
        assert len(rows) == g["epochs"], key
        assert all(0.0 <= a <= 1.0 and 0.0 <= b <= 1.0 for a, b in rows), key
    assert g["x_val"].shape[0] == 40 and g["x_train"].shape[0] == 160  # shuffle_dataset, host NumPy
    assert isinstance(g["x_train"], np.ndarray)
    for choice, (train_acc, val_acc) in g["trained"].items():
        assert len(train_acc) == len(val_acc) == 2, choice
    assert len(_figures(tmp_path, "regularize_and_trainer")) == 1


def test_batchnorm_gradient_check_on_one_sample_warns_and_runs(run_script):
    with pytest.warns(SingleValueBatchWarning, match="1 value per feature"):
        g = run_script("ch06/bn_one_sample_check.py")
    gaps = g["gaps"]
    assert set(gaps) == set(g["network"].params)
    assert all(math.isfinite(v) for v in gaps.values())
    # one sample: every normalised value is beta, so nothing below the first BatchNorm moves it
    assert gaps["W1"] < 1e-6 and gaps["b1"] < 1e-6


def test_convnet_trains_and_its_params_pkl_lands_in_out(run_script, tmp_path):
    g = run_script("ch07/cnn_trainer_params.py")
    assert g["same"] is True
    assert (tmp_path / "params.pkl").is_file()
    assert not (SCRIPTS / "ch07" / "params.pkl").exists()
    assert len(g["trainer"].train_acc_list) == len(g["trainer"].test_acc_list) == 2
    assert len(_figures(tmp_path, "cnn_trainer_params")) == 2
    assert any("params.pkl" in str(p) for p in run_script.session.written)


def test_layers_functions_and_helpers_by_hand(run_script, tmp_path):
    g = run_script("ch07/layers_by_hand.py")
    assert g["maps"].shape == (2, 3, 3, 3) and g["size"] == 6
    assert g["cols"].shape == (72, 9) and g["back"].shape == g["images"].shape
    assert float(g["loss"]) == pytest.approx(float(g["by_hand"]), rel=1e-5)
    assert g["dscores"].shape == (2, 10) and g["squashed"].shape == (2, 10)
    np.testing.assert_allclose(np.asarray(g["slope"]), [6.0, -4.0], rtol=1e-4)
    assert len(_figures(tmp_path, "layers_by_hand")) == 1


# -- the runner itself (NumPy only: no array work) -------------------------------------------------

BOOK_IMPORTS = {  # what the book's ch06 scripts and ch07/train_convnet.py import, by module
    "common.optimizer": {"SGD", "Momentum", "AdaGrad", "Adam", "np"},
    "common.multi_layer_net": {"MultiLayerNet"},
    "common.multi_layer_net_extend": {"MultiLayerNetExtend"},
    "common.util": {"smooth_curve", "shuffle_dataset"},
    "common.trainer": {"Trainer"},
    "dataset.mnist": {"load_mnist"},
    "simple_convnet": {"SimpleConvNet"},
}


def test_every_name_the_books_ch06_ch07_scripts_import_is_mapped():
    for module, names in BOOK_IMPORTS.items():
        assert names <= set(MODULES[module]), module


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_a_failing_script_is_one_line_and_the_next_still_runs(tmp_path, capsys):
    from xpnet.cli.main import main

    scripts = tmp_path / "book" / "ch06"
    missing = _write(scripts / "a_missing.py", "import common.no_such_module\n")
    raising = _write(scripts / "b_raising.py", "x = 1\nraise RuntimeError('broken on purpose')\n")
    drawing = _write(scripts / "c_drawing.py",
                     "import sys, os\nsys.path.append(os.pardir)\nimport matplotlib.pyplot as plt\n"
                     "from common.util import smooth_curve\nplt.plot(smooth_curve([3.0, 2.0, 1.0]))\n"
                     "plt.show()\n")
    out = tmp_path / "figs"
    rc = main(["book", str(missing), str(raising), str(drawing), "--out", str(out), "--data", "embedded"])
    captured = capsys.readouterr()
    assert rc == 1
    errors = [line for line in captured.err.splitlines() if "error:" in line]
    assert len(errors) == 2, captured.err
    assert "common.no_such_module" in errors[0]
    assert "b_raising.py (line 2): RuntimeError: broken on purpose" in errors[1]
    assert "mapped the book's modules" in captured.err
    assert "common.optimizer -> xpnet.optimizers" in captured.err
    assert (out / "c_drawing-1.png").is_file() and str(out / "c_drawing-1.png") in captured.out
    assert sorted(os.listdir(scripts)) == ["a_missing.py", "b_raising.py", "c_drawing.py"]


def test_a_name_without_counterpart_names_module_and_name(tmp_path):
    script = _write(tmp_path / "ch06" / "s.py", "from common.functions import step_function\n")
    with pytest.raises(ImportError, match="step_function.*common.functions"):
        run(script, session=Session(tmp_path / "out", data="embedded", stream=io.StringIO()))


def test_run_restores_modules_path_cwd_and_show(tmp_path):
    script = _write(tmp_path / "ch06" / "s.py",
                    "import os, sys\nsys.path.append(os.pardir)\nimport helper\n"
                    "from common.optimizer import SGD\nfolder = os.getcwd()\nargv = list(sys.argv)\n")
    _write(tmp_path / "ch06" / "helper.py", "VALUE = 1\n")
    saved_path, saved_cwd, saved_show = list(sys.path), os.getcwd(), plt.show
    g = run(script, session=Session(tmp_path / "out", data="embedded", stream=io.StringIO()))
    assert g["folder"] == str(script.parent) and g["argv"] == [str(script)]
    assert g["SGD"].__module__.startswith("xpnet.optimizers")
    assert sys.path == saved_path and os.getcwd() == saved_cwd and plt.show is saved_show
    assert "common" not in sys.modules and "common.optimizer" not in sys.modules
    assert "helper" not in sys.modules


def test_load_mnist_says_its_data_once_per_session(tmp_path):
    script = _write(tmp_path / "ch06" / "s.py",
                    "from dataset.mnist import load_mnist\n(a, b), (c, d) = load_mnist(flatten=False)\n"
                    "(e, f), (g, h) = load_mnist(normalize=False, one_hot_label=True)\n")
    said = io.StringIO()
    session = Session(tmp_path / "out", data="embedded", stream=said)
    g = run(script, session=session)
    run(script, session=session)
    assert said.getvalue().count("data: embedded MNIST") == 1
    assert g["a"].shape[1:] == (1, 28, 28) and g["a"].dtype == np.float32
    assert g["e"].dtype == np.uint8 and g["f"].shape[1] == 10


def test_docs_table_lists_every_mapped_name():
    doc = (Path(__file__).parents[2] / "docs" / "book.md").read_text(encoding="utf-8")
    for module, names in MODULES.items():
        for name, target in names.items():
            if name != "np":
                row = f"| `{module}` | `{name}` | `{target.replace(':', '.')}` |"
                assert row in doc, f"docs/book.md lacks {row}"


def test_a_relative_out_is_the_callers_folder_not_the_scripts(tmp_path, monkeypatch, capsys):
    from xpnet.cli.main import main

    script = _write(tmp_path / "book" / "ch06" / "s.py",
                    "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\n")
    monkeypatch.chdir(tmp_path)
    assert main(["book", str(script), "--data", "embedded"]) == 0
    assert (tmp_path / "xpnet-out" / "book" / "s-1.png").is_file()
    assert sorted(os.listdir(script.parent)) == ["s.py"]


def test_an_auto_fallback_is_said_by_its_warning_alone(tmp_path, monkeypatch):
    """With ``--data auto`` offline, the loader's warning already names the embedded digits: the
    runner adds no second ``data:`` line (the data is said once per run)."""
    from xpnet import datasets
    from xpnet.datasets.mnist import DataSource

    embedded = datasets.load_mnist(source="embedded")

    def offline_auto(*, source, return_source, **kwargs):
        assert source == "auto" and return_source
        return embedded, DataSource("embedded", "embedded MNIST test set (stand-in)")

    monkeypatch.setattr("xpnet.book.session.datasets.load_mnist", offline_auto)
    script = _write(tmp_path / "ch06" / "s.py", "from dataset.mnist import load_mnist\nload_mnist()\n")
    said = io.StringIO()
    run(script, session=Session(tmp_path / "out", data="auto", stream=said))
    assert "data:" not in said.getvalue()
