"""Activation histograms of the weight-initialisation study (the book's Figs. 6-10 to 6-14)."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps

from ._base import data_note, new_figure


def weight_init_activations(results: dict):
    """Rows: activation functions; columns: initial weight scales; in each panel one step
    histogram per hidden layer (light to dark = the first layer to the last)."""
    acts, inits = results["activations"], results["inits"]
    fig, axes = new_figure(len(acts), len(inits), panel=(3.0, 2.4))
    cmap = colormaps["viridis"]
    for r, act in enumerate(acts):
        for c, init in enumerate(inits):
            ax, h = axes[r, c], results["histograms"][act][init]
            edges = np.asarray(h["edges"], dtype=float)
            layers = len(h["counts"])
            for i, counts in enumerate(h["counts"]):
                ax.stairs(counts, edges, color=cmap(0.9 - 0.8 * i / max(layers - 1, 1)),
                          label=f"layer {i + 1}", linewidth=1.2)
            title = f"{act}, {init}"
            if act == "relu":
                title += f" (zeros: {100 * h['zeros'][-1]:.0f}% not shown)"
            clipped = sum(h.get("clipped") or [0])
            if clipped:
                title += f"\n{clipped:,} outputs > {edges[-1]:g} counted in the last bin"
            ax.set_title(title, fontsize=8 if clipped else 9)
            ax.tick_params(labelsize=7)
            if c == 0:
                ax.set_ylabel("count")
    axes[0, -1].legend(fontsize=7)
    s = results["settings"]
    fig.suptitle(f"activations of {s['layers']} layers x {s['nodes']} units, "
                 f"{s['samples']} inputs ({data_note(results)})", fontsize=10)
    return fig
