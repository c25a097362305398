"""OpenBLAS idle-thread tuning: on when NumPy ops are first made (never at import, never for a
process that only selects a backend), without changing the environment, switchable off."""

import os
import subprocess
import sys

import pytest

from xpnet.backend.numpy._blas_threads import openblas, symbol


def _restartable() -> bool:
    """Whether this NumPy's OpenBLAS exports what the restart needs (NumPy 2.5's does not)."""
    lib, _ = openblas()
    return lib is not None and all(symbol(lib, n) is not None for n in
                                   ("openblas_read_env", "blas_thread_shutdown_", "openblas_thread_timeout"))


RESTARTABLE = pytest.mark.skipif(not _restartable(), reason="this NumPy's OpenBLAS cannot restart its "
                                 "threads (test_tuning_status checks that it says so)")

PROBE = ("import xpnet, numpy as np; from xpnet.backend.numpy import blas_tuning_status as s; "
         "from xpnet.backend import get_ops; "
         "xpnet.get_backend(); print(s()['applied']); "
         "get_ops(np.zeros(1)); st = s(); print(st['applied'], st['reason']); import os; "
         "print(os.environ.get('OPENBLAS_THREAD_TIMEOUT'))")


def _run(**env):
    full = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_THREAD_TIMEOUT", "XPNET_BLAS_TUNING")}
    full.update(env)
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=full, check=True)
    return out.stdout.strip().splitlines()


@RESTARTABLE
def test_applied_at_first_backend_use_not_at_import():
    lines = _run()
    assert lines[0] == "None"
    assert lines[1] == "True OpenBLAS thread timeout 2**4 cycles", lines
    assert lines[2] == "None"  # the environment (and so child processes) is left as it was


def test_switched_off_by_environment():
    lines = _run(XPNET_BLAS_TUNING="0")
    assert lines[1] == "False switched off by XPNET_BLAS_TUNING"
    assert lines[2] == "None"


def test_a_users_own_timeout_wins():
    lines = _run(OPENBLAS_THREAD_TIMEOUT="20")
    assert lines[1] == "False left to the user's OPENBLAS_THREAD_TIMEOUT=20"
    assert lines[2] == "20"


RESTART_PROBE = """
import numpy as np, xpnet
from xpnet.backend.numpy import blas_tuning_status
rng = np.random.default_rng(0)
a, b = rng.standard_normal((512, 384)), rng.standard_normal((384, 256))
before = a @ b
xpnet.backend.get_ops(before)  # NumPy ops: restarts OpenBLAS's threads with the new timeout
after = a @ b
print(blas_tuning_status()["applied"], np.array_equal(before, after),
      np.allclose(after, np.einsum("ij,jk->ik", a, b)))
"""


@RESTARTABLE
def test_matrix_products_are_bit_identical_across_the_restart():
    full = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_THREAD_TIMEOUT", "XPNET_BLAS_TUNING")}
    out = subprocess.run([sys.executable, "-c", RESTART_PROBE], capture_output=True, text=True, env=full,
                         check=True)
    assert out.stdout.split() == ["True", "True", "True"], out.stdout
