"""The one benchmark body behind both suites: build, warm up, time, record.

Rounds follow a time budget (``XPNET_BENCH_SECONDS`` per benchmark, default 2 s; at least 3
rounds, at most 200) measured after two warm-up calls (the first one allocates the optimizer
state and, on a GPU, loads kernels). ``extra_info`` carries samples/s from the median round (the
table's figure) and from the fastest round, the batch, and the peak memory of one more call.
"""

from __future__ import annotations

import math
import os
import time

from .nets import NetSpec, batch_size
from .runners import Impl, open_runner

BUDGET_ENV = "XPNET_BENCH_SECONDS"
WARMUP = 2


def _rounds(seconds_per_call: float) -> int:
    budget = float(os.environ.get(BUDGET_ENV, "2") or 2)
    return max(3, min(200, math.ceil(budget / max(seconds_per_call, 1e-6))))


def run_benchmark(benchmark, impl: Impl, spec: NetSpec, kind: str) -> None:
    """Time ``kind`` ('train' or 'infer') of ``spec`` on ``impl`` with pytest-benchmark."""
    timed = benchmark.enabled
    batch = batch_size(spec, timed)
    benchmark.group = f"{kind} {spec.name}"
    with open_runner(impl, spec, batch) as runner:
        call = runner.train if kind == "train" else runner.infer
        benchmark.extra_info.update(
            network=spec.name, kind=kind, impl=impl.id, library=impl.library, device=impl.device_kind,
            batch=batch, timed=timed, **runner.info,
        )
        if not timed:
            benchmark(call)  # the smoke run: one call, no statistics
            return
        for _ in range(WARMUP):
            call()
        start = time.perf_counter()
        call()
        rounds = _rounds(time.perf_counter() - start)
        benchmark.pedantic(call, rounds=rounds, iterations=1, warmup_rounds=0)
        stats = benchmark.stats.stats
        benchmark.extra_info.update(
            samples_per_s=batch / stats.median, samples_per_s_best=batch / stats.min,
            **runner.peak_memory(call),
        )
