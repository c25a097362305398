"""The benchmarked networks: which xpnet model, at which batch size, on which input shape."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

from xpnet.models import AlexNet, DeepConvNet, MultiLayerNet, SimpleConvNet

#: Batch cap for the untimed smoke run (CI); timed runs use each network's full batch.
SMOKE_BATCH_ENV = "XPNET_BENCH_SMOKE_BATCH"


@dataclass(frozen=True)
class NetSpec:
    """One benchmarked network.

    ``build`` makes the xpnet model on the current backend; ``peer`` names the builder in
    :mod:`benchmarks.peers` (with ``peer_args``) of the same architecture in ``torch.nn``.
    """

    name: str
    batch: int
    input_shape: tuple
    build: Callable
    peer: str
    peer_args: tuple = ()


NETS = (
    NetSpec("mlp", 128, (784,), lambda: MultiLayerNet(784, [100] * 4, 10), "mlp",
            ((784, 100, 100, 100, 100, 10),)),
    NetSpec("simpleconvnet", 100, (1, 28, 28), SimpleConvNet, "simple_convnet"),
    NetSpec("deepconvnet", 100, (1, 28, 28), DeepConvNet, "deep_convnet"),
    NetSpec("alexnet-w1", 64, (3, 32, 32), lambda: AlexNet(width=1.0), "alexnet", (1.0,)),
    NetSpec("alexnet-w0.25", 64, (3, 32, 32), lambda: AlexNet(width=0.25), "alexnet", (0.25,)),
)
BY_NAME = {spec.name: spec for spec in NETS}


def batch_size(spec: NetSpec, timed: bool) -> int:
    """The full batch when timed; in the untimed smoke run at most ``XPNET_BENCH_SMOKE_BATCH``."""
    if timed:
        return spec.batch
    cap = int(os.environ.get(SMOKE_BATCH_ENV, "8") or 8)
    if cap < 1:
        raise ValueError(f"{SMOKE_BATCH_ENV} must be a positive integer, got {cap}")
    return min(spec.batch, cap)
