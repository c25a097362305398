"""What a benchmark times: one train step or one inference, on one implementation.

An implementation (:class:`Impl`) is xpnet on a backend (numpy, torch CPU, cupy, torch CUDA) or
the native PyTorch peer (CPU, CUDA). :func:`open_runner` builds the network, a fixed random batch
and an Adam optimizer (lr 0.001) there, and hands back a :class:`Runner` whose ``train`` and
``infer`` are the timed calls. GPU calls synchronise the device before returning, so a timing
covers the work and not only its launch.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable, Iterator

import pytest

import xpnet
from xpnet.backend import BackendUnavailableError, choice, normal, use_backend
from xpnet.optimizers import Adam

from . import memory, peers
from .nets import NetSpec


@dataclass(frozen=True)
class Impl:
    """One column of the table: ``library`` ('xpnet' or 'torch') on ``backend``/``device``."""

    id: str
    library: str
    backend: str | None
    device: str | None
    gpu: bool = False

    @property
    def device_kind(self) -> str:
        return "cuda" if self.gpu else "cpu"


IMPLS = (
    Impl("xpnet-numpy", "xpnet", "numpy", None),
    Impl("xpnet-torch", "xpnet", "torch", "cpu"),
    Impl("torch", "torch", None, "cpu"),
    Impl("xpnet-cupy", "xpnet", "cupy", None, gpu=True),
    Impl("xpnet-torch-cuda", "xpnet", "torch", "cuda", gpu=True),
    Impl("torch-cuda", "torch", None, "cuda", gpu=True),
)


def impl_params():
    """``pytest.param`` per implementation; GPU ones carry the ``gpu`` mark."""
    return [pytest.param(i, id=i.id, marks=[pytest.mark.gpu] if i.gpu else []) for i in IMPLS]


@dataclass
class Runner:
    """The timed calls of one network on one implementation, plus what the report records."""

    train: Callable[[], None]
    infer: Callable[[], None]
    sync: Callable[[], None]
    gpu_pool: Callable[[], int | None]
    reset_gpu_pool: Callable[[], None]
    info: dict
    traced: bool = False  # NumPy arrays: tracemalloc sees them

    def peak_memory(self, fn: Callable[[], None]) -> dict:
        """Peak host RSS (and GPU pool bytes; NumPy array bytes) of calls of ``fn``, run here."""
        self.reset_gpu_pool()
        out = memory.host_peak_during(fn)
        out["gpu_pool_bytes"] = self.gpu_pool()
        out["array_peak_bytes"] = memory.traced_peak_during(fn) if self.traced else None
        return out


def _no_gpu_pool() -> None:
    return None


def _nothing() -> None:
    return None


def _xpnet_device_hooks(impl: Impl):
    """sync, pool-bytes and pool-reset callables for xpnet's backend ``impl`` (CPU: no-ops)."""
    if impl.backend == "cupy":
        import cupy

        pool = cupy.get_default_memory_pool()
        return cupy.cuda.Device().synchronize, pool.total_bytes, pool.free_all_blocks
    if impl.gpu:
        return _torch_cuda_hooks()
    return _nothing, _no_gpu_pool, _nothing


def _torch_cuda_hooks():
    import torch

    return torch.cuda.synchronize, torch.cuda.max_memory_allocated, torch.cuda.reset_peak_memory_stats


@contextlib.contextmanager
def _xpnet_runner(impl: Impl, spec: NetSpec, batch: int) -> Iterator[Runner]:
    try:
        ctx = use_backend(impl.backend, device=impl.device)
        ctx.__enter__()
    except BackendUnavailableError as exc:
        pytest.skip(f"{impl.id}: {exc}")
    try:
        xpnet.seed(0)
        net = spec.build()
        x = normal((batch, *spec.input_shape))
        t = choice(10, batch)
        opt = Adam(lr=0.001)
        sync, pool, reset = _xpnet_device_hooks(impl)

        def train() -> None:
            opt.update(net.params, net.gradient(x, t))
            sync()

        def infer() -> None:
            net.predict(x, train_flg=False)
            sync()

        info = _numpy_tuning(xpnet.backend)
        yield Runner(train, infer, sync, pool, reset, info, traced=impl.backend == "numpy")
    finally:
        ctx.__exit__(None, None, None)


def _numpy_tuning(backend) -> dict:
    """NumPy's process tuning as applied (its home moved to ``xpnet.backend.numpy`` in issue 21;
    a checkout from before has it on ``xpnet.backend``, and ``benchmarks.ab`` runs both)."""
    home = getattr(backend, "numpy", None)
    home = home if hasattr(home, "blas_tuning_status") else backend
    return {"malloc_tuning": home.malloc_tuning_status()["applied"],
            "blas_tuning": home.blas_tuning_status()["applied"], "threads": home.num_threads()}


@contextlib.contextmanager
def _torch_runner(impl: Impl, spec: NetSpec, batch: int) -> Iterator[Runner]:
    torch = pytest.importorskip("torch")
    if impl.gpu and not torch.cuda.is_available():
        pytest.skip(f"{impl.id}: this PyTorch build sees no CUDA device")
    device = torch.device(impl.device)
    gen = torch.Generator().manual_seed(0)
    model = peers.build(spec.peer, *spec.peer_args).to(device)
    x = torch.randn((batch, *spec.input_shape), generator=gen).to(device)
    t = torch.randint(0, 10, (batch,), generator=gen).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    sync, pool, reset = _torch_cuda_hooks() if impl.gpu else (_nothing, _no_gpu_pool, _nothing)
    loss_fn = torch.nn.functional.cross_entropy

    def train() -> None:
        model.train()
        opt.zero_grad()
        loss_fn(model(x), t).backward()
        opt.step()
        sync()

    def infer() -> None:
        model.eval()
        with torch.inference_mode():
            model(x)
        sync()

    yield Runner(train, infer, sync, pool, reset, {"torch_threads": torch.get_num_threads()})


def open_runner(impl: Impl, spec: NetSpec, batch: int):
    """Context manager yielding the :class:`Runner` of ``spec`` on ``impl`` (skips if unavailable)."""
    return (_xpnet_runner if impl.library == "xpnet" else _torch_runner)(impl, spec, batch)
