"""Hostile command lines fail fast with one ``xpnet: error:`` line, before any work where they
can: an empty --out, a batch larger than the data, a damaged search results file, a learning
rate that overflows (no raw RuntimeWarning lines), a Dask scheduler where nothing answers
(127.0.0.1 only), a directory given as --weights."""

from __future__ import annotations

import inspect
import json
import time

import pytest

from xpnet.cli import main
from xpnet.experiments import hyperparameter_search
from xpnet.training.executors import CONNECT_TIMEOUT


def _error(err: str) -> str:
    assert "Traceback" not in err and "Warning" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("xpnet: error:")]
    assert len(lines) == 1, err
    return lines[0]


def test_an_empty_out_is_refused_and_nothing_is_written_here(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["optimizer-paths", "--quick", "--out", ""]) == 2
    assert "--out is empty: give a directory" in _error(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, train", [
    (["overfit-weight-decay", "--quick", "--batch-size", "100000"], "300 training samples"),
    (["optimizer-compare", "--quick", "--iters", "2", "--batch-size", "100000"], "2000 training samples"),
    (["hyperparameter-search", "--quick", "--trials", "1", "--batch-size", "161"],
     "160 training samples (after the validation split)"),
    (["train", "--quick", "--model", "mlp", "--samples", "50", "--batch-size", "51"], "50 training samples"),
], ids=lambda a: a[0] if isinstance(a, list) else "")
def test_a_batch_larger_than_the_data_is_refused_before_any_work(argv, train, tmp_path, capsys):
    assert main([*argv, "--data", "embedded", "--out", str(tmp_path)]) == 2
    line = _error(capsys.readouterr().err)
    assert f"--batch-size {argv[-1]} is larger than the {train}" in line
    assert not list(tmp_path.iterdir())


def test_a_batch_as_large_as_the_data_runs(tmp_path, capsys):
    assert main(["train", "--quick", "--model", "mlp", "--samples", "50", "--batch-size", "50",
                 "--epochs", "1", "--data", "embedded", "--out", str(tmp_path)]) == 0


@pytest.mark.parametrize("line", ['[1, 2]', '"a string"', "garbage that is no JSON"])
def test_a_damaged_search_results_file_names_the_file_and_line(tmp_path, capsys, line):
    results = tmp_path / "hyperparameter-search.jsonl"
    results.write_text(json.dumps({"trial": 0}) + "\n" + line + "\n")
    before = results.read_bytes()
    assert main(["hyperparameter-search", "--quick", "--data", "embedded", "--out", str(tmp_path)]) == 1
    message = _error(capsys.readouterr().err)
    assert f"{results} line 2 is not a trial record" in message
    assert results.read_bytes() == before


def test_an_interrupted_append_is_skipped_and_the_next_line_starts_fresh(tmp_path):
    from xpnet.training.search import _append, read_results

    results = tmp_path / "r.jsonl"
    results.write_text('{"trial": 0}\n{"trial": 1, "val')  # a crash mid-append
    _append(results, {"trial": 2})
    assert read_results(results) == [{"trial": 0}, {"trial": 2}]


def test_an_overflowing_learning_rate_gives_one_clear_line_and_no_raw_warning(tmp_path, capsys):
    code = main(["train", "--quick", "--model", "mlp", "--lr", "1e30", "--data", "embedded",
                 "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "loss became" in _error(err) and "RuntimeWarning" not in err and ".py:" not in err


def test_warnings_print_as_one_line_without_source_paths(tmp_path, capsys):
    import numpy as np

    from xpnet.io import save_params
    from xpnet.models import SimpleConvNet

    net = SimpleConvNet()
    xp_nan = np.float32("nan")
    net.params["W3"][...] = xp_nan
    save_params(tmp_path / "nan.npz", net)
    main(["evaluate", "--weights", str(tmp_path / "nan.npz"), "--samples", "10"])
    err = capsys.readouterr().err
    warned = [line for line in err.splitlines() if "NaN or infinite values in params/W3" in line]
    assert len(warned) == 1 and warned[0].startswith("xpnet: warning: ") and ".py:" not in err


def test_a_scheduler_where_nothing_answers_fails_within_the_connect_timeout(tmp_path, capsys):
    start = time.perf_counter()
    code = main(["hyperparameter-search", "--quick", "--data", "embedded", "--scheduler", "tcp://127.0.0.1:1",
                 "--connect-timeout", "1", "--out", str(tmp_path)])
    elapsed = time.perf_counter() - start
    assert code == 1
    line = _error(capsys.readouterr().err)
    assert "no Dask scheduler answered at tcp://127.0.0.1:1 within 1 s" in line
    assert "--connect-timeout" in line
    assert elapsed < 8.0, elapsed  # data loading and Dask's import included


def test_the_default_connect_timeout_is_ten_seconds():
    assert CONNECT_TIMEOUT == 10.0
    assert inspect.signature(hyperparameter_search).parameters["connect_timeout"].default == CONNECT_TIMEOUT


def test_a_connect_timeout_with_the_process_pool_is_refused(tmp_path, capsys):
    assert main(["hyperparameter-search", "--quick", "--connect-timeout", "5", "--out", str(tmp_path)]) == 2
    assert "--connect-timeout applies to a Dask scheduler" in _error(capsys.readouterr().err)


def test_evaluate_with_a_directory_for_weights_says_so(tmp_path, capsys):
    assert main(["evaluate", "--weights", str(tmp_path)]) == 1
    assert f"weights file '{tmp_path}' is a directory" in _error(capsys.readouterr().err)


def test_an_out_that_is_a_file_or_device_says_it_is_not_a_directory(tmp_path, capsys):
    assert main(["optimizer-paths", "--quick", "--out", "/dev/null"]) == 2
    line = _error(capsys.readouterr().err)
    assert "cannot write to --out '/dev/null': it exists and is not a directory" in line


def test_an_optimizer_named_twice_is_refused(tmp_path, capsys):
    code = main(["optimizer-paths", "--quick", "--optimizers", "SGD,sgd", "--out", str(tmp_path)])
    assert code == 1
    assert "optimizer 'sgd' is named twice" in _error(capsys.readouterr().err)


def test_the_activation_histograms_help_says_the_input_is_random(capsys):
    assert main(["weight-init-activations", "--help"]) == 0
    assert "standard-normal input samples" in " ".join(capsys.readouterr().out.split())
