"""The book-style scripts in examples/ run with their --quick setting on the embedded data."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("script, extra, expected", [
    ("train_mlp_manual.py", [], "train acc"),
    ("compare_optimizers.py", [], "mean loss of the last 50 iterations"),
    ("train_convnet.py", ["--out", "{tmp}/params.npz"], "Saved Network Parameters"),
])
def test_example_runs_quick(script, extra, expected, tmp_path, monkeypatch, capsys):
    argv = [script, "--quick", "--data", "embedded", *(a.format(tmp=tmp_path) for a in extra)]
    monkeypatch.setattr(sys, "argv", argv)
    runpy.run_path(str(EXAMPLES / script), run_name="__main__")
    assert expected in capsys.readouterr().out
    if script == "train_convnet.py":
        assert (tmp_path / "params.npz").stat().st_size > 0
