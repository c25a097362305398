"""Progress on stderr: a tqdm bar per stage on a terminal; else a line when a stage starts and one
each time it passes another tenth of its steps, so a log shows the run moving at least every 10 %."""

from __future__ import annotations

import sys
import time

STEPS = 10  # lines per stage when not on a terminal (besides the one that starts it)


class Reporter:
    """The ``progress(stage, done, total)`` callback the studies call."""

    def __init__(self, study: str, *, stream=None, tty: bool | None = None) -> None:
        self.study = study
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.stage, self.bar, self.started = None, None, time.perf_counter()
        self.tenths = 0  # tenths of the current stage already reported

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage, self.tenths = stage, 0
            if self.tty:
                from tqdm.auto import tqdm

                self.bar = tqdm(total=total, desc=f"{self.study}: {stage}", file=self.stream, leave=False)
            else:
                self._line(f"{stage} ({total} steps)")
        if self.bar is not None:
            self.bar.update(done - self.bar.n)
        elif total > 0:
            tenths = min(done * STEPS // total, STEPS)
            if tenths > self.tenths:
                self.tenths = tenths
                self._line(f"{stage} {done}/{total} ({100 * done // total}%)")

    def _line(self, text: str) -> None:
        elapsed = time.perf_counter() - self.started
        print(f"{self.study}: {text} [{elapsed:.0f}s]", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
