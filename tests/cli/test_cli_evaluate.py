"""``xpnet evaluate`` scores the book's pickled weights (or an xpnet .npz) on the MNIST test set."""

from __future__ import annotations

import os
import pickle
import re

import numpy as np
import pytest

from xpnet.cli import main
from xpnet.datasets import load_mnist
from xpnet.models import SimpleConvNet

torch = pytest.importorskip("torch")  # a run without torch (XPNET_TEST_BACKENDS) skips this module
F = torch.nn.functional


def _book_pickle(path, seed=0):
    rng = np.random.default_rng(seed)
    params = {k: rng.normal(0.0, 0.1, size=tuple(v.shape)) for k, v in SimpleConvNet().params.items()}
    path.write_bytes(pickle.dumps(params, protocol=3))  # what the book's save_params writes
    return params


def _torch_accuracy(p, n):
    (x_a, t_a), (x_b, t_b) = load_mnist(normalize=True, flatten=False, source="embedded")
    x, t = np.concatenate([x_a, x_b])[:n], np.concatenate([t_a, t_b])[:n]
    w = {k: torch.from_numpy(v) for k, v in p.items()}
    h = F.max_pool2d(F.relu(F.conv2d(torch.from_numpy(x).double(), w["W1"], w["b1"])), 2, 2)
    y = F.relu(h.flatten(1) @ w["W2"] + w["b2"]) @ w["W3"] + w["b3"]
    return float((y.argmax(1).numpy() == t).mean())


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict", "torch"])
def test_evaluate_prints_the_accuracy_an_independent_forward_finds(backend, tmp_path, capsys):
    params = _book_pickle(tmp_path / "params.pkl")
    argv = ["evaluate", "--weights", str(tmp_path / "params.pkl"), "--samples", "500", "--backend", backend]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "data: embedded MNIST test set (the 10,000 official MNIST test digits)" in err
    found = re.search(r"simple: test accuracy (\d\.\d{4}) \((\d+) of 500 digits, book-pickle weights\)", out)
    assert found, out
    expected = _torch_accuracy(params, 500)
    assert float(found.group(1)) == pytest.approx(expected, abs=2.5e-3)  # one digit near a tie may flip
    assert int(found.group(2)) == pytest.approx(expected * 500, abs=1)


def test_evaluate_reads_an_xpnet_npz_too(tmp_path, capsys):
    network = SimpleConvNet()
    network.save_params(tmp_path / "w.npz")
    assert main(["evaluate", "--weights", str(tmp_path / "w.npz"), "--samples", "100"]) == 0
    assert "of 100 digits, npz weights" in capsys.readouterr().out


class _Touch:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


@pytest.mark.parametrize("content, needle", [
    ("evil", r"refused to load the global (posix|nt)\.system"),
    ("missing", "does not exist"),
    ("wrong", "missing from the file: W3"),
])
def test_evaluate_errors_are_one_line_and_run_nothing(tmp_path, capsys, content, needle):
    path, marker = tmp_path / "params.pkl", tmp_path / "ran"
    if content == "evil":
        path.write_bytes(pickle.dumps({"W1": _Touch(marker)}))
    elif content == "wrong":
        params = {k: np.asarray(v) for k, v in SimpleConvNet().params.items() if k != "W3"}
        path.write_bytes(pickle.dumps(params))
    assert main(["evaluate", "--weights", str(path)]) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("xpnet: error:")]
    assert len(lines) == 1 and "Traceback" not in err
    assert re.search(needle, lines[0]), lines[0]
    assert not marker.exists()
