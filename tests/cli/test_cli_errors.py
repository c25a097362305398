"""Bad command lines give one ``xpnet: error: ...`` line and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from xpnet.cli import main


def _one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("xpnet: error:")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("argv, needle", [
    (["no-such-study"], "invalid choice: 'no-such-study'"),
    (["optimizer-compare", "--iters", "-5"], "argument --iters: must be a positive integer, got '-5'"),
    (["batch-norm", "--epochs", "0"], "argument --epochs: must be a positive integer, got '0'"),
    (["train", "--lr", "abc"], "argument --lr: must be a positive finite number, got 'abc'"),
    (["optimizer-paths", "--backend", "tensorflow"], "unknown backend 'tensorflow'"),
    (["optimizer-paths", "--data", "cifar"], "argument --data: invalid choice: 'cifar'"),
    (["train", "--lr", "inf"], "argument --lr: must be a positive finite number, got 'inf'"),
    (["train", "--lr", "nan"], "argument --lr: must be a positive finite number, got 'nan'"),
    (["train", "--width", "2"], "--width applies to --model alexnet only, got --model simple"),
    (["train", "--model", "deep", "--width", "2"],
     "--width applies to --model alexnet only, got --model deep"),
])
def test_bad_arguments_exit_2_with_one_line(argv, needle, tmp_path, capsys):
    code = main(argv if argv[0] == "no-such-study" else [*argv, "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert needle in _one_error_line(err)


def test_unwritable_out_is_refused_before_any_work(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    code = main(["optimizer-paths", "--out", str(blocker / "sub")])
    assert code == 2
    assert f"cannot write to --out '{blocker / 'sub'}'" in _one_error_line(capsys.readouterr().err)


def test_a_setting_the_data_cannot_meet_fails_with_one_line(tmp_path, capsys):
    code = main(["weight-init-compare", "--data", "embedded", "--samples", "20000", "--out", str(tmp_path)])
    assert code == 1
    assert "samples=20000 is more than the 8000 training images" in _one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "weight-init-compare.json").exists()


def test_console_script_help_runs():
    script = Path(sys.executable).with_name("xpnet")  # the console script of pyproject [project.scripts]
    assert script.exists(), f"console script not installed next to {sys.executable}"
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "optimizer-compare" in proc.stdout and "hyperparameter-search" in proc.stdout


@pytest.mark.parametrize("command", [["xpnet"], [sys.executable, "-m", "xpnet"]], ids=["script", "python-m"])
def test_bare_command_prints_the_usage_line_and_the_studies(command):
    if command == ["xpnet"]:
        command = [str(Path(sys.executable).with_name("xpnet"))]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: xpnet ")
    assert "choose a study: optimizer-paths, optimizer-compare" in _one_error_line(proc.stderr)


def test_python_m_xpnet_runs_the_command():
    proc = subprocess.run([sys.executable, "-m", "xpnet", "--version"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("xpnet ")


@pytest.mark.parametrize("value", ["100000", "0", "9", "601"])
def test_an_out_of_range_dpi_is_refused_before_any_work(value, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["optimizer-paths", "--quick", "--dpi", value, "--out", str(out)])
    assert code == 2
    assert f"argument --dpi: must be an integer from 10 to 600, got '{value}'" in _one_error_line(
        capsys.readouterr().err)
    assert not out.exists()


def test_a_directory_where_an_output_file_goes_is_refused_before_any_work(tmp_path, capsys):
    (tmp_path / "optimizer-paths.png").mkdir()
    code = main(["optimizer-paths", "--quick", "--out", str(tmp_path)])
    assert code == 2
    line = _one_error_line(capsys.readouterr().err)
    assert f"cannot write '{tmp_path / 'optimizer-paths.png'}': it is a directory" in line
    assert not (tmp_path / "optimizer-paths.json").exists()


def test_a_figure_that_fails_to_save_is_one_line_and_the_numbers_are_kept(tmp_path, capsys, monkeypatch):
    import xpnet.plotting

    def out_of_memory(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(xpnet.plotting, "save_figure", out_of_memory)
    code = main(["optimizer-paths", "--quick", "--out", str(tmp_path)])
    assert code == 1
    line = _one_error_line(capsys.readouterr().err)
    assert f"no figure written (MemoryError); the numbers are in {tmp_path / 'optimizer-paths.json'}" in line
    assert (tmp_path / "optimizer-paths.json").stat().st_size > 0
    assert not (tmp_path / "optimizer-paths.png").exists()


def test_offline_data_mnist_is_a_short_error_with_the_cli_advice(tmp_path, capsys, monkeypatch):
    import socket

    from xpnet.datasets import mnist
    from xpnet.datasets._download import RemoteFile

    with socket.socket() as s:  # a local port nobody listens on: an offline mirror
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/"
    files = {k: RemoteFile(r.name, r.known_hash, (url,)) for k, r in mnist.MNIST.files.items()}
    monkeypatch.setattr(mnist, "MNIST", mnist.IdxDataset("MNIST", "mnist", files))
    monkeypatch.setenv("XPNET_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    code = main(["weight-init-compare", "--quick", "--data", "mnist", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert _one_error_line(err) == "xpnet: error: could not download train-images-idx3-ubyte.gz:"
    detail = err[err.index("xpnet: error:"):].splitlines()[1:]
    assert detail[0] == f"  {url}train-images-idx3-ubyte.gz: connection failed: connection refused"
    assert detail[-1].startswith("  Or run with --data embedded")
    assert all(len(line) < 200 for line in detail) and "source='embedded'" not in err
    assert not (tmp_path / "cache").exists()
