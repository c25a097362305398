"""ci/gpu.sh, the GPU run in one command: on a machine without a CUDA GPU it says so in one line
and exits non-zero, having run and written nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "ci" / "gpu.sh"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_without_a_gpu_it_says_so_in_one_line_and_fails(tmp_path):
    assert SCRIPT.is_file(), f"{SCRIPT} is missing"
    out = tmp_path / "results"
    env = {**os.environ, "XPNET_GPU_SMI": str(tmp_path / "no-nvidia-smi")}  # no GPU, even on one
    done = subprocess.run(["bash", str(SCRIPT), str(out)], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 3
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "no CUDA GPU" in lines[0], done.stderr
    assert not out.exists()


def _summary_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gpu_summary", SCRIPT.parent / "gpu_summary.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


JUNIT = ('<?xml version="1.0"?><testsuites><testsuite name="pytest" tests="{n}" failures="{f}" errors="0" '
         'skipped="{s}"></testsuite></testsuites>')
BENCH_MD = """# bench

| network | step | xpnet-cupy | torch-cuda |
|---|---|---|---|
| MLP | train | 1 | 2 |

## targets

| other | table |
|---|---|
"""


def test_the_summary_holds_each_steps_counts_and_the_first_benchmark_table(tmp_path):
    summary = _summary_module()
    (tmp_path / "cupy.xml").write_text(JUNIT.format(n=10, f=1, s=2))
    (tmp_path / "torch-cuda.xml").write_text(JUNIT.format(n=7, f=0, s=0))
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "bench.md").write_text(BENCH_MD)
    (tmp_path / "bench" / "bench.json").write_text('{"rows": [1]}')
    steps = summary.parse_steps("cupy-tests=1:30 torch-cuda-tests=0:20 benchmarks=0:99")
    result = summary.summarize(tmp_path, steps, ["GPU 0: Fake"], "12")
    assert result["steps"]["cupy-tests"] == {"exit": 1, "seconds": 30, "tests": 10, "failures": 1,
                                             "errors": 0, "skipped": 2}
    assert result["steps"]["torch-cuda-tests"]["tests"] == 7 and result["benchmarks"] == {"rows": [1]}
    assert json.loads((tmp_path / "gpu-results.json").read_text()) == result
    rows = (tmp_path / "readme-rows.md").read_text().splitlines()
    assert rows[0] == "<!-- ci/gpu.sh on GPU 0: Fake -->" and rows[1:] == BENCH_MD.splitlines()[2:5]
