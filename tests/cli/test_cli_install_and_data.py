"""What a run says about its data (once), and what a plain install without matplotlib leaves."""

from __future__ import annotations

import sys

from xpnet.cli import main
from xpnet.datasets import DownloadError, mnist

ARGS = ["weight-init-compare", "--quick", "--iters", "3"]


def test_a_fallback_to_the_embedded_digits_is_said_once(tmp_path, capsys, monkeypatch):
    def offline(dataset):
        raise DownloadError("could not download train-images-idx3-ubyte.gz: offline")

    monkeypatch.setattr(mnist, "load_idx_dataset", offline)
    assert main([*ARGS, "--data", "auto", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "full MNIST is not available (could not download" in err
    assert err.count("embedded MNIST test set") == 1, err


def test_the_data_used_is_said_once_when_asked_for(tmp_path, capsys):
    assert main([*ARGS, "--data", "embedded", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert err.count("embedded MNIST test set") == 1, err
    assert "data: embedded MNIST test set" in err


def test_without_matplotlib_a_study_says_how_to_install_and_leaves_no_folder(tmp_path, capsys,
                                                                               monkeypatch):
    monkeypatch.setitem(sys.modules, "xpnet.plotting", None)  # import xpnet.plotting -> ImportError
    out = tmp_path / "xpnet-out"
    assert main([*ARGS, "--data", "embedded", "--out", str(out)]) != 0
    assert 'pip install "xpnet[plot]"' in capsys.readouterr().err
    assert not out.exists()
