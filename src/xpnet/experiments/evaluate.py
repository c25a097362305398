"""Trained weights on the MNIST test set: the book's ``params.pkl`` files or xpnet's ``.npz``.

The book evaluates its trained networks on the 10,000 official test digits (``ch08``'s
``misclassified_mnist.py``, ``half_float_network.py``). Those are exactly the digits xpnet
embeds, so no download is needed: with ``data='embedded'`` the embedded set's two parts (first
8,000 and last 2,000, the split the training studies use) are put back together in their
original order; with ``'mnist'`` or ``'auto'`` the test set of the full MNIST is used, the same
10,000 digits.
"""

from __future__ import annotations

import os

import numpy as np

from ..io import load_book_params, load_params
from ._common import DATA_CHOICES, Run, load_data, optional_samples, positive_int, to_device
from .train import build_model

WEIGHT_MODELS = ("simple", "deep")


def load_weights(network, path) -> str:
    """Load ``path`` into ``network``: ``.npz`` as xpnet's checkpoint, else the book's pickle.
    Returns the format used (``'npz'`` or ``'book-pickle'``)."""
    if os.path.isdir(path):
        raise IsADirectoryError(f"weights file {os.fspath(path)!r} is a directory: give the file in it "
                                "(the book's params.pkl or an xpnet .npz)")
    if not os.path.exists(path):
        raise FileNotFoundError(f"weights file {os.fspath(path)!r} does not exist")
    if not os.path.isfile(path):
        raise ValueError(f"weights file {os.fspath(path)!r} is not a regular file (a device, FIFO or "
                         "socket): xpnet reads weights from files only")
    if os.fspath(path).endswith(".npz"):
        load_params(path, network)
        return "npz"
    load_book_params(path, network)
    return "book-pickle"


def load_test_set(data: str = "embedded", samples: int | None = None):
    """The official MNIST test digits as host (N, 1, 28, 28) images and labels, plus the data entry."""
    if data not in DATA_CHOICES:
        raise ValueError(f"unknown data {data!r}: expected one of {', '.join(DATA_CHOICES)}")
    (x_train, t_train, x_test, t_test), info = load_data(data, flatten=False)
    if info["source"] == "embedded":
        x_test, t_test = np.concatenate([x_train, x_test]), np.concatenate([t_train, t_test])
        info["description"] = f"{info['description'].split(' (')[0]} (the 10,000 official MNIST test digits)"
    if samples is not None:
        if samples > x_test.shape[0]:
            raise ValueError(f"samples={samples} is more than the {x_test.shape[0]} test digits")
        x_test, t_test = x_test[:samples], t_test[:samples]
    info.update(train_size=0, test_size=int(x_test.shape[0]))
    return (x_test, t_test), info


def evaluate(*, model: str = "simple", weights, data: str = "embedded", samples: int | None = None,
             batch_size: int = 100) -> dict:
    """Accuracy of ``model`` with trained ``weights`` on the MNIST test set.

    Returns
    -------
    dict with the common keys and ``model``, ``weights`` (path), ``format``, ``accuracy``,
    ``correct`` and ``count``.
    """
    if model not in WEIGHT_MODELS:
        raise ValueError(f"unknown model {model!r} for trained weights: "
                         f"expected one of {', '.join(WEIGHT_MODELS)}")
    batch_size, samples = positive_int("batch_size", batch_size), optional_samples(samples)
    run = Run("evaluate", 0, {"model": model, "weights": os.fspath(weights), "samples": samples})
    network = build_model(model)
    kind = load_weights(network, weights)
    (x, t), info = load_test_set(data, samples)
    x, t = to_device(x, t)
    accuracy = float(network.accuracy(x, t, batch_size=batch_size))
    count = int(x.shape[0])
    return run.result(info, model=model, weights=os.fspath(weights), format=kind, accuracy=accuracy,
                      correct=round(accuracy * count), count=count)
