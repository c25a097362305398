"""The hyperparameter search's top-N grid (the book's Fig. 6-24)."""

from __future__ import annotations

from ._base import data_note, grid_shape, hide_unused, integer_epochs, new_figure


def hyperparameter_search(results: dict):
    """The best trials, best first: validation accuracy solid, training accuracy dashed."""
    best = results["best"]
    n = max(len(best), 1)
    rows, cols = grid_shape(n, max_cols=5)
    fig, axes = new_figure(rows, cols, panel=(2.4, 1.9))
    for i, (ax, trial) in enumerate(zip(axes.flat, best)):
        epochs = range(1, len(trial["val_acc"]) + 1)
        ax.plot(epochs, trial["val_acc"], "-")
        ax.plot(epochs, trial["train_acc"], "--")
        ax.set_title(f"Best-{i + 1} (val acc: {trial['val_acc'][-1]:.2f})\n"
                     f"lr {trial['lr']:.2e}, wd {trial['weight_decay']:.2e}", fontsize=7)
        ax.set_ylim(0, 1)
        ax.set_yticks([0, 0.5, 1])
        ax.tick_params(labelsize=6)
        integer_epochs(ax)
    if not best:
        axes[0, 0].text(0.5, 0.5, "no successful trial", ha="center", transform=axes[0, 0].transAxes)
    hide_unused(axes, len(best) if best else 1)
    fig.supxlabel("epochs", fontsize=8)
    fig.supylabel("accuracy", fontsize=8)
    s = results["settings"]
    fig.suptitle(f"{s['trials']} trials, {s['epochs']} epochs; validation solid, training dashed\n"
                 f"{data_note(results)}", fontsize=9)
    return fig
