"""Data-parallel training: real ``mpiexec -n 2`` jobs on this machine, plus the pure helpers.

The MPI tests launch the scripts in ``mpi_scripts/`` and read the JSON line rank 0 prints. They
skip, saying why, only when mpiexec or mpi4py is missing (``pip install "xpnet[mpi,mpich]"``
installs both; CI does through the test extra). Each job runs in its own process group and is
killed whole when it outlives its timeout, so a hang fails the test instead of the suite.
"""

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import xpnet
from xpnet.backend import array_namespace, get_communicator, normal
from xpnet.models import MultiLayerNet
from xpnet.testing import assert_close
from xpnet.training import Trainer
from xpnet.training.distributed import flatten, shard_bounds, unflatten

SCRIPTS = Path(__file__).parent / "mpi_scripts"
TIMEOUT = 120
# torch-CPU too where it is installed (a CI venv without it says so in XPNET_TEST_BACKENDS)
BACKENDS = ("numpy", "torch") if importlib.util.find_spec("torch") else ("numpy",)
TOLERANCE = 1e-10  # the bound; measured: about 1e-15 (relative, float64, 12 steps)


def _mpiexec() -> str:
    exe = shutil.which("mpiexec") or shutil.which("mpirun")
    if exe is None:
        pytest.skip('no mpiexec on PATH: pip install "xpnet[mpich]" (the mpich wheel brings one)')
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        pytest.skip('mpi4py is not installed: pip install "xpnet[mpi]"')
    return exe


def mpirun(n: int, *args, timeout: float = TIMEOUT, env=None):
    """Run ``mpiexec -n n python *args``; (returncode, stdout+stderr, seconds). Never hangs."""
    cmd = [_mpiexec(), "-n", str(n), sys.executable, *map(str, args)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})})
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"{' '.join(cmd)} still running after {timeout} s (hung?); output:\n{out}")
    return proc.returncode, out, time.perf_counter() - start


def result_line(out: str) -> dict:
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, f"expected one RESULT line from rank 0, got output:\n{out}"
    return json.loads(lines[0][len("RESULT "):])


@pytest.fixture(scope="module")
def equivalence(tmp_path_factory):
    """One 2-rank job covers numpy and torch-CPU, MLP and convnet, SGD and Adam, BatchNorm
    averaging and the batch order (process start-up and imports dominate its time)."""
    rc, out, _ = mpirun(2, SCRIPTS / "equivalence.py", ",".join(BACKENDS), tmp_path_factory.mktemp("mpi"))
    assert rc == 0, out
    return result_line(out)


CASES = [f"{b}/{m}/{o}" for b in BACKENDS for m in ("mlp", "conv") for o in ("SGD", "Adam")]


@pytest.mark.parametrize("case", CASES)
def test_two_ranks_with_batch_b_match_one_process_with_batch_2b(equivalence, case):
    r = equivalence[case]
    assert equivalence["size"] == 2 and equivalence["communicator"] == "MPICommunicator"
    assert r["steps"] == 12  # 3 epochs of 4 global batches, the last one split 1 + 2
    assert r["params_rel"] <= TOLERANCE, r
    assert r["loss_rel"] <= TOLERANCE, r
    assert r["test_acc_equal"], r  # the sharded evaluation counts what one process counts
    assert r["ranks_rel"] == 0.0, r  # every rank holds bit-identical parameters
    assert r["control_rel"] > 1e-3, r  # one process with batch B ends elsewhere: the check can fail


@pytest.mark.parametrize("backend", BACKENDS)
def test_batchnorm_statistics_are_averaged_and_only_rank_0_writes(equivalence, backend):
    r = equivalence[f"{backend}/batchnorm"]
    assert r["averaged"], r  # ranks holding 1 and 2 both hold 1.5 afterwards
    assert r["buffers_equal_after_training"], r
    assert r["writers"] == [0], r


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("sampling", ["epoch", "replacement"])
def test_rank_shards_form_one_process_batches_even_when_rank_rngs_drift(equivalence, backend, sampling):
    r = equivalence[f"{backend}/sharding"][sampling]
    assert r["steps"] == 9 and r["same_batches_as_one_process"], r
    assert r["epochs_are_permutations"] == (sampling == "epoch"), r


@pytest.mark.parametrize("mode", ["hook", "block"])
def test_a_rank_that_raises_ends_the_whole_job_with_its_message(mode):
    rc, out, seconds = mpirun(2, SCRIPTS / "fault.py", mode, timeout=60)
    assert rc != 0, out
    assert "rank 1 of 2: ValueError: rank 1 failed on purpose in step 3" in out, out
    assert seconds < 60


@pytest.mark.gpu
def test_nccl_two_ranks_match_one_process_on_gpus(tmp_path):
    """CuPy arrays reduced by NCCL (one rank per GPU; one rank when the machine has one GPU)."""
    cupy = pytest.importorskip("cupy", reason="the NCCL path needs CuPy")
    try:
        gpus = cupy.cuda.runtime.getDeviceCount()
        from cupy.cuda import nccl  # noqa: F401
    except Exception as exc:  # no driver, no device, CuPy built without NCCL
        pytest.skip(f"no usable CUDA GPU with NCCL: {type(exc).__name__}: {exc}")
    if gpus == 0:
        pytest.skip("no CUDA GPU")
    ranks = min(2, gpus)
    rc, out, _ = mpirun(ranks, SCRIPTS / "equivalence.py", "cupy", tmp_path, "nccl")
    assert rc == 0, out
    r = result_line(out)
    assert r["size"] == ranks and r["communicator"] == "NCCLCommunicator"
    for case in ("cupy/mlp/SGD", "cupy/mlp/Adam", "cupy/conv/SGD", "cupy/conv/Adam"):
        assert r[case]["params_rel"] <= TOLERANCE and r[case]["ranks_rel"] == 0.0, r[case]
    assert r["cupy/batchnorm"]["averaged"] and r["cupy/batchnorm"]["writers"] == [0]


def test_cli_trains_on_two_ranks_and_rank_0_writes_the_files(tmp_path):
    out_dir = tmp_path / "out"
    rc, out, _ = mpirun(2, "-m", "xpnet.cli", "train", "--distributed", "--quick", "--model", "mlp",
                        "--data", "embedded", "--epochs", "1", "--out", out_dir)
    assert rc == 0, out
    result = json.loads((out_dir / "train.json").read_text())
    assert result["settings"]["ranks"] == 2
    assert sorted(p.name for p in out_dir.iterdir()) == ["train.json", "train.npz", "train.png"]
    assert out.count("wrote ") == 1, out  # one rank reports, not two


# -- helpers, in this process ----------------------------------------------------------------

def test_flatten_then_unflatten_round_trips_shapes_and_dtype(xp):
    arrays = [normal((3, 4)), normal((5,)), normal((2, 1, 3, 3))]
    flat = flatten(arrays)
    assert array_namespace(flat) is xp and flat.dtype == xp.float32 and flat.shape == (12 + 5 + 18,)
    for a, b in zip(arrays, unflatten(flat, [a.shape for a in arrays])):
        assert_close(b, a, rtol=0, atol=0)


@pytest.mark.parametrize("n, size", [(16, 2), (3, 2), (1, 2), (10, 3), (7, 4)])
def test_shards_are_disjoint_cover_the_batch_and_differ_by_at_most_one(n, size):
    bounds = [shard_bounds(n, r, size) for r in range(size)]
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(bounds[r][1] == bounds[r + 1][0] for r in range(size - 1))
    lengths = [hi - lo for lo, hi in bounds]
    assert max(lengths) - min(lengths) <= 1


def test_unknown_communicator_kind_is_named():
    with pytest.raises(ValueError, match=r"unknown communicator 'gloo': expected one of auto, mpi, nccl"):
        get_communicator("gloo")


def test_trainer_logs_float64_losses(float64):
    """NumPy's float64 loss is an ``np.float64`` scalar (a Python float): the Trainer still logs it."""
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(20, 6)), rng.integers(0, 3, 20)
    xpnet.seed(0)
    trainer = Trainer(MultiLayerNet(6, [5], 3), x, t, x, t, epochs=1, mini_batch_size=5, verbose=False)
    trainer.train()
    assert len(trainer.train_loss_list) == 4 and all(np.isfinite(trainer.train_loss_list))
