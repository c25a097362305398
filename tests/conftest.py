"""One ``xp`` fixture runs each test body on every backend.

numpy, array_api_strict and torch (CPU) always run; cupy and torch-CUDA are ``gpu``-marked and
skip cleanly without a GPU. With ``CI=true`` a skipped CPU-backend test is reported as a failure,
so the backend matrix cannot shrink silently; a run that is meant to go without one says so in
``XPNET_TEST_BACKENDS`` (the CPU backends it expects, comma-separated, e.g.
``numpy,array_api_strict`` for ci/test.sh's venvs without torch): skips of the others are then not
failures. ``DL_BACKEND`` (and ``DL_DEVICE``) narrow the matrix to one backend:
``DL_BACKEND=array_api_strict pytest tests/layers`` proves the layers use only the standard,
``DL_BACKEND=cupy pytest -m gpu`` runs the GPU half on a CUDA machine.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

import xpnet
from xpnet.backend import BackendUnavailableError, get_namespace, use_backend, use_dtype

_ALL = [
    pytest.param(("numpy", None), id="numpy"),
    pytest.param(("array_api_strict", None), id="array_api_strict"),
    pytest.param(("torch", "cpu"), id="torch"),
    pytest.param(("cupy", None), id="cupy", marks=pytest.mark.gpu),
    pytest.param(("torch", "cuda"), id="torch-cuda", marks=pytest.mark.gpu),
]
CPU_BACKEND_IDS = {"numpy", "array_api_strict", "torch"}


def _expected_cpu_backends() -> set[str]:
    """The CPU backends whose skips fail a CI run: all of them, or those ``XPNET_TEST_BACKENDS`` lists."""
    raw = os.environ.get("XPNET_TEST_BACKENDS", "").strip()
    if not raw:
        return set(CPU_BACKEND_IDS)
    names = {n.strip().lower() for n in raw.split(",") if n.strip()}
    unknown = names - CPU_BACKEND_IDS
    if unknown or not names:
        raise pytest.UsageError(f"XPNET_TEST_BACKENDS={raw!r}: expected a comma-separated subset of "
                                f"{', '.join(sorted(CPU_BACKEND_IDS))}")
    return names


EXPECTED_CPU_BACKENDS = _expected_cpu_backends()


def _selected():
    name = os.environ.get("DL_BACKEND", "").strip().lower()
    if not name:
        return _ALL
    device = (os.environ.get("DL_DEVICE") or "").strip().lower()
    chosen = [p for p in _ALL if p.values[0][0] == name]
    if name == "torch":
        want = "torch-cuda" if device.startswith("cuda") else "torch"
        chosen = [p for p in chosen if p.id == want]
    if not chosen:
        raise pytest.UsageError(f"DL_BACKEND={name!r} is not a backend the tests know")
    return chosen


BACKEND_PARAMS = _selected()


def _enter(request, stack_dtype=None):
    name, device = request.param
    try:
        ctx = use_backend(name, device=device)
        ctx.__enter__()
    except BackendUnavailableError as exc:
        pytest.skip(f"{request.node.callspec.id}: {exc}")
    return ctx


@pytest.fixture(autouse=True)
def _backend_settings_restored():
    """Each test starts and ends with the same backend settings, whatever the code under test set
    (the CLI's ``--backend`` sets the process-wide backend, as a command should)."""
    from xpnet.backend import _config

    saved = dict(_config._explicit)
    yield
    _config._explicit.clear()
    _config._explicit.update(saved)


@pytest.fixture(params=BACKEND_PARAMS)
def xp(request):
    """The array namespace of one backend, made current (float32 default dtype, seed 0)."""
    ctx = _enter(request)
    try:
        xpnet.seed(0)
        yield get_namespace()
    finally:
        ctx.__exit__(None, None, None)


@pytest.fixture
def float64(xp):
    """``xp`` with float64 as the default dtype (gradient checks)."""
    with use_dtype("float64"):
        yield xp


@pytest.fixture
def float32(xp):
    """``xp`` with float32 as the default dtype whatever ``DL_DTYPE`` says (tests about float32)."""
    with use_dtype("float32"):
        yield xp


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


TORCH_LEFT_OUT = "torch" not in EXPECTED_CPU_BACKENDS and importlib.util.find_spec("torch") is None


def skip_if_torch_left_out(item, call, report) -> bool:
    """Whether the outcome is torch's absence, in a run whose ``XPNET_TEST_BACKENDS`` leaves torch
    out (the torch parity and cross-backend tests of a venv without torch). A failure that says
    exactly that (``No module named 'torch'``, or the backend's "needs torch, which is not
    installed") is reported as a skip; an ``importorskip("torch")`` skip stays one."""
    if not (TORCH_LEFT_OUT and call.excinfo is not None):
        return False
    exc = call.excinfo.value
    if report.skipped:
        return "could not import 'torch'" in str(exc)
    missing = (isinstance(exc, ModuleNotFoundError) and exc.name == "torch") or (
        isinstance(exc, BackendUnavailableError) and "'torch' needs torch, which is not" in str(exc))
    if missing and report.failed:
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0,
                           "Skipped: torch is not installed, and XPNET_TEST_BACKENDS leaves it out")
    return missing


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if skip_if_torch_left_out(item, call, report):
        return
    if not (report.skipped and _in_ci()) or item.get_closest_marker("gpu"):
        return
    callspec = getattr(item, "callspec", None)
    ids = set(callspec.id.split("-")) if callspec else set()
    backend_ids = ids & EXPECTED_CPU_BACKENDS
    if callspec and "xp" in callspec.params and backend_ids:
        report.outcome = "failed"
        report.longrepr = (
            f"CI=true: a CPU-backend test was skipped ({sorted(backend_ids)}), which would shrink "
            f"the backend matrix silently; skip reason: {report.longrepr}"
        )


@pytest.fixture(autouse=True)
def _torch_single_thread():
    """Tests run torch on one thread.

    Test tensors are tiny and numerical gradients call a forward pass thousands of times; with
    torch's intra-op thread pool on a busy 2-core machine each call waits on spinning workers
    (measured: 37 s instead of 0.16 s for one DeepConvNet check). Restored after each test;
    benchmarks/ has its own conftest and keeps torch's default threads.
    """
    try:
        import torch
    except ImportError:
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
