"""The backend boundary: the only package that imports NumPy-for-compute, CuPy, torch,
array-api-compat and array-api-strict.

What a user needs is in ``__all__``: backend, device and dtype selection (``_config``: read
lazily from ``DL_BACKEND``, ``DL_DEVICE``, ``DL_DTYPE``), the namespace of given arrays and moves
across the boundary (``_namespace``), the seeded RNG drawing on the device (``_random``), and
the scheduled device-to-host transfers (``scheduled_sync``).

Below it, for xpnet's own layers, optimizers and trainers (importable from here, not in
``__all__``):

- ``_dispatch``: ``get_ops(*arrays)`` / ``use_ops``, the one file naming every backend's ops,
  each in its own folder: `portable` (the reference), `numpy` (NumPy's fast paths,
  threads, BLAS and malloc tuning, with their status), `cupy` (where CuPy kernels go),
  `torch` (per device).
- ``_flat``: parameters and gradients in one flat buffer per network, with per-key views.
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
from ._random import bernoulli_mask, choice, normal, permutation, seed, uniform
from ._sync import scheduled_reason, scheduled_sync

__all__ = [
    # selection, dtype, device
    "BACKENDS", "DTYPES", "BackendUnavailableError", "get_backend", "get_device_name",
    "get_dtype_name", "set_backend", "set_device", "set_dtype", "use_backend", "use_dtype",
    # namespace and arrays
    "array_namespace", "asarray", "default_float", "get_device", "get_namespace",
    "is_array_api_strict_namespace", "is_cupy_namespace", "is_numpy_namespace", "is_torch_namespace",
    "ones", "to_numpy", "zeros",
    # random numbers on the device
    "bernoulli_mask", "choice", "normal", "permutation", "seed", "uniform",
    # sync contexts
    "scheduled_reason", "scheduled_sync",
]

# Below __all__ (re-exported as ``name as name``): for xpnet's own packages and for extending it
# (docs/extending.md): the ops door, the flat buffer, the communicators.
from ._comm import MPICommunicator as MPICommunicator
from ._comm import NCCLCommunicator as NCCLCommunicator
from ._comm import get_communicator as get_communicator
from ._dispatch import get_ops as get_ops
from ._dispatch import use_ops as use_ops
from ._flat import FlatBuffer as FlatBuffer
from ._flat import FlatDict as FlatDict
from ._flat import PackedArrays as PackedArrays
from ._flat import flat_buffer_of as flat_buffer_of
from ._flat import packed as packed
from .portable import Ops as Ops
