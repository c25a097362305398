"""A busy core: what a laptop running a browser, or a CI runner sharing its cores, looks like.

:func:`busy_core` starts a process that spins on one CPU (pinned to it where the OS allows) and
stops it on exit; the report's ``--busy`` pass runs the suites inside it. As a command it times
another command quiet and with one core busy, alternating, so both see the same machine::

    python -m benchmarks.busy --pairs 2 -- xpnet optimizer-compare --out /tmp/oc

prints each run's seconds and the busy/quiet ratio of each pair (issue 13 asks the main job for
at most 1.5×).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
from typing import Iterator

_SPIN = "while True:\n    pass\n"


def _pinnable_cpu() -> int | None:
    """The last CPU this process may run on (None where affinity cannot be set)."""
    try:
        return max(os.sched_getaffinity(0))
    except (AttributeError, OSError, ValueError):
        return None


@contextlib.contextmanager
def busy_core(cpu: int | None = None) -> Iterator[dict]:
    """Spin one Python process on ``cpu`` (default: the last CPU this process may use) while the
    block runs; yields what was started (``{"pid", "cpu"}``)."""
    cpu = _pinnable_cpu() if cpu is None else cpu
    proc = subprocess.Popen([sys.executable, "-c", _SPIN], stdin=subprocess.DEVNULL)
    try:
        if cpu is not None:
            try:
                os.sched_setaffinity(proc.pid, {cpu})
            except OSError:
                cpu = None  # not allowed here: it still spins, wherever the OS puts it
        time.sleep(0.2)  # let it reach its loop before anything is timed
        if proc.poll() is not None:
            raise RuntimeError(f"the busy loop exited at once (code {proc.returncode})")
        yield {"pid": proc.pid, "cpu": cpu}
    finally:
        proc.kill()
        proc.wait()


def time_command(cmd: list[str], *, busy: bool) -> float:
    """Wall seconds of ``cmd`` (which must succeed), with one core busy or not."""
    with busy_core() if busy else contextlib.nullcontext():
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.busy", description=__doc__.splitlines()[0])
    p.add_argument("--pairs", type=int, default=2, help="quiet/busy pairs (default 2)")
    p.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to time")
    args = p.parse_args(argv)
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        p.error("give the command to time after --")
    if args.pairs < 1:
        p.error(f"--pairs must be at least 1, got {args.pairs}")
    ratios = []
    for i in range(args.pairs):
        quiet, busy = time_command(cmd, busy=False), time_command(cmd, busy=True)
        ratios.append(busy / quiet)
        print(f"pair {i + 1}: quiet {quiet:6.1f} s   one core busy {busy:6.1f} s   "
              f"busy/quiet {busy / quiet:.2f}x", flush=True)
    print(f"median busy/quiet over {args.pairs} pairs: {statistics.median(ratios):.2f}x ({' '.join(cmd)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
