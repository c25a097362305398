"""Peak host RSS of a train step, each network and implementation in a fresh process.

Inside the benchmark session the process RSS carries every earlier benchmark (and the malloc
tuning keeps freed memory for reuse), so its high-water mark says little about one network.
Here each (network, implementation) runs in its own interpreter: the RSS after importing the
libraries is the baseline, then the network, batch and optimizer are built and three train
steps run; the peak RSS above the baseline is what that training costs in host memory. On a
GPU the pool's peak (torch: ``max_memory_allocated``; CuPy: the default pool's bytes held, which
keeps freed blocks) is recorded too.

``python -m benchmarks.memory_probe NETWORK IMPL`` prints one JSON object;
:func:`probe_all` runs every pair through subprocesses (the report's ``--memory``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def probe(network: str, impl_id: str) -> dict:
    """Build and train ``network`` on ``impl_id`` here; RSS baseline and peak in bytes."""
    import pytest
    import torch  # noqa: F401  (loaded before the baseline, like in the benchmark session)

    import xpnet  # noqa: F401

    from .nets import BY_NAME
    from .runners import IMPLS, open_runner

    impl = {i.id: i for i in IMPLS}[impl_id]
    spec = BY_NAME[network]
    baseline = _kib("VmRSS")
    try:
        with open_runner(impl, spec, spec.batch) as runner:
            runner.reset_gpu_pool()
            for _ in range(3):
                runner.train()
            peak, gpu = _kib("VmHWM"), runner.gpu_pool()
    except pytest.skip.Exception as exc:
        return {"network": network, "impl": impl_id, "skipped": str(exc)}
    return {"network": network, "impl": impl_id, "baseline_rss_bytes": baseline * 1024,
            "peak_rss_bytes": peak * 1024, "train_peak_over_baseline_bytes": (peak - baseline) * 1024,
            "gpu_pool_bytes": gpu}


def probe_all(networks, impls, env=None) -> list[dict]:
    """One subprocess per pair (an unavailable implementation comes back as ``skipped``)."""
    out = []
    for network in networks:
        for impl in impls:
            done = subprocess.run([sys.executable, "-m", "benchmarks.memory_probe", network, impl], cwd=ROOT,
                                  env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"memory probe {network} {impl} failed:\n{done.stderr[-2000:]}")
            out.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return out


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1], sys.argv[2])))
