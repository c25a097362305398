"""Progress on stderr: a tqdm bar per stage on a terminal, else one line when a stage starts."""

from __future__ import annotations

import sys
import time


class Reporter:
    """The ``progress(stage, done, total)`` callback the studies call."""

    def __init__(self, study: str, *, stream=None, tty: bool | None = None) -> None:
        self.study = study
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.stage, self.bar, self.started = None, None, time.perf_counter()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage
            if self.tty:
                from tqdm.auto import tqdm

                self.bar = tqdm(total=total, desc=f"{self.study}: {stage}", file=self.stream, leave=False)
            else:
                elapsed = time.perf_counter() - self.started
                print(f"{self.study}: {stage} ({total} steps) [{elapsed:.0f}s]", file=self.stream, flush=True)
        if self.bar is not None:
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
