"""The book's output conventions, shared by every loader (``normalize``, ``flatten``, ``one_hot``).

Deviations from the book, on purpose:

- ``normalize=True`` gives float32 (``uint8 / 255``), not float64: xpnet trains in float32 and
  must not promote silently.
- Labels are int64 (the book keeps uint8): uint8 index tensors mean a boolean mask to PyTorch
  and are not accepted by ``take`` on torch, so int64 is the only integer type that indexes
  the same way on every backend. One-hot labels are float32 (the book: float64).
"""

from __future__ import annotations

import numpy as np


def book_format(images: np.ndarray, labels: np.ndarray, *, normalize: bool, flatten: bool,
                one_hot_label: bool, num_classes: int = 10):
    """``(x, t)`` from uint8 ``images`` and integer ``labels``.

    Parameters
    ----------
    images : ndarray, shape (N, C, H, W), uint8
    labels : ndarray, shape (N,), integer in ``[0, num_classes)``

    Returns
    -------
    x : ndarray, shape (N, C*H*W) if ``flatten`` else (N, C, H, W); float32 in [0, 1] if
        ``normalize`` else uint8
    t : ndarray, shape (N,) int64, or (N, num_classes) float32 if ``one_hot_label``
    """
    x = images.reshape(images.shape[0], -1) if flatten else images
    if normalize:
        x = x.astype(np.float32)
        x /= np.float32(255.0)
    t = labels.astype(np.int64)
    if one_hot_label:
        eye = np.eye(num_classes, dtype=np.float32)
        t = eye[t]
    return x, t
