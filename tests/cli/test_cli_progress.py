"""Progress goes to stderr: one line per stage when not a terminal, a tqdm bar on a terminal."""

from __future__ import annotations

import io

from xpnet.cli.progress import Reporter


def _drive(reporter):
    for stage in ("SGD", "Adam"):
        for done in range(0, 11, 5):
            reporter(stage, done, 10)
    reporter.close()


def test_one_line_per_stage_without_a_terminal():
    stream = io.StringIO()
    _drive(Reporter("optimizer-compare", stream=stream, tty=False))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("optimizer-compare: SGD (10 steps)")
    assert lines[1].startswith("optimizer-compare: Adam (10 steps)")


def test_a_progress_bar_per_stage_on_a_terminal():
    stream = io.StringIO()
    reporter = Reporter("train", stream=stream, tty=True)
    reporter("epochs", 0, 10)
    reporter("epochs", 7, 10)
    assert (reporter.bar.n, reporter.bar.total) == (7, 10)
    reporter("evaluation", 0, 3)  # a new stage closes the old bar and opens its own
    assert (reporter.bar.n, reporter.bar.total) == (0, 3)
    reporter.close()
    assert reporter.bar is None
    text = stream.getvalue()
    assert "train: epochs" in text and "train: evaluation" in text
