"""Figures of the studies: the only package of xpnet that imports matplotlib.

``figure(results)`` draws the figure of any study result (a dict returned by
[`xpnet.experiments`][xpnet.experiments], or read back from its JSON) as a ``matplotlib.figure.Figure``;
``save_figure(fig, path, dpi=...)`` writes it as PNG. No pyplot: nothing global, Agg only.
"""

from __future__ import annotations

from ._base import save_figure
from .accuracy import activation_init_bn_grid, batch_norm, overfit
from .curves import optimizer_compare, optimizer_paths, weight_init_compare
from .filters import train
from .half_float import half_float
from .histograms import weight_init_activations
from .search import hyperparameter_search

FIGURES = {
    "optimizer-paths": optimizer_paths,
    "optimizer-compare": optimizer_compare,
    "weight-init-activations": weight_init_activations,
    "weight-init-compare": weight_init_compare,
    "batch-norm": batch_norm,
    "overfit-weight-decay": overfit,
    "overfit-dropout": overfit,
    "hyperparameter-search": hyperparameter_search,
    "activation-init-bn-grid": activation_init_bn_grid,
    "train": train,
    "half-float": half_float,
}


def figure(results: dict):
    """The figure of a study result, chosen by ``results['study']``."""
    study = results.get("study")
    if study not in FIGURES:
        raise ValueError(f"no figure for study {study!r}: expected one of {', '.join(FIGURES)}")
    return FIGURES[study](results)


__all__ = ["FIGURES", "figure", "save_figure"]
