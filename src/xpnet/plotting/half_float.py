"""The half-float figure: test accuracy in float32, with float16 storage, and in float16."""

from __future__ import annotations

from ._base import data_note, new_figure

_BARS = (("float32", "float32", "tab:blue"), ("float16_storage", "float16 weights+inputs,\nfloat32 math",
                                               "tab:green"), ("float16", "float16\nthroughout", "tab:orange"))


def half_float(results: dict):
    """Left: the three accuracies, each labelled; right: how far float16's scores moved."""
    fig, axes = new_figure(1, 2, panel=(4.2, 3.2))
    ax, hist = axes[0]
    acc = results["accuracy"]
    values = [acc[key] for key, _, _ in _BARS]
    bars = ax.bar(range(len(_BARS)), values, color=[c for _, _, c in _BARS])
    ax.bar_label(bars, labels=[f"{v:.4f}" for v in values], fontsize=8)
    ax.set_xticks(range(len(_BARS)), [label for _, label, _ in _BARS], fontsize=7)
    low = min(values)
    ax.set_ylim(max(0.0, low - 0.1), min(1.0, max(values) + 0.05) if low > 0.1 else 1.0)
    ax.set_ylabel("test accuracy")
    ax.set_title(f"{results['eval_count']:,} test digits; {results['agreement']:.2%} same predictions",
                 fontsize=9)
    diff = results["score_diff"]
    if diff["counts"]:
        edges = diff["edges"]
        hist.stairs(diff["counts"], edges, fill=True, color="tab:orange", alpha=0.7)
    hist.set_xlabel("log10 max |score16 - score32| per digit")
    hist.set_ylabel("digits")
    hist.set_title(f"score change in float16 ({diff['exact']} digits unchanged)", fontsize=9)
    trained = "trained here" if results["trained"] == "here" else f"weights {results['trained']}"
    name = {"simple": "SimpleConvNet", "deep": "DeepConvNet"}.get(results["model"], results["model"])
    fig.suptitle(f"{name} in half precision ({trained}); output dtype {results['output_dtype']}\n"
                 f"{data_note(results)}", fontsize=10)
    return fig
