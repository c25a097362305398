"""Progress goes to stderr: lines when not a terminal (a stage's start and each tenth of it), a tqdm
bar on a terminal."""

from __future__ import annotations

import io

from xpnet.cli.progress import Reporter


def _drive(reporter):
    for stage in ("SGD", "Adam"):
        for done in range(0, 11, 5):
            reporter(stage, done, 10)
    reporter.close()


def test_a_line_per_stage_and_per_progress_step_without_a_terminal():
    stream = io.StringIO()
    _drive(Reporter("optimizer-compare", stream=stream, tty=False))
    lines = stream.getvalue().splitlines()
    assert [line.split(" [")[0] for line in lines] == [
        "optimizer-compare: SGD (10 steps)", "optimizer-compare: SGD 5/10 (50%)",
        "optimizer-compare: SGD 10/10 (100%)",
        "optimizer-compare: Adam (10 steps)", "optimizer-compare: Adam 5/10 (50%)",
        "optimizer-compare: Adam 10/10 (100%)",
    ]


def test_a_line_at_least_every_tenth_of_a_long_stage_and_never_twice_for_one():
    """The main job reports every 100 of its 2,000 iterations: a line per 10 %, not per call."""
    stream = io.StringIO()
    reporter = Reporter("optimizer-compare", stream=stream, tty=False)
    for done in range(0, 2001, 100):
        reporter("training", done, 2000)
    reporter("training", 2000, 2000)  # a repeated call adds nothing
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 + 10
    percents = [int(line.split("(")[1].split("%")[0]) for line in lines[1:]]
    assert percents == list(range(10, 101, 10))


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
