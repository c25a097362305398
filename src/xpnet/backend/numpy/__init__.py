"""NumPy's ops and everything only NumPy runs.

- :class:`NumpyOps` (:mod:`.ops`): the host fast paths, each a twin of a portable method.
- :mod:`._fast_conv` (blocked, batch-last im2col), :mod:`._winograd` (F(4, r) convolutions),
  :mod:`._fast_elementwise` and :mod:`._fast_adam` (``out=`` ReLU and Adam), :mod:`._layout`
  (memory order), :mod:`._small_gemm` (small products on one BLAS thread).
- :mod:`._threads`: the thread pool over NumPy's single-threaded loops (``XPNET_NUM_THREADS``).
- :mod:`._blas_threads`, :mod:`._host_memory`: process tuning (OpenBLAS's idle threads, glibc's
  malloc), applied by the first :class:`NumpyOps`; :func:`blas_tuning_status` and
  :func:`malloc_tuning_status` say what was applied, or why not.
"""

from ._blas_threads import blas_tuning_status, tune_blas_threads
from ._host_memory import malloc_tuning_status, tune_host_malloc
from ._threads import num_threads
from .ops import NumpyOps

__all__ = ["NumpyOps", "blas_tuning_status", "malloc_tuning_status", "num_threads", "tune_blas_threads",
           "tune_host_malloc"]
