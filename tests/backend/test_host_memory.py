"""Host malloc tuning: on by default on glibc, switchable off, never at import."""

import subprocess
import sys

import pytest

from xpnet.backend.numpy import _host_memory


def _run(code, **env):
    import os

    full = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    full.update(env)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full, check=True)
    return out.stdout.strip()


PROBE = ("import xpnet, numpy as np; from xpnet.backend.numpy import malloc_tuning_status as s; "
         "from xpnet.backend import get_ops; "
         "xpnet.get_backend(); print(s()['applied']); get_ops(np.zeros(1)); "
         "print(s()['applied'], s()['reason'])")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc tuning is Linux-only")
def test_applied_on_first_backend_use_not_at_import():
    lines = _run(PROBE).splitlines()
    assert lines[0] == "None"  # importing xpnet changed nothing
    assert lines[1].startswith("True"), lines


def test_switched_off_by_environment():
    lines = _run(PROBE, XPNET_MALLOC_TUNING="0").splitlines()
    assert lines[1] == "False switched off by XPNET_MALLOC_TUNING"


def test_user_malloc_variables_win():
    lines = _run(PROBE, MALLOC_MMAP_THRESHOLD_="131072").splitlines()
    assert lines[1].startswith("False left to the user's MALLOC_MMAP_THRESHOLD_")


def test_status_reports_the_settings():
    status = _host_memory.malloc_tuning_status()
    assert status["settings"]["M_MMAP_THRESHOLD"] == 32 * 2**20
