"""Figure creation without pyplot: no global state, no GUI, the Agg canvas on save.

``matplotlib.figure.Figure`` objects are independent of pyplot's figure manager, so building
many figures in one process leaks nothing and never needs a display.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from ..io._atomic import write_atomically  # noqa: E402

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


MAX_SIDE = 2**16
"""Most pixels on a side of a saved figure (Agg's own limit is 2**23; this one keeps memory sane)."""
MAX_PIXELS = 10**8
"""Most pixels in all: 100 megapixels are 400 MB of RGBA before PNG compression."""


def check_pixels(fig, dpi: int) -> tuple[int, int]:
    """(width, height) in pixels of ``fig`` at ``dpi``; ValueError naming them if they are too many."""
    width_in, height_in = fig.get_size_inches()
    width, height = round(width_in * dpi), round(height_in * dpi)
    if dpi <= 0 or max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise ValueError(
            f"a figure of {width_in:g} x {height_in:g} inches at dpi={dpi} would be {width} x {height} "
            f"pixels, more than the {MAX_PIXELS // 10**6} megapixels (and {MAX_SIDE} on a side) xpnet "
            f"draws; use a lower dpi"
        )
    return width, height


def save_figure(fig, path, *, dpi: int = 100) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically (`xpnet.io._atomic.write_atomically`:
    beside the real target, links resolved, renamed over it; non-regular targets refused).

    A ``dpi`` that would make the image larger than `MAX_PIXELS` raises ValueError before
    anything is drawn. Errors name ``path``, never the temporary file.
    """
    path = Path(path)
    check_pixels(fig, dpi)
    write_atomically(path, lambda f: fig.savefig(f, dpi=dpi, format="png"), what="write the figure to")
    return path
