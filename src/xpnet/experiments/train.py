"""Chapters 7 and 8: train a CNN (or an MLP) with the Trainer, keep a checkpoint and its filters.

The book's ``train_convnet.py``: ``SimpleConvNet`` (30 filters 5×5, hidden 100), Adam lr 0.001,
20 epochs, batch 100, accuracy per epoch on the first 1000 images of each set, then the
parameters saved; ``visualize_filter.py`` draws the first layer's filters before and after.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..models import AlexNet, DeepConvNet, MultiLayerNet, SimpleConvNet
from ._common import (
    Progress,
    Run,
    load_data,
    optional_samples,
    positive_float,
    positive_int,
    quiet,
    rounded,
    to_device,
)
from ._loops import fit

MODELS = ("simple", "deep", "alexnet", "mlp")
MAX_FILTERS = 64


def build_model(model: str, *, width: float = 1.0, hidden=(100, 100)):
    """A network by name: ``simple`` (SimpleConvNet), ``deep`` (DeepConvNet), ``alexnet``
    (AlexNet-style, ``width`` scales it) or ``mlp`` (MultiLayerNet 784-``hidden``-10)."""
    if model == "simple":
        return SimpleConvNet()
    if model == "deep":
        return DeepConvNet()
    if model == "alexnet":
        return AlexNet((1, 28, 28), 10, width=width)
    if model == "mlp":
        return MultiLayerNet(784, list(hidden), 10)
    raise ValueError(f"unknown model {model!r}: expected one of {', '.join(MODELS)}")


def first_layer_filters(network) -> list:
    """The first layer's weights as images: conv filters (FN, C, FH, FW) -> channel 0 of each;
    an MLP's W1 (784, H) -> one 28×28 image per hidden unit. At most 64, as host lists."""
    w = to_numpy(network.params["W1"]).astype(np.float64)
    images = w[:, 0] if w.ndim == 4 else w.T.reshape(w.shape[1], 28, 28)
    return [np.round(img, 4).tolist() for img in images[:MAX_FILTERS]]


def train(*, model: str = "simple", epochs: int = 20, batch_size: int = 100, lr: float = 0.001,
          optimizer: str = "Adam", samples: int | None = None, eval_samples: int | None = 1000,
          width: float = 1.0, checkpoint=None, data: str = "auto", seed: int = 0,
          progress: Progress = None, comm=None) -> dict:
    """Train ``model`` on MNIST and record its accuracy curves and first-layer filters.

    Parameters
    ----------
    model : ``'simple'``, ``'deep'``, ``'alexnet'`` or ``'mlp'``
    eval_samples : int or None
        Accuracy per epoch on the first N images of each set (the book's
        ``evaluate_sample_num_per_epoch=1000``); None: all. ``final_test_acc`` uses all.
    checkpoint : path, optional
        Where `save_params` writes the trained parameters (``.npz``).
    comm : communicator, optional
        Data-parallel training, this process being one rank (`xpnet.training.distributed`):
        ``batch_size`` is per rank, rank 0 loads (downloads) the data first and alone writes the
        checkpoint; every rank returns the same result.

    Returns
    -------
    dict with the common keys and ``model``, ``parameters`` (count), ``train_acc``,
    ``test_acc`` (per epoch), ``train_loss`` (per iteration), ``final_test_acc``,
    ``filters_initial`` and ``filters`` (first-layer images, [n][h][w]), ``checkpoint``.
    """
    epochs, batch_size = positive_int("epochs", epochs), positive_int("batch_size", batch_size)
    lr = positive_float("lr", lr)
    samples = optional_samples(samples)
    eval_samples = optional_samples(eval_samples, "eval_samples")
    width = positive_float("width", width)
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}: expected one of {', '.join(MODELS)}")
    root = comm is None or comm.rank == 0
    if not root:
        comm.barrier()  # rank 0 downloads (once), then the others read its cache
    arrays, info = load_data(data, samples=samples, flatten=False)
    if comm is not None and root:
        comm.barrier()
    settings = {"model": model, "epochs": epochs, "batch_size": batch_size, "lr": lr, "optimizer": optimizer,
                "samples": samples, "eval_samples": eval_samples, "width": width}
    if comm is not None:
        settings["ranks"] = comm.size
    run = Run("train", seed, settings)
    arrays = to_device(*arrays)
    network = build_model(model, width=width)
    filters_initial = first_layer_filters(network)
    history = fit(network, arrays, epochs=epochs, batch_size=batch_size, optimizer=optimizer, lr=lr,
                  progress=progress or quiet, stage=f"{model} epochs",
                  evaluate_sample_num_per_epoch=eval_samples, comm=comm)
    x_test, t_test = arrays[2], arrays[3]
    final = float(network.accuracy(x_test, t_test, batch_size=max(batch_size, 100)))
    if checkpoint is not None and root:  # BatchNorm statistics were averaged at the last epoch's end
        network.save_params(checkpoint)
    return run.result(info, model=model,
                      parameters=int(sum(int(np.prod(p.shape)) for p in network.params.values())),
                      train_acc=rounded(history["train_acc"]), test_acc=rounded(history["test_acc"]),
                      train_loss=rounded(history["train_loss"]), final_test_acc=final,
                      filters_initial=filters_initial, filters=first_layer_filters(network),
                      checkpoint=None if checkpoint is None else str(checkpoint))
