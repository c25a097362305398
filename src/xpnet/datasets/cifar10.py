"""CIFAR-10 (A. Krizhevsky, 2009) from the official "python version" tarball.

The tarball holds Python pickles. They are read only after the archive's SHA-256 matched, and
then through an unpickler that allows nothing but the NumPy array reconstructors, so even a
tampered file cannot run code. Every batch is validated (keys present, ``data`` uint8 of shape
(10000, 3072), as many labels as images, labels in 0..9); a file failing this raises ValueError
naming it, and the cached archive is removed.
"""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

from ._book_format import book_format
from ._download import RemoteFile, fetch_parsed

# SHA-256 as listed by tensorflow-datasets (tensorflow_datasets/url_checksums/cifar10.csv);
# the same file torchvision checks with MD5 c58f30108f718f92721af3b95e74349a.
CIFAR10 = RemoteFile(
    "cifar-10-python.tar.gz",
    "sha256:6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    ("https://www.cs.toronto.edu/~kriz/",),
)
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
BATCH_ROWS = 10000
_PIXELS = 3 * 32 * 32

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"): ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"): ("numpy", "ndarray"),
    ("numpy", "dtype"): ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"): ("numpy._core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"): ("numpy._core.multiarray", "scalar"),
    ("_codecs", "encode"): ("_codecs", "encode"),  # bytes in protocol-2 pickles written by Python 3
}


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles plain containers and NumPy arrays; refuses every other global."""

    def find_class(self, module, name):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a CIFAR batch")
        return super().find_class(*_ALLOWED[(module, name)])


def parse_batch(raw: bytes, name: str, *, rows: int = BATCH_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """``(images (rows, 3, 32, 32) uint8, labels (rows,) int64)`` from one pickled batch."""
    try:
        batch = _ArrayUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except Exception as exc:  # any unpickling failure means a corrupt or foreign file
        raise ValueError(f"{name} is not a CIFAR-10 batch: {type(exc).__name__}: {exc}") from None
    if not isinstance(batch, dict):
        raise ValueError(f"{name} is not a CIFAR-10 batch: holds a {type(batch).__name__}, not a dict")
    missing = [k.decode() for k in (b"data", b"labels") if k not in batch]
    if missing:
        raise ValueError(f"{name} is not a CIFAR-10 batch: missing key(s) {missing}")
    data, labels = batch[b"data"], np.asarray(batch[b"labels"])
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.shape != (rows, _PIXELS):
        got = f"{data.dtype} {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
        raise ValueError(f"{name}: 'data' must be uint8 of shape ({rows}, {_PIXELS}), got {got}")
    if labels.shape != (rows,) or labels.dtype.kind not in "iu":
        raise ValueError(f"{name}: 'labels' must be {rows} integers, got {labels.dtype} {labels.shape}")
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"{name}: labels must be in 0..9, found {labels.min()}..{labels.max()}")
    return data.reshape(rows, 3, 32, 32), labels.astype(np.int64)


def read_cifar10_tar(path, *, rows: int | None = None):
    """Raw ``(train_images, train_labels, test_images, test_labels)`` from the tarball at ``path``.

    ``rows`` is the number of images per batch (default `BATCH_ROWS`, 10,000).
    """
    path = Path(path)
    rows = BATCH_ROWS if rows is None else rows
    try:
        with tarfile.open(path, "r:gz") as tar:
            members = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
            wanted = TRAIN_BATCHES + (TEST_BATCH,)
            absent = [b for b in wanted if b not in members]
            if absent:
                raise ValueError(f"{path} is not the CIFAR-10 python archive: no {', '.join(absent)}")
            parts = {b: parse_batch(tar.extractfile(members[b]).read(), f"{path}:{b}", rows=rows)
                     for b in wanted}
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ValueError(f"{path} is not a readable tar.gz archive (corrupt or truncated): {exc}") from None
    x_train = np.concatenate([parts[b][0] for b in TRAIN_BATCHES])
    t_train = np.concatenate([parts[b][1] for b in TRAIN_BATCHES])
    return x_train, t_train, parts[TEST_BATCH][0], parts[TEST_BATCH][1]


def load_cifar10(normalize: bool = True, flatten: bool = False, one_hot_label: bool = False):
    """CIFAR-10 in the book's format: ``((x_train, t_train), (x_test, t_test))``.

    x is (N, 3, 32, 32) (``flatten=False``, the default for image data) or (N, 3072); float32
    in [0, 1] when ``normalize``, else uint8. t is (N,) int64, or (N, 10) float32 one-hot.
    50,000 training and 10,000 test images; the 163 MiB archive is downloaded once.
    """
    x_train, t_train, x_test, t_test = fetch_parsed(CIFAR10, "cifar10", read_cifar10_tar)
    opts = dict(normalize=normalize, flatten=flatten, one_hot_label=one_hot_label)
    return book_format(x_train, t_train, **opts), book_format(x_test, t_test, **opts)
