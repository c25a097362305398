"""The book's output conventions, shared by every loader (``normalize``, ``flatten``, ``one_hot``).

Deviations from the book, on purpose:

- ``normalize=True`` gives xpnet's default float dtype (``uint8 / 255``): float32, not the book's
  float64, since xpnet trains in float32 and must not promote silently; float64 where the user
  asked for it (``DL_DTYPE=float64`` or ``xpnet.backend.use_dtype``), so that the book's scripts
  feed a float64 network float64 pixels.
- Labels are int64 (the book keeps uint8): uint8 index tensors mean a boolean mask to PyTorch
  and are not accepted by ``take`` on torch, so int64 is the only integer type that indexes
  the same way on every backend. One-hot labels are in the default float dtype too (the book:
  float64).
"""

from __future__ import annotations

import numpy as np

from ..backend import get_dtype_name


def book_format(images: np.ndarray, labels: np.ndarray, *, normalize: bool, flatten: bool,
                one_hot_label: bool, num_classes: int = 10):
    """``(x, t)`` from uint8 ``images`` and integer ``labels``.

    Parameters
    ----------
    images : ndarray, shape (N, C, H, W), uint8
    labels : ndarray, shape (N,), integer in ``[0, num_classes)``

    Returns
    -------
    x : ndarray, shape (N, C*H*W) if ``flatten`` else (N, C, H, W); the default float dtype
        (float32 unless float64 is set) in [0, 1] if ``normalize``, else uint8
    t : ndarray, shape (N,) int64, or (N, num_classes) in the default float dtype if
        ``one_hot_label``
    """
    x = images.reshape(images.shape[0], -1) if flatten else images
    dtype = np.dtype(get_dtype_name())
    if normalize:
        x = x.astype(dtype)
        x /= dtype.type(255.0)
    t = labels.astype(np.int64)
    if one_hot_label:
        eye = np.eye(num_classes, dtype=dtype)
        t = eye[t]
    return x, t
