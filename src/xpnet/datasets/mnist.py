"""MNIST and Fashion-MNIST in the book's format, downloaded or from the embedded copy.

``load_mnist()`` is the book's function: the full MNIST (60,000 training, 10,000 test images),
downloaded once into the cache (see `xpnet.datasets._download`).

The package also embeds the official MNIST **test** set (10,000 digits, CC BY-SA 3.0, Y. LeCun,
C. Cortes, C. J. C. Burges; see ``xpnet/data/mnist/README.md``), so that everything runs with no
network. ``source="embedded"`` splits it deterministically: its **first 8,000** digits are the
training set, its **last 2,000** the test set (no shuffling, no stratification; all ten classes
appear in both parts). Results on this split are not comparable with results on full MNIST.

Which data was used is never hidden: ``return_source=True`` adds a
[`DataSource`][xpnet.datasets.mnist.DataSource] to the
result (``str()`` of it is a sentence for the user), and ``source="auto"`` logs a warning on the
``xpnet.datasets`` logger when it falls back to the embedded set (printed to stderr even when
logging is not configured).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import partial
from importlib import resources
from typing import NamedTuple

import numpy as np

from ._book_format import book_format
from ._download import DownloadError, RemoteFile, data_dir, fetch_parsed
from ._idx import decompress, parse_idx, read_idx

logger = logging.getLogger("xpnet.datasets")

SOURCES = ("download", "embedded", "auto")
EMBEDDED_TRAIN_SIZE = 8000
"""The embedded set's first 8,000 digits train, the remaining 2,000 test."""

# SHA-256 of the official gzip files, as listed by tensorflow-datasets
# (tensorflow_datasets/url_checksums/mnist.txt and fashion_mnist.txt); MNIST's agree with the
# sizes and MD5s torchvision publishes for the same files.
_MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
_FASHION_SHA256 = {
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}
# The embedded files are recompressed (same IDX bytes, different gzip bytes): own hashes,
# also in xpnet/data/mnist/SHA256SUMS.
EMBEDDED_SHA256 = {
    "t10k-images-idx3-ubyte.gz": "167310007f03058885c7e95e6c0b19c20de5c7fd3031f4cbdadc9014a523d80b",
    "t10k-labels-idx1-ubyte.gz": "fc607395669ec21321ea83e4b82c0544b7e8e63ff5b34337c06bc0a17cc0da3c",
}

MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
FASHION_MNIST_MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)


class DataSource(NamedTuple):
    """Which data a loader returned: ``kind`` is ``"download"`` or ``"embedded"``."""

    kind: str
    description: str

    def __str__(self) -> str:
        return self.description


@dataclass(frozen=True)
class IdxDataset:
    """A four-file IDX dataset (MNIST layout): its title, cache subdirectory and files."""

    title: str
    subdir: str
    files: dict[str, RemoteFile]


def _idx_files(hashes: dict[str, str], mirrors: tuple[str, ...]) -> dict[str, RemoteFile]:
    keys = ("train_img", "train_label", "test_img", "test_label")
    return {k: RemoteFile(name, "sha256:" + h, mirrors) for k, (name, h) in zip(keys, hashes.items())}


MNIST = IdxDataset("MNIST", "mnist", _idx_files(_MNIST_SHA256, MNIST_MIRRORS))
FASHION_MNIST = IdxDataset(
    "Fashion-MNIST", "fashion-mnist", _idx_files(_FASHION_SHA256, FASHION_MNIST_MIRRORS)
)


def _check_pair(images: np.ndarray, labels: np.ndarray, images_name: str, labels_name: str) -> None:
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ValueError(f"{images_name}: expected uint8 images of shape (N, 28, 28), got "
                         f"{images.dtype} {images.shape}")
    if labels.shape != (images.shape[0],):
        raise ValueError(f"{labels_name} holds {labels.shape[0]} labels but {images_name} holds "
                         f"{images.shape[0]} images")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{labels_name}: labels must be in 0..9, found {labels.min()}..{labels.max()}")


def load_idx_dataset(dataset: IdxDataset) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Raw ``(train_images, train_labels, test_images, test_labels)``, from cache or mirrors."""
    arrays = {}
    for key, remote in dataset.files.items():
        ndim = 3 if key.endswith("img") else 1
        arrays[key] = fetch_parsed(remote, dataset.subdir, partial(read_idx, ndim=ndim))
    for part in ("train", "test"):
        _check_pair(arrays[f"{part}_img"], arrays[f"{part}_label"],
                    dataset.files[f"{part}_img"].name, dataset.files[f"{part}_label"].name)
    return arrays["train_img"], arrays["train_label"], arrays["test_img"], arrays["test_label"]


def _read_embedded(name: str, ndim: int) -> np.ndarray:
    raw = (resources.files("xpnet") / "data" / "mnist" / name).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != EMBEDDED_SHA256[name]:
        raise ValueError(f"embedded file xpnet/data/mnist/{name} is corrupt (sha256 {digest}, "
                         f"expected {EMBEDDED_SHA256[name]}); reinstall xpnet")
    return parse_idx(decompress(raw, name), name, ndim=ndim)


def load_embedded_mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Raw ``(train_images, train_labels, test_images, test_labels)`` of the embedded split."""
    images = _read_embedded("t10k-images-idx3-ubyte.gz", 3)
    labels = _read_embedded("t10k-labels-idx1-ubyte.gz", 1)
    _check_pair(images, labels, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    n = EMBEDDED_TRAIN_SIZE
    return images[:n], labels[:n], images[n:], labels[n:]


EMBEDDED_DESCRIPTION = (
    f"embedded MNIST test set (the official 10,000 MNIST *test* digits, split: first "
    f"{EMBEDDED_TRAIN_SIZE:,} for training, last {10000 - EMBEDDED_TRAIN_SIZE:,} for testing)"
)


def _full_description(dataset: IdxDataset, train: np.ndarray, test: np.ndarray) -> str:
    where = data_dir() / dataset.subdir
    return f"{dataset.title} ({len(train):,} training / {len(test):,} test images, from {where})"


def _load_mnist_raw(source: str):
    if source == "embedded":
        return load_embedded_mnist(), DataSource("embedded", EMBEDDED_DESCRIPTION)
    try:
        raw = load_idx_dataset(MNIST)
    except (DownloadError, ValueError) as exc:
        if source == "auto":
            logger.warning("full MNIST is not available (%s); using the %s instead",
                           str(exc).splitlines()[0].rstrip(":"), EMBEDDED_DESCRIPTION)
            return load_embedded_mnist(), DataSource("embedded", EMBEDDED_DESCRIPTION)
        if isinstance(exc, DownloadError):
            raise DownloadError(
                exc.message, "Or call load_mnist(source='embedded') to use the 10,000 MNIST test digits "
                "shipped with xpnet, or source='auto' to fall back to them when offline."
            ) from exc
        raise
    return raw, DataSource("download", _full_description(MNIST, raw[0], raw[2]))


def _formatted(raw, normalize, flatten, one_hot_label):
    x_train, t_train, x_test, t_test = raw
    opts = dict(normalize=normalize, flatten=flatten, one_hot_label=one_hot_label)
    train = book_format(x_train[:, None], t_train, **opts)
    test = book_format(x_test[:, None], t_test, **opts)
    return train, test


def load_mnist(normalize: bool = True, flatten: bool = True, one_hot_label: bool = False, *,
               source: str = "download", return_source: bool = False):
    """MNIST as in the book: ``((x_train, t_train), (x_test, t_test))`` of host NumPy arrays.

    Parameters
    ----------
    normalize : bool
        float32 pixels in [0, 1] (``uint8 / 255``) if True, else the raw uint8 pixels.
    flatten : bool
        images of shape (N, 784) if True, else (N, 1, 28, 28).
    one_hot_label : bool
        labels of shape (N, 10) float32 if True, else (N,) int64.
    source : {"download", "embedded", "auto"}
        ``"download"`` (the book's behaviour): the full MNIST from the cache, downloading it if
        needed; offline, a [`DownloadError`][xpnet.datasets.DownloadError] says how to fix it. ``"embedded"``:
        the 10,000
        MNIST test digits shipped with xpnet, first 8,000 training / last 2,000 test.
        ``"auto"``: full MNIST when the cache or a download delivers it, else the embedded set,
        with a warning on the ``xpnet.datasets`` logger.
    return_source : bool
        also return a [`DataSource`][xpnet.datasets.mnist.DataSource] naming the data actually used (for a
        CLI's output).
    """
    if source not in SOURCES:
        raise ValueError(f"unknown MNIST source {source!r}: expected one of {', '.join(SOURCES)}")
    raw, used = _load_mnist_raw(source)
    data = _formatted(raw, normalize, flatten, one_hot_label)
    return (data, used) if return_source else data


def load_fashion_mnist(normalize: bool = True, flatten: bool = True, one_hot_label: bool = False):
    """Fashion-MNIST (Zalando) in exactly [`load_mnist`][xpnet.datasets.mnist.load_mnist]'s format, from cache
or mirrors."""
    return _formatted(load_idx_dataset(FASHION_MNIST), normalize, flatten, one_hot_label)
