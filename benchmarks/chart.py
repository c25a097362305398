"""The report's bar chart: samples/s per network and implementation, train and inference.

Uses matplotlib's object API with the Agg canvas (no pyplot, no display needed).
"""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .nets import NETS
from .summary import KINDS, index, present_impls

TITLES = {"train": "train step (forward, backward, Adam)", "infer": "inference"}


def draw(rows, path, *, title: str = "", dpi: int = 80) -> None:
    """Write a PNG with one panel per kind; log-scale samples/s, one bar per implementation."""
    by = index(rows)
    impls = present_impls(rows)
    nets = [s.name for s in NETS if any((s.name, k, i) in by for k in KINDS for i in impls)]
    fig = Figure(figsize=(10, 4.2))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2, sharey=True)
    width = 0.8 / max(1, len(impls))
    for ax, kind in zip(axes, KINDS):
        for j, impl in enumerate(impls):
            xs, ys = [], []
            for n, net in enumerate(nets):
                r = by.get((net, kind, impl))
                if r is not None:
                    xs.append(n + (j - (len(impls) - 1) / 2) * width)
                    ys.append(r["samples_per_s"])
            ax.bar(xs, ys, width, label=impl)
        ax.set_yscale("log")
        ax.set_xticks(range(len(nets)), nets, rotation=20, ha="right", fontsize=8)
        ax.set_title(TITLES[kind], fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("samples / s (log scale)")
    axes[1].legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
