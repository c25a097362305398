"""xpnet: the deep-learning code of "Deep Learning from Scratch" (chapter 6 and the CNN
chapters) as a library that runs unchanged on NumPy, CuPy, PyTorch and array-api-strict.

Choose where new arrays live with ``DL_BACKEND`` (``numpy`` by default, ``cupy``, ``torch``,
``array_api_strict``) or [`set_backend`][xpnet.set_backend] / [`use_backend`][xpnet.use_backend].
"""

from .backend import (
    BackendUnavailableError,
    asarray,
    get_backend,
    get_device,
    get_namespace,
    seed,
    set_backend,
    set_device,
    set_dtype,
    to_numpy,
    use_backend,
    use_dtype,
)
from .backend import get_dtype_name as get_dtype

__version__ = "0.1.0"

__all__ = [
    "BackendUnavailableError", "asarray", "get_backend", "get_device", "get_dtype",
    "get_namespace", "seed", "set_backend", "set_device", "set_dtype", "to_numpy",
    "use_backend", "use_dtype",
]
