"""NumPy's ops and everything only NumPy runs.

- [`NumpyOps`][xpnet.backend.numpy.NumpyOps] ([`ops`][xpnet.backend.torch.ops]): the host fast paths, each a
  twin of a portable method.
- `_fast_conv` (blocked, batch-last im2col), `_winograd` (F(4, r) convolutions),
  `_fast_elementwise` and `_fast_adam` (``out=`` ReLU and Adam), `_layout`
  (memory order), `_small_gemm` (small products on one BLAS thread).
- `_threads`: the thread pool over NumPy's single-threaded loops (``XPNET_NUM_THREADS``).
- `_blas_threads`, `_host_memory`: process tuning (OpenBLAS's idle threads, glibc's
  malloc), applied by the first [`NumpyOps`][xpnet.backend.numpy.NumpyOps]; `tuning_status` says what was
  applied, or why not, for each tuning.
"""

from ._blas_threads import blas_tuning_status, tune_blas_threads
from ._host_memory import malloc_tuning_status, tune_host_malloc
from ._small_gemm import small_gemm_status
from ._threads import num_threads
from .ops import NumpyOps

__all__ = ["NumpyOps", "blas_tuning_status", "malloc_tuning_status", "num_threads", "small_gemm_status",
           "tune_blas_threads", "tune_host_malloc", "tuning_status"]


def tuning_status() -> dict:
    """Each process tuning NumPy's ops apply, as ``{'applied': bool, 'reason': str, ...}``:
    ``blas_thread_timeout`` (OpenBLAS's idle threads sleep at once), ``small_gemm_one_thread``
    (small products on one BLAS thread, also Winograd's and the blocked im2col's parts) and
    ``malloc`` (glibc keeps freed memory). Applies them first, as the first NumPy ops do (once
    per process)."""
    tune_host_malloc()
    tune_blas_threads()
    return {"blas_thread_timeout": blas_tuning_status(), "small_gemm_one_thread": small_gemm_status(),
            "malloc": malloc_tuning_status()}
