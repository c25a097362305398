"""The studies by name: what the ``xpnet`` command offers, with each study's options and quick settings.

A [`Study`][xpnet.experiments.registry.Study] names its function, the settings a user may change (the
function's keyword
arguments, shown as CLI flags), its ``--quick`` settings (small enough to run in seconds on
NumPy), and the output files the CLI must hand it (``results_path``, ``checkpoint``).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable

from .half_float import half_float
from .optimizers import optimizer_compare, optimizer_paths
from .regularization import activation_init_bn_grid, batch_norm, overfit_dropout, overfit_weight_decay
from .search import hyperparameter_search
from .train import train
from .weight_init import weight_init_activations, weight_init_compare


@dataclass(frozen=True)
class Study:
    """One study: ``run(**settings)`` returns its JSON-ready result dict."""

    name: str
    run: Callable[..., dict]
    summary: str
    quick: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)
    """setting -> file name under the output directory, e.g. ``{'checkpoint': 'train.npz'}``."""

    @property
    def defaults(self) -> dict:
        """The study function's keyword defaults (the book's settings)."""
        return {k: p.default for k, p in inspect.signature(self.run).parameters.items()
                if p.default is not inspect.Parameter.empty}

    def accepts(self, setting: str) -> bool:
        return setting in inspect.signature(self.run).parameters


STUDIES = {s.name: s for s in (
    Study("optimizer-paths", optimizer_paths,
          "optimizer trajectories on f(x, y) = x²/20 + y² (Fig. 6-8)", quick={"iters": 30}),
    Study("optimizer-compare", optimizer_compare,
          "training loss of every optimizer on MNIST, 784-100x4-10 (Fig. 6-9)",
          quick={"iters": 60, "samples": 2000, "optimizers": ("SGD", "Momentum", "AdaGrad", "Adam")}),
    Study("weight-init-activations", weight_init_activations,
          "activation histograms per hidden layer (--layers, 5 by default) for std 1, 0.01, Xavier, He "
          "(Figs. 6-10 to 6-14)",
          quick={"samples": 200}),
    Study("weight-init-compare", weight_init_compare,
          "training loss with std 0.01, Xavier and He initial weights (Fig. 6-15)",
          quick={"iters": 100, "samples": 2000}),
    Study("batch-norm", batch_norm,
          "accuracy with and without BatchNorm over 16 weight scales (Fig. 6-19)",
          quick={"samples": 200, "epochs": 3, "scales": 4, "eval_samples": 200}),
    Study("overfit-weight-decay", overfit_weight_decay,
          "train vs test accuracy on 300 images, without and with weight decay (Figs. 6-20, 6-21)",
          quick={"epochs": 10, "eval_samples": 300}),
    Study("overfit-dropout", overfit_dropout,
          "train vs test accuracy on 300 images, without and with dropout (Fig. 6-23)",
          quick={"epochs": 10, "eval_samples": 300}),
    Study("hyperparameter-search", hyperparameter_search,
          "random search over lr and weight decay, top-20 validation curves (Fig. 6-24)",
          quick={"trials": 6, "samples": 200, "epochs": 4, "top": 6},
          files={"results_path": "hyperparameter-search.jsonl"}),
    Study("activation-init-bn-grid", activation_init_bn_grid,
          "sigmoid|ReLU x std 0.01|Xavier|He x BatchNorm off|on, 784-40-20-10 test accuracy",
          quick={"samples": 500, "epochs": 2}),
    Study("train", train,
          "train SimpleConvNet / DeepConvNet / AlexNet-style / MLP; curves, checkpoint, filters",
          quick={"samples": 300, "epochs": 2, "eval_samples": 200},
          files={"checkpoint": "train.npz"}),
    Study("half-float", half_float,
          "test accuracy of a trained convnet in float16 against float32 (ch. 8, half_float_network.py)",
          quick={"samples": 500, "epochs": 1, "eval_samples": 300}),
)}

