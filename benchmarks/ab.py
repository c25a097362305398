"""``python -m benchmarks.ab NETWORK VAR=VALUE [...]``: one setting off vs on, in fresh processes.

On a shared machine the speed of a process drifts by tens of percent from one minute to the
next, so comparing two settings in two separate runs measures the drift as much as the setting.
This runs the xpnet train step of one network in a fresh process per measurement, alternating
the two environments ``--pairs`` times (A, B, A, B, ...), and prints every median, each pair's
B/A ratio and the median of those ratios: a setting that helps wins pair after pair.

Example: ``python -m benchmarks.ab simpleconvnet XPNET_BLAS_TUNING=0`` compares the tuning
switched off (A) against the default (B); ``PYTHONPATH=/path/to/old/checkout/src`` compares an
older xpnet (A) against this one (B). ``--infer`` times inference (``predict``) instead.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

from .nets import BY_NAME

_CHILD = """
import json, statistics, sys, time
import xpnet
from xpnet.backend import choice, normal
from xpnet.optimizers import Adam
from benchmarks.nets import BY_NAME
spec, steps, mode = BY_NAME[sys.argv[1]], int(sys.argv[2]), sys.argv[3]
xpnet.seed(0)
net, opt = spec.build(), Adam()
x, t = normal((spec.batch, *spec.input_shape)), choice(10, spec.batch)
step = (lambda: opt.update(net.params, net.gradient(x, t))) if mode == "train" else (lambda: net.predict(x))
for _ in range(3):
    step()
times = []
for _ in range(steps):
    start = time.perf_counter()
    step()
    times.append(time.perf_counter() - start)
print(json.dumps(statistics.median(times)))
"""


def measure(network: str, env: dict, steps: int, mode: str = "train") -> float:
    """Median seconds per train step (or inference) of ``network`` in a fresh process with ``env``."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, "-c", _CHILD, network, str(steps), mode], env=env, cwd=root,
                          capture_output=True, text=True, check=True)
    return float(json.loads(done.stdout.strip().splitlines()[-1]))


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected VAR=VALUE, got {text!r}")
    return name, value


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.ab", description=__doc__.splitlines()[0])
    p.add_argument("network", choices=sorted(BY_NAME))
    p.add_argument("settings", nargs="+", type=_setting, help="VAR=VALUE of the A side (B: as inherited)")
    p.add_argument("--pairs", type=int, default=4)
    p.add_argument("--steps", type=int, default=None, help="train steps per process (default: ~2 s worth)")
    p.add_argument("--infer", action="store_true", help="time inference (predict) instead of a train step")
    args = p.parse_args(argv)
    mode = "infer" if args.infer else "train"
    base = dict(os.environ)
    a_env = {**base, **dict(args.settings)}
    steps = args.steps or max(5, min(300, round(2.0 / measure(args.network, base, 3, mode))))
    label = " ".join(f"{k}={v}" for k, v in args.settings)
    ratios = []
    for i in range(args.pairs):
        a, b = measure(args.network, a_env, steps, mode), measure(args.network, base, steps, mode)
        ratios.append(a / b)
        print(f"pair {i + 1}: A ({label}) {a * 1e3:7.2f} ms   B (default) {b * 1e3:7.2f} ms   "
              f"B is {a / b:.2f}x as fast")
    print(f"{args.network} ({mode}), {steps} steps per process: median over {args.pairs} pairs, "
          f"B is {statistics.median(ratios):.2f}x as fast as A ({label})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
