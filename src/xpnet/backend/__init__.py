"""The backend boundary: the only package that imports NumPy-for-compute, CuPy, torch,
array-api-compat and array-api-strict.

- ``_config``: which backend / device / default dtype new arrays use (``DL_BACKEND``,
  ``DL_DEVICE``, ``DL_DTYPE``), read lazily.
- ``_namespace``: the namespace of given arrays, ``asarray``/``to_numpy`` across the boundary.
- ``_random``: the seeded RNG shim, drawing on the device.
- ``_fast_conv``: the NumPy im2col gather (``sliding_window_view``), twin of the portable one,
  and the batch-last column order the NumPy convolution uses.
- ``_layout``: memory order of NumPy activations, so layers keep their inputs' layout.
- ``_threads``: NumPy operations split over the CPU's cores (``XPNET_NUM_THREADS``).
- ``_host_memory`` / ``_blas_threads``: process tuning applied at first backend selection (glibc
  keeps freed memory; OpenBLAS's idle threads sleep instead of spinning on those cores).
- ``_comm``: MPI / NCCL collectives for data-parallel training (mpi4py, CuPy imported lazily).
"""

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
from ._host_memory import malloc_tuning_status, tune_host_malloc
from ._blas_threads import blas_tuning_status, tune_blas_threads
from ._fast_adam import numpy_adam_flat
from ._fast_conv import hwn_output, hwn_rows, numpy_add_columns_hwn, numpy_columns, numpy_columns_hwn
from ._layout import along, memory_order, new_in_order
from ._fast_elementwise import numpy_relu_backward, numpy_relu_forward
from ._threads import batch_parts, num_threads, parallel_for, run_parts
from ._random import bernoulli_mask, choice, normal, permutation, seed, uniform
from ._comm import MPICommunicator, NCCLCommunicator, get_communicator

__all__ = [
    "BACKENDS", "DTYPES", "BackendUnavailableError", "array_namespace", "asarray",
    "bernoulli_mask", "choice", "default_float", "get_backend", "get_device", "get_device_name",
    "get_dtype_name", "get_namespace", "is_array_api_strict_namespace", "is_cupy_namespace",
    "is_numpy_namespace", "is_torch_namespace", "normal", "numpy_adam_flat", "numpy_columns", "ones", "permutation", "seed",
    "set_backend", "set_device", "set_dtype", "to_numpy", "uniform", "use_backend", "use_dtype",
    "zeros", "malloc_tuning_status", "tune_host_malloc", "blas_tuning_status", "tune_blas_threads",
    "numpy_relu_backward", "numpy_relu_forward", "batch_parts", "hwn_output", "hwn_rows",
    "numpy_add_columns_hwn", "numpy_columns_hwn", "along", "memory_order", "new_in_order", "num_threads", "parallel_for", "run_parts",
    "MPICommunicator", "NCCLCommunicator", "get_communicator",
]
