"""Accuracy-per-epoch figures: batch-norm, overfit-*, activation-init-bn-grid."""

from __future__ import annotations

import math

from ._base import MARKERS, data_note, grid_shape, hide_unused, integer_epochs, new_figure


def _epochs(values):
    return list(range(1, len(values) + 1))


def batch_norm(results: dict):
    """The book's Fig. 6-19: a panel per weight scale, BN solid, no BN dashed (training accuracy)."""
    scales = results["weight_scales"]
    rows, cols = grid_shape(len(scales), max_cols=max(1, math.ceil(math.sqrt(len(scales)))))
    fig, axes = new_figure(rows, cols, panel=(2.6, 2.1))
    for i, (ax, w) in enumerate(zip(axes.flat, scales)):
        bn, plain = results["bn"][i], results["plain"][i]
        ax.plot(_epochs(bn["train_acc"]), bn["train_acc"], "-", color="tab:blue", label="Batch Normalization")
        ax.plot(_epochs(plain["train_acc"]), plain["train_acc"], "--", color="tab:orange",
                label="without BatchNorm")
        if plain.get("diverged"):
            ax.text(0.5, 0.5, "no BN: loss overflowed", transform=ax.transAxes, ha="center", fontsize=7,
                    color="tab:orange")
        ax.set_title(f"W: {w:.3g}", fontsize=9)
        ax.set_ylim(0, 1)
        ax.tick_params(labelsize=7)
        integer_epochs(ax)
    hide_unused(axes, len(scales))
    fig.supxlabel("epochs", fontsize=9)
    fig.supylabel("training accuracy", fontsize=9)
    axes.flat[0].legend(fontsize=6, loc="lower right")
    s = results["settings"]
    fig.suptitle(f"training accuracy over {s['epochs']} epochs, {s['samples']} images, SGD lr {s['lr']:g}\n"
                 f"{data_note(results)}", fontsize=10)
    return fig


def _run_title(label: str, s: dict) -> str:
    if label == "weight decay":
        return f"weight decay (λ = {s['weight_decay']:g})"
    if label == "dropout":
        return f"dropout (ratio {s['dropout']:g})"
    return label


def overfit(results: dict):
    """Train (circles) vs test (squares) accuracy per epoch, one panel per run (the book's Figs.
    6-20, 6-21, 6-23)."""
    runs = results["runs"]
    fig, axes = new_figure(1, len(runs), panel=(4.6, 3.6))
    for ax, (label, run) in zip(axes.flat, runs.items()):
        every = max(len(run["train_acc"]) // 20, 1)
        ax.plot(_epochs(run["train_acc"]), run["train_acc"], marker="o", markevery=every, markersize=4,
                label=f"train ({run['final_train']:.3f})")
        ax.plot(_epochs(run["test_acc"]), run["test_acc"], marker="s", markevery=every, markersize=4,
                label=f"test ({run['final_test']:.3f})")
        ax.set_title(_run_title(label, results["settings"]))
        ax.set_xlabel("epochs")
        ax.set_ylabel("accuracy")
        ax.set_ylim(0, 1.0)
        integer_epochs(ax)
        ax.legend(loc="lower right", fontsize=8)
    s = results["settings"]
    fig.suptitle(f"784-100x6-10 on {s['samples']} images, SGD lr {s['lr']:g} ({data_note(results)})",
                 fontsize=10)
    return fig


def activation_init_bn_grid(results: dict):
    """Rows: activation; columns: initial weights; test accuracy with BN (solid) and without (dashed)."""
    acts, inits = results["activations"], results["inits"]
    fig, axes = new_figure(len(acts), len(inits), panel=(3.0, 2.4))
    for r, act in enumerate(acts):
        for c, init in enumerate(inits):
            ax, panel = axes[r, c], results["panels"][act][init]
            for key, style, label in (("bn", "-", "BatchNorm"), ("plain", "--", "no BatchNorm")):
                acc = panel[key]["test_acc"]
                final = f" ({acc[-1]:.3f})" if acc else ""
                ax.plot(_epochs(acc), acc, style, marker=MARKERS[0 if key == "bn" else 2], markersize=3,
                        label=label + final)
            ax.set_title(f"{act}, {init}", fontsize=10)
            ax.set_ylim(0, 1)
            ax.legend(fontsize=7, loc="lower right")
            ax.tick_params(labelsize=7)
            integer_epochs(ax)
            if r == len(acts) - 1:
                ax.set_xlabel("epochs")
            if c == 0:
                ax.set_ylabel("test accuracy")
    s = results["settings"]
    fig.suptitle(f"784-40-20-10, SGD lr {s['lr']:g}, batch {s['batch_size']} ({data_note(results)})",
                 fontsize=10)
    return fig
