"""The train study: accuracy curves and the first layer's filters before and after training."""

from __future__ import annotations

import math

import numpy as np

from ._base import data_note, integer_epochs, new_figure


def mosaic(images, *, cols: int = 8, pad: int = 1) -> np.ndarray:
    """Tile same-sized 2-D images into one array, each scaled to [0, 1], NaN between tiles."""
    images = [np.asarray(im, dtype=float) for im in images]
    h, w = images[0].shape
    rows = math.ceil(len(images) / cols)
    out = np.full((rows * (h + pad) - pad, cols * (w + pad) - pad), np.nan)
    for k, im in enumerate(images):
        lo, hi = float(im.min()), float(im.max())
        r, c = divmod(k, cols)
        out[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = (im - lo) / (hi - lo or 1.0)
    return out


def train(results: dict):
    """Accuracy per epoch (train circles, test squares) and the first-layer filter mosaics
    (the book's ``visualize_filter.py``: gray_r, before and after training)."""
    fig, axes = new_figure(1, 3, panel=(3.8, 3.4))
    ax = axes[0, 0]
    s, data = results["settings"], results.get("data") or {}
    first = s.get("eval_samples")
    for key, marker, label in (("train_acc", "o", "train"), ("test_acc", "s", "test")):
        values = results[key]
        size = data.get("train_size" if key == "train_acc" else "test_size")
        shown = f"first {min(first, size or first):,}" if first else f"all {size:,}" if size else "all"
        ax.plot(range(1, len(values) + 1), values, marker=marker, markersize=4,
                label=f"{label}, {shown} per epoch ({values[-1]:.3f})")
    ax.set_xlabel("epochs")
    integer_epochs(ax)
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.0)
    ax.legend(loc="lower right", fontsize=8)
    total = " on the whole test set"
    if data.get("test_size"):
        total = f" on all {data['test_size']:,} test digits"
    ax.set_title(f"{results['model']}: final test accuracy {results['final_test_acc']:.4f}\n{total.strip()}",
                 fontsize=10)
    for ax, key, title in ((axes[0, 1], "filters_initial", "first layer, initial"),
                           (axes[0, 2], "filters", "first layer, trained")):
        images = results[key]
        cols = min(len(images), math.ceil(math.sqrt(len(images))))
        ax.imshow(mosaic(images, cols=cols), cmap="gray_r", interpolation="nearest")
        ax.set_title(f"{title} ({len(images)} shown)", fontsize=10)
        ax.set_axis_off()
    fig.suptitle(f"{s['optimizer']} lr {s['lr']:g}, {s['epochs']} epochs, batch {s['batch_size']} "
                 f"({data_note(results)})", fontsize=10)
    return fig
