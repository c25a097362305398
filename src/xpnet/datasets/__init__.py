"""Datasets in the book's format, as host NumPy arrays (the Trainer moves them to the device).

- [`load_mnist`][xpnet.datasets.load_mnist] (full MNIST, downloaded once; ``source="embedded"`` for the 10,000
  MNIST
  test digits shipped with xpnet, ``source="auto"`` for either),
  [`load_fashion_mnist`][xpnet.datasets.load_fashion_mnist],
  [`load_cifar10`][xpnet.datasets.load_cifar10].
- Files are cached under ``$XPNET_DATA`` (else the platform cache directory), fetched through
  pooch with a known SHA-256 each, from mirrors tried in order, and parsed with every header
  checked: a corrupt file raises ValueError naming it and is removed from the cache.
"""

from ._download import DownloadError, data_dir
from .cifar10 import load_cifar10
from .mnist import DataSource, load_fashion_mnist, load_mnist

__all__ = ["DataSource", "DownloadError", "data_dir", "load_cifar10", "load_fashion_mnist", "load_mnist"]
