"""The figures say what they show: axis labels, whole-number epoch ticks, clipped counts named,
which test accuracy is which (issue 12, item 13). Figures are drawn from small real study runs."""

from __future__ import annotations

import pytest

from xpnet.cli.summary import summarize
from xpnet.experiments import STUDIES, batch_norm, hyperparameter_search, train, weight_init_activations
from xpnet.plotting import figure


def _ticks(ax):
    fig = ax.figure
    fig.canvas.draw()  # Agg canvas: tick locations are final after a draw
    lo, hi = ax.get_xlim()
    return [t for t in ax.get_xticks() if lo <= t <= hi]


def _whole(ticks):
    return ticks and all(float(t).is_integer() for t in ticks)


def test_batch_norm_panels_have_axis_labels_and_whole_epoch_ticks():
    r = batch_norm(samples=100, epochs=3, scales=2, eval_samples=100, data="embedded")
    fig = figure(r)
    assert fig.get_supxlabel() == "epochs" and fig.get_supylabel() == "training accuracy"
    assert _whole(_ticks(fig.axes[0]))


def test_search_panels_have_ticks_and_labels(tmp_path):
    r = hyperparameter_search(trials=2, samples=100, epochs=2, top=2, data="embedded",
                              results_path=tmp_path / "s.jsonl")
    fig = figure(r)
    ax = fig.axes[0]
    assert _whole(_ticks(ax)) and len(ax.get_yticks()) >= 2
    assert fig.get_supxlabel() == "epochs"


def test_relu_outputs_beyond_the_range_are_counted_in_the_last_bin_and_said_so():
    r = weight_init_activations(samples=50, nodes=20, layers=2, bins=10)
    h = r["histograms"]["relu"]["std=1"]
    assert h["clipped"][0] > 0
    for counts, zeros in zip(h["counts"], h["zeros"]):
        assert sum(counts) == round(50 * 20 * (1 - zeros))  # every non-zero output counted
    titles = [ax.get_title() for ax in figure(r).axes]
    assert any("counted in the last bin" in t for t in titles)


def test_train_figure_says_which_test_accuracy_is_which():
    r = train(samples=100, epochs=1, eval_samples=50, data="embedded")
    ax = figure(r).axes[0]
    assert "on all 2,000 test digits" in ax.get_title()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[1].startswith("test, first 50 per epoch")
    assert _whole(_ticks(ax))


def test_weight_init_activations_banner_and_summary_follow_layers():
    assert "5 layers" not in STUDIES["weight-init-activations"].summary
    r = weight_init_activations(samples=20, nodes=10, layers=2, bins=5)
    assert summarize(r)[0].startswith("std of layer-2 outputs")


@pytest.mark.parametrize("epochs", [1, 2, 3])
def test_short_runs_get_whole_epoch_ticks(epochs):
    r = batch_norm(samples=50, epochs=epochs, scales=1, eval_samples=50, data="embedded")
    assert _whole(_ticks(figure(r).axes[0]))
