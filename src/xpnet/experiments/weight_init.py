"""Section 6.2: what the initial weight scale does to activations and to training."""

from __future__ import annotations

import numpy as np

from ..backend import array_namespace, normal, to_numpy
from ..functions import relu, sigmoid, tanh
from ..initializers import init_weight
from ..models import MultiLayerNet
from ..optimizers import SGD
from ._common import (
    Progress,
    Run,
    load_data,
    positive_float,
    positive_int,
    quiet,
    rounded,
    synthetic,
    to_device,
)
from ._loops import train_side_by_side
from .optimizers import loss_summary

ACTIVATIONS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu}
HISTOGRAM_INITS = {"std=1": 1.0, "std=0.01": 0.01, "Xavier": "xavier", "He": "he"}
HISTOGRAM_RANGE = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, 1.0)}
COMPARE_INITS = {"std=0.01": 0.01, "Xavier": "sigmoid", "He": "relu"}
"""The book's ``weight_init_compare.py`` (its keys: Xavier is ``'sigmoid'``, He ``'relu'``)."""


def weight_init_activations(*, samples: int = 1000, nodes: int = 100, layers: int = 5, bins: int = 30,
                            seed: int = 0, progress: Progress = None) -> dict:
    """Histograms of the activations of ``layers`` hidden layers for each init and activation.

    The book's ``weight_init_activation_histogram.py``: a (1000, 100) standard-normal input
    through 5 layers of 100 units, ``z = act(z @ W)``, no biases, W with std 1, 0.01,
    Xavier √(1/n) or He √(2/n). Histograms use 30 bins over (0, 1) for sigmoid and ReLU (the
    book's range) and (−1, 1) for tanh. Larger ReLU outputs, which the book's plot drops, are
    counted in the last bin and their number is reported (``clipped``), so every output is
    counted. ReLU's exact zeros are left out of its histograms and reported as a fraction
    (``zeros``) instead.

    Returns
    -------
    dict with the common keys and ``histograms`` {activation: {init: {"counts": [layers][bins],
    "edges": [bins + 1], "zeros": [layers], "clipped": [layers], "mean": [layers],
    "std": [layers]}}} (mean and std of all outputs, zeros included), ``activations``, ``inits``.
    """
    samples, nodes = positive_int("samples", samples), positive_int("nodes", nodes)
    layers, bins = positive_int("layers", layers), positive_int("bins", bins)
    run = Run("weight-init-activations", seed, {"samples": samples, "nodes": nodes, "layers": layers,
                                                "bins": bins})
    progress = progress or quiet
    x = normal((samples, nodes))
    xp = array_namespace(x)
    histograms = {}
    total, done = len(ACTIVATIONS) * len(HISTOGRAM_INITS), 0
    for act_name, act in ACTIVATIONS.items():
        histograms[act_name] = {}
        for init_name, std in HISTOGRAM_INITS.items():
            progress("histograms", done, total)
            z, outputs = x, []
            for _ in range(layers):
                z = act(z @ init_weight((nodes, nodes), std, fan_in=nodes))
                outputs.append(z)
            host = to_numpy(xp.stack(outputs)).astype(np.float64)  # one transfer per configuration
            edges = np.linspace(*HISTOGRAM_RANGE[act_name], bins + 1)
            # ReLU's exact zeros (half its outputs) would dwarf the rest: counted apart.
            shown = [layer[layer != 0] if act_name == "relu" else layer for layer in host]
            lo, hi = HISTOGRAM_RANGE[act_name]
            histograms[act_name][init_name] = {
                "counts": [np.histogram(np.clip(layer, lo, hi), bins=edges)[0].tolist() for layer in shown],
                "clipped": [int(np.sum((layer < lo) | (layer > hi))) for layer in shown],
                "zeros": rounded((host == 0).mean(axis=(1, 2))),
                "edges": rounded(edges), "mean": rounded(host.mean(axis=(1, 2))),
                "std": rounded(host.std(axis=(1, 2)))}
            done += 1
    progress("histograms", total, total)
    return run.result(synthetic(f"standard-normal input of shape ({samples}, {nodes})"),
                      activations=list(ACTIVATIONS), inits=list(HISTOGRAM_INITS), histograms=histograms)


def weight_init_compare(*, iters: int = 2000, batch_size: int = 128, lr: float = 0.01,
                        samples: int | None = None, data: str = "auto", seed: int = 0,
                        progress: Progress = None) -> dict:
    """Training loss of a 784-100×4-10 ReLU net with std 0.01, Xavier and He initial weights.

    The book's ``weight_init_compare.py``: SGD lr 0.01, batch 128 with replacement, 2000
    iterations, the three networks on the same batches.

    Returns
    -------
    dict with the common keys and ``losses`` {init: [loss per iteration]}, ``loss_at``
    {init: {"iteration", "loss", "smoothed"}} (iteration 1900, as the book prints),
    ``final_smoothed`` {init: float}, ``inits``.
    """
    iters, batch_size = positive_int("iters", iters), positive_int("batch_size", batch_size)
    lr = positive_float("lr", lr)
    (x_train, t_train, _, _), info = load_data(data, samples=samples)
    run = Run("weight-init-compare", seed, {"iters": iters, "batch_size": batch_size, "lr": lr,
                                            "samples": samples, "hidden": [100] * 4})
    x, t = to_device(x_train, t_train)
    networks = {k: MultiLayerNet(784, [100] * 4, 10, weight_init_std=v) for k, v in COMPARE_INITS.items()}
    opts = {k: SGD(lr=lr) for k in COMPARE_INITS}
    losses = train_side_by_side(networks, opts, x, t, iters=iters, batch_size=batch_size, progress=progress)
    return run.result(info, inits=list(COMPARE_INITS), losses={k: rounded(v) for k, v in losses.items()},
                      **loss_summary(losses))
