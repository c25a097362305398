"""The backend boundary: the only package that imports NumPy-for-compute, CuPy, torch,
array-api-compat and array-api-strict.

- ``_config``: which backend / device / default dtype new arrays use (``DL_BACKEND``,
  ``DL_DEVICE``, ``DL_DTYPE``), read lazily.
- ``_namespace``: the namespace of given arrays, ``asarray``/``to_numpy`` across the boundary.
- ``_random``: the seeded RNG shim, drawing on the device.
- ``ops``: every fast path behind one door, ``get_ops(*arrays)``: the portable ``Ops`` and each
  backend's faster twins (``NumpyOps``; ``CupyOps``/``TorchOps`` where GPU kernels go).
- ``_fast_conv``, ``_fast_elementwise``, ``_fast_adam``, ``_layout``, ``_threads``: what
  ``NumpyOps`` is made of (batch-last im2col, ``out=`` ReLU and Adam, memory order, the thread
  pool over NumPy's single-threaded loops, ``XPNET_NUM_THREADS``).
- ``_host_memory`` / ``_blas_threads``: process tuning applied once, when NumPy ops are first
  made (glibc keeps freed memory; OpenBLAS's idle threads sleep instead of spinning).
- ``_flat``: parameters and gradients in one flat buffer per network, with per-key views.
- ``_comm``: MPI / NCCL collectives for data-parallel training (mpi4py, CuPy imported lazily).
"""

from ._blas_threads import blas_tuning_status, tune_blas_threads
from ._comm import MPICommunicator, NCCLCommunicator, get_communicator
from ._config import (
    BACKENDS,
    DTYPES,
    BackendUnavailableError,
    get_backend,
    get_device_name,
    get_dtype_name,
    set_backend,
    set_device,
    set_dtype,
    use_backend,
    use_dtype,
)
from ._flat import FlatBuffer, FlatDict, PackedArrays, flat_buffer_of, packed
from ._host_memory import malloc_tuning_status, tune_host_malloc
from ._namespace import (
    array_namespace,
    asarray,
    default_float,
    get_device,
    get_namespace,
    is_array_api_strict_namespace,
    is_cupy_namespace,
    is_numpy_namespace,
    is_torch_namespace,
    ones,
    to_numpy,
    zeros,
)
from ._random import bernoulli_mask, choice, normal, permutation, seed, uniform
from ._threads import num_threads
from .ops import CupyOps, NumpyOps, Ops, TorchOps, get_ops, use_ops

__all__ = [
    "BACKENDS", "DTYPES", "BackendUnavailableError", "array_namespace", "asarray",
    "bernoulli_mask", "choice", "default_float", "get_backend", "get_device", "get_device_name",
    "get_dtype_name", "get_namespace", "is_array_api_strict_namespace", "is_cupy_namespace",
    "is_numpy_namespace", "is_torch_namespace", "normal", "ones", "permutation", "seed",
    "set_backend", "set_device", "set_dtype", "to_numpy", "uniform", "use_backend", "use_dtype",
    "zeros", "malloc_tuning_status", "tune_host_malloc", "blas_tuning_status", "tune_blas_threads",
    "num_threads", "FlatBuffer", "FlatDict", "PackedArrays", "flat_buffer_of", "packed",
    "Ops", "NumpyOps", "CupyOps", "TorchOps",
    "get_ops", "use_ops",
    "MPICommunicator", "NCCLCommunicator", "get_communicator",
]
