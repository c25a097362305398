"""``python -m benchmarks.profile NETWORK [--steps N] [--backend numpy]``: where a step's time goes.

Times every layer's forward and backward and the optimizer update of an xpnet train step and
prints the total per layer kind (Conv, Pool, Relu, Affine, ...), largest first, and the time
outside them. Layers are wrapped, not changed; a max pooling and the ReLU after it, which run as
one :class:`~xpnet.layers.MaxPoolReLU` step made anew each pass, are timed as that step. The
first two steps are warm-up.
"""

from __future__ import annotations

import argparse
import collections
import re
import time

import xpnet
from xpnet.backend import choice, normal
from xpnet.layers import MaxPoolReLU
from xpnet.optimizers import Adam

from .nets import BY_NAME


def _timed(acc: dict, label: str, fn):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            acc[label] += time.perf_counter() - start

    return wrapper


def profile(network: str, steps: int = 10, backend: str = "numpy") -> tuple[float, dict]:
    """Seconds per step and seconds per step by ``'<kind> forward|backward'`` / ``'Adam update'``."""
    spec = BY_NAME[network]
    with xpnet.use_backend(backend):
        xpnet.seed(0)
        net = spec.build()
        x, t = normal((spec.batch, *spec.input_shape)), choice(10, spec.batch)
        opt = Adam()
        acc: dict = collections.defaultdict(float)
        for name, layer in [*net.layers.items(), ("Loss", net.last_layer)]:
            kind = re.sub(r"\d+$", "", name)
            layer.forward = _timed(acc, f"{kind} forward", layer.forward)
            layer.backward = _timed(acc, f"{kind} backward", layer.backward)
            layer.param_backward = _timed(acc, f"{kind} backward", layer.param_backward)
        opt.update = _timed(acc, "Adam update", opt.update)
        fused = {name: getattr(MaxPoolReLU, name) for name in ("forward", "backward")}
        try:
            for name, method in fused.items():  # its steps are new objects each pass: time the class
                setattr(MaxPoolReLU, name, _timed(acc, f"MaxPoolReLU {name}", method))
            for _ in range(2):
                opt.update(net.params, net.gradient(x, t))
            acc.clear()
            start = time.perf_counter()
            for _ in range(steps):
                opt.update(net.params, net.gradient(x, t))
            total = time.perf_counter() - start
        finally:
            for name, method in fused.items():
                setattr(MaxPoolReLU, name, method)
    parts = {k: v / steps for k, v in acc.items()}
    parts["outside the layers and Adam"] = total / steps - sum(parts.values())
    return total / steps, parts


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.splitlines()[0])
    p.add_argument("network", choices=sorted(BY_NAME))
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--backend", default="numpy")
    args = p.parse_args(argv)
    per_step, parts = profile(args.network, args.steps, args.backend)
    print(f"{args.network} on {args.backend}: {per_step * 1e3:.2f} ms per train step")
    for label, seconds in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"  {label:24s} {seconds * 1e3:8.2f} ms  {100 * seconds / per_step:5.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
