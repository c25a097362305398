"""Loss-curve and path figures: optimizer-paths, optimizer-compare, weight-init-compare."""

from __future__ import annotations

import math

import numpy as np

from ..functions import smooth_curve
from ._base import MARKERS, data_note, grid_shape, hide_unused, new_figure


def optimizer_paths(results: dict):
    """One panel per optimizer: its path from (−7, 2) over the contour lines of f."""
    paths = results["paths"]
    rows, cols = grid_shape(len(paths))
    fig, axes = new_figure(rows, cols, panel=(3.2, 2.2))
    c = results["contour"]
    X, Y = np.meshgrid(c["x"], c["y"])
    Z = np.asarray(c["z"], dtype=float)
    for ax, (name, path) in zip(axes.flat, paths.items()):
        ax.contour(X, Y, Z, levels=[0.25, 0.5, 1, 2, 3, 4, 5, 6, 7], colors="0.6", linewidths=0.7)
        ax.plot(path["x"], path["y"], "o-", color="red", markersize=2.5, linewidth=1)
        ax.plot(0, 0, "+", color="black", markersize=10)
        ax.set_xlim(-10, 10)
        ax.set_ylim(-5, 5)
        ax.set_title(f"{name} (lr {path['lr']:g})")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    hide_unused(axes, len(paths))
    n = results["settings"]["iters"]
    fig.suptitle(f"f(x, y) = x²/20 + y², {n} steps from (−7, 2)")
    return fig


BOOK_FOUR = ("SGD", "Momentum", "AdaGrad", "Adam")


def _loss_panel(ax, results: dict, names, ylim: float, reference: float | None = None) -> None:
    for name in names:
        k = list(results["losses"]).index(name)
        values = np.asarray([math.nan if v is None else v for v in results["losses"][name]], dtype=float)
        at = results["loss_at"][name]
        label = f"{name} ({at['smoothed']:.3f} at {at['iteration']})" if at["smoothed"] is not None else name
        ax.plot(np.arange(len(values)), smooth_curve(values), marker=MARKERS[k % len(MARKERS)],
                markevery=max(len(values) // 20, 1), markersize=4, linewidth=1, label=label)
    if reference is not None:
        ax.axhline(reference, color="0.5", linestyle=":", linewidth=1, label=f"ln 10 = {reference:.3f}")
    ax.set_xlabel("iterations")
    ax.set_ylabel("loss (smoothed)")
    ax.set_ylim(0, ylim)
    ax.legend(fontsize=8)


def _loss_figure(results: dict, groups: dict, title: str, ylim: float, reference: float | None = None):
    fig, axes = new_figure(1, len(groups), panel=(6.0, 4.4))
    for ax, (label, names) in zip(axes.flat, groups.items()):
        _loss_panel(ax, results, names, ylim, reference)
        if label:
            ax.set_title(label, fontsize=10)
    fig.suptitle(f"{title}\n{data_note(results)}", fontsize=10)
    return fig


def optimizer_compare(results: dict):
    """Smoothed training loss per optimizer (the book's Fig. 6-9, ylim 0-1)."""
    s, names = results["settings"], results["optimizers"]
    groups = {"": names}
    if set(BOOK_FOUR) <= set(names) and len(names) > len(BOOK_FOUR):  # the book's four, then the rest
        groups = {"the book's four": list(BOOK_FOUR),
                  "the others (SGD for reference)": ["SGD"] + [n for n in names if n not in BOOK_FOUR]}
    return _loss_figure(results, groups,
                        f"MNIST 784-100x4-10, batch {s['batch_size']}, default hyperparameters", 1.0)


def weight_init_compare(results: dict):
    """Smoothed training loss for std 0.01, Xavier, He (the book's Fig. 6-15, ylim 0-2.5)."""
    s = results["settings"]
    return _loss_figure(results, {"": results["inits"]}, f"MNIST 784-100x4-10 ReLU, SGD lr {s['lr']:g}", 2.5,
                        reference=math.log(10))
