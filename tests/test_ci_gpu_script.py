"""ci/gpu.sh, the GPU run in one command: on a machine without a CUDA GPU it says so in one line
and exits non-zero, having run and written nothing."""

from __future__ import annotations

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
