"""Every subcommand's --help is plain text that says what each flag does in that study."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from xpnet.cli import main
from xpnet.cli.options import check_combinations
from xpnet.experiments import STUDIES

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _help(capsys, *argv) -> str:
    assert main([*argv, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("study", [None, *STUDIES])
def test_help_has_no_rest_markup_or_pointers_to_docstrings(study, capsys):
    text = _help(capsys, *([study] if study else []))
    assert "``" not in text and not re.search(r":(func|mod|class|meth|data):", text), text
    assert "docstring" not in text


@pytest.mark.parametrize("study", [s for s in STUDIES if "samples" in STUDIES[s].defaults])
def test_samples_help_speaks_of_histograms_only_where_there_are_some(study, capsys):
    flat = " ".join(_help(capsys, study).split())
    match = re.search(r"--samples N (.*?) \(default", flat)
    assert match, flat
    assert ("histograms" in match.group(1)) is (study == "weight-init-activations")


def test_width_is_accepted_with_alexnet_only():
    train = STUDIES["train"]
    check_combinations({"model": "alexnet", "width": 0.5}, train)
    check_combinations({"model": "mlp"}, train)
    with pytest.raises(ValueError, match="--width applies to --model alexnet only, got --model mlp"):
        check_combinations({"model": "mlp", "width": 0.5}, train)


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_examples_take_the_same_data_choices_as_the_command(script, capsys):
    cli = re.search(r"--data \{([a-z,]+)\}", _help(capsys, "train")).group(1)
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), "--data", "download"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert f"invalid choice: 'download' (choose from {', '.join(map(repr, cli.split(',')))})" in proc.stderr
