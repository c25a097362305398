"""Collectives between processes for data-parallel training: MPI for host arrays, NCCL for GPU ones.

This lives behind the backend boundary (DESIGN.md) because moving a buffer between processes is
the one step that must know what an array *is*: a NumPy array is an MPI buffer as it stands, a
torch CPU tensor becomes one through its zero-copy ``.numpy()`` view, and a CuPy array (or a CUDA
torch tensor) is a device pointer handed to NCCL, so GPU gradients never pass through the host.
Code above (``xpnet.training.distributed``) sees one small interface and stays array-API code:

- ``rank``, ``size``, ``local_rank`` (rank among the processes on this node);
- ``allreduce_sum(buf)``: sums a contiguous 1-D array over all ranks, in place;
- ``bcast(buf, root=0)``: overwrites ``buf`` with ``root``'s values, in place;
- ``allreduce_scalar(value)``, ``bcast_object(obj)``, ``barrier()``, ``abort(code)``: host-side.

mpi4py (``pip install "xpnet[mpi]"``) and CuPy's NCCL binding are optional: imported
when a communicator is made, never at ``import xpnet``. Importing mpi4py initialises MPI.
"""

from __future__ import annotations

import time

import numpy as np

from ._config import get_backend, get_device_name
from ._namespace import _library, to_numpy

ABORT_GRACE_S = 0.2  # time for mpiexec to forward a failing rank's last lines before MPI_Abort

KINDS = ("auto", "mpi", "nccl")


def _import_mpi():
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise ImportError(
            f"distributed training needs mpi4py and an MPI library ({exc}); install them with: "
            'pip install "xpnet[mpi]" where the machine has an MPI library, else '
            'pip install "xpnet[mpi,mpich]" (the mpich wheel brings one, with mpiexec)'
        ) from exc
    return MPI


class MPICommunicator:
    """Collectives over an mpi4py communicator (default ``MPI.COMM_WORLD``).

    Arrays of any backend work: NumPy arrays and torch CPU tensors are reduced in place through
    their own memory; other arrays (array-api-strict, and GPU arrays when NCCL is not used) are
    copied to the host and back.
    """

    def __init__(self, comm=None) -> None:
        self.MPI = _import_mpi()
        self.comm = self.MPI.COMM_WORLD if comm is None else comm
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        node = self.comm.Split_type(self.MPI.COMM_TYPE_SHARED)
        self.local_rank = node.Get_rank()
        node.Free()

    def allreduce_sum(self, buf):
        """buf : array, shape (n,), contiguous; replaced by the sum over ranks. Returns ``buf``."""
        host, borrowed = _host_buffer(buf)
        self.comm.Allreduce(self.MPI.IN_PLACE, host, op=self.MPI.SUM)
        return buf if borrowed else _write_back(buf, host)

    def bcast(self, buf, root: int = 0):
        """buf : array, shape (n,), contiguous; replaced by ``root``'s values. Returns ``buf``."""
        host, borrowed = _host_buffer(buf)
        self.comm.Bcast(host, root=root)
        return buf if borrowed else _write_back(buf, host)

    def allreduce_scalar(self, value: float) -> float:
        return float(self.comm.allreduce(float(value), op=self.MPI.SUM))

    def bcast_object(self, obj, root: int = 0):
        return self.comm.bcast(obj, root=root)

    def barrier(self) -> None:
        self.comm.Barrier()

    def abort(self, code: int = 1) -> None:
        """End every rank of the job (MPI_Abort): a failed rank must not leave the others waiting.

        mpiexec forwards each rank's output asynchronously and drops what it has not forwarded
        when the job is aborted (seen with MPICH's hydra: about 1 in 30 aborts lost the error
        message just written), so the caller's report gets a moment to reach it first.
        """
        time.sleep(ABORT_GRACE_S)
        self.comm.Abort(code)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rank={self.rank}, size={self.size})"


def _host_buffer(buf):
    """(NumPy array, shares memory with ``buf``) for an MPI call."""
    lib = _library(buf)
    if lib == "numpy" and buf.flags.c_contiguous:
        return buf, True
    if lib == "torch" and buf.device.type == "cpu" and buf.is_contiguous():
        return buf.detach().numpy(), True  # a view: torch CPU tensors share memory with NumPy
    return np.ascontiguousarray(to_numpy(buf)), False


def _write_back(buf, host):
    """Copy the reduced host values back into ``buf`` (arrays that MPI could not borrow)."""
    lib = _library(buf)
    if lib == "torch":
        import torch

        buf.copy_(torch.from_numpy(host))
    elif lib == "cupy":
        buf.set(host)
    else:
        import array_api_compat

        xp = array_api_compat.array_namespace(buf)
        buf[...] = xp.asarray(host, dtype=buf.dtype, device=array_api_compat.device(buf))
    return buf


class NCCLCommunicator(MPICommunicator):
    """NCCL allreduce/broadcast on GPU buffers; MPI for host values and the NCCL unique id.

    Binds this process to GPU ``local_rank % device_count`` (one rank per GPU) before the NCCL
    communicator is made. CuPy arrays and CUDA torch tensors are reduced on their current
    stream, in place, without touching the host; host arrays fall back to MPI.
    """

    def __init__(self, comm=None, *, device: int | None = None) -> None:
        super().__init__(comm)
        try:
            import cupy
            from cupy.cuda import nccl
        except ImportError as exc:
            raise ImportError(
                f"the NCCL communicator needs CuPy built with NCCL ({exc}); install it with: "
                'pip install "xpnet[cuda12]" or "xpnet[cuda13]", and NCCL of the same CUDA major '
                "version: pip install nvidia-nccl-cu12 or nvidia-nccl-cu13"
            ) from exc
        self.cupy, self.nccl = cupy, nccl
        count = cupy.cuda.runtime.getDeviceCount()
        self.device = self.local_rank % count if device is None else int(device)
        cupy.cuda.Device(self.device).use()
        uid = nccl.get_unique_id() if self.rank == 0 else None
        self.nccl_comm = nccl.NcclCommunicator(self.size, self.comm.bcast(uid, root=0), self.rank)
        self._dtypes = {"float16": nccl.NCCL_FLOAT16, "float32": nccl.NCCL_FLOAT32,
                        "float64": nccl.NCCL_FLOAT64, "int32": nccl.NCCL_INT32, "int64": nccl.NCCL_INT64}

    def _device_buffer(self, buf):
        """(pointer, count, NCCL dtype, stream pointer) of a contiguous GPU buffer, or None."""
        lib = _library(buf)
        if lib == "cupy":
            if not buf.flags.c_contiguous:
                raise ValueError(f"NCCL needs a contiguous buffer, got strides {buf.strides}")
            dtype, ptr, count = str(buf.dtype), buf.data.ptr, buf.size
            stream = self.cupy.cuda.get_current_stream().ptr
        elif lib == "torch" and buf.device.type == "cuda":
            import torch

            if not buf.is_contiguous():
                raise ValueError(f"NCCL needs a contiguous buffer, got strides {buf.stride()}")
            dtype, ptr, count = str(buf.dtype).rsplit(".", 1)[-1], buf.data_ptr(), buf.numel()
            stream = torch.cuda.current_stream(buf.device).cuda_stream
        else:
            return None
        if dtype not in self._dtypes:
            raise TypeError(f"NCCL has no reduction for dtype {dtype}; "
                            f"expected one of {', '.join(self._dtypes)}")
        return ptr, count, self._dtypes[dtype], stream

    def allreduce_sum(self, buf):
        spec = self._device_buffer(buf)
        if spec is None:
            return super().allreduce_sum(buf)
        ptr, count, dtype, stream = spec
        self.nccl_comm.allReduce(ptr, ptr, count, dtype, self.nccl.NCCL_SUM, stream)
        return buf

    def bcast(self, buf, root: int = 0):
        spec = self._device_buffer(buf)
        if spec is None:
            return super().bcast(buf, root)
        ptr, count, dtype, stream = spec
        self.nccl_comm.bcast(ptr, count, dtype, root, stream)
        return buf


def get_communicator(kind: str = "auto", comm=None):
    """A communicator for the current backend: NCCL when new arrays live on a GPU, else MPI.

    Parameters
    ----------
    kind : ``'auto'``, ``'mpi'`` or ``'nccl'``
        ``'mpi'`` on a GPU backend works, but stages every buffer through the host.
    comm : mpi4py communicator, optional
        Default ``MPI.COMM_WORLD``.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown communicator {kind!r}: expected one of {', '.join(KINDS)}")
    if kind == "auto":
        backend, device = get_backend(), get_device_name() or ""
        on_gpu = backend == "cupy" or (backend == "torch" and device.startswith("cuda"))
        kind = "nccl" if on_gpu else "mpi"
    return NCCLCommunicator(comm) if kind == "nccl" else MPICommunicator(comm)
