"""Figure creation without pyplot: no global state, no GUI, the Agg canvas on save.

``matplotlib.figure.Figure`` objects are independent of pyplot's figure manager, so building
many figures in one process leaks nothing and never needs a display.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

MARKERS = ("o", "x", "s", "D", "^", "v", "<", ">", "p", "*")


def new_figure(rows: int, cols: int, *, panel=(3.2, 2.6), **subplot_kw):
    """A Figure with a rows x cols grid of Axes (a 2-D array of them, always)."""
    fig = Figure(figsize=(panel[0] * cols, panel[1] * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, **subplot_kw)
    return fig, axes


def integer_epochs(ax) -> None:
    """Whole-number ticks on an epoch axis (a run of 1-3 epochs would get 1.5, 2.5 ...)."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))


def grid_shape(n: int, max_cols: int = 5) -> tuple[int, int]:
    """Rows and columns for ``n`` panels, at most ``max_cols`` wide."""
    cols = min(n, max_cols)
    return math.ceil(n / cols), cols


def hide_unused(axes, n: int) -> None:
    """Switch off the panels after the first ``n``."""
    for ax in axes.flat[n:]:
        ax.set_axis_off()


def data_note(results: dict) -> str:
    """A short caption line: the data and backend a result came from."""
    data = results.get("data") or {}
    backend = results.get("backend") or {}
    source = {"embedded": "embedded MNIST test-set split (8000/2000)", "download": "full MNIST",
              "synthetic": data.get("description", "synthetic")}.get(data.get("source"), "unknown data")
    return f"{source}; backend {backend.get('name', '?')}, seed {results.get('seed', '?')}"


def save_figure(fig, path, *, dpi: int = 100) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically (temporary file, then rename)."""
    path = Path(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        fig.savefig(tmp, dpi=dpi, format="png")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
