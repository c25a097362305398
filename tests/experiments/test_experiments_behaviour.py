"""The studies reproduce the book's qualitative findings on real data (the embedded MNIST split).

Settings are as small as keeps each finding reliable across seeds; each test names the finding.
"""

from __future__ import annotations

import math

import pytest

from xpnet.experiments import batch_norm, overfit_weight_decay, weight_init_compare

LN10 = math.log(10)


def test_weight_init_std_001_stays_at_chance_while_he_learns():
    r = weight_init_compare(iters=120, samples=2000, data="embedded", seed=0)
    loss = {k: v["smoothed"] for k, v in r["loss_at"].items()}
    assert r["loss_at"]["He"]["iteration"] == 119
    assert abs(loss["std=0.01"] - LN10) < 0.02, loss
    assert loss["He"] < LN10 - 0.5, loss


def test_batch_norm_beats_no_batch_norm_at_small_weight_scales():
    r = batch_norm(scales=3, samples=300, epochs=6, eval_samples=100, data="embedded", seed=0)
    assert r["weight_scales"] == pytest.approx([1.0, 1e-2, 1e-4])
    for w, bn, plain in zip(r["weight_scales"], r["bn"], r["plain"]):
        assert len(bn["train_acc"]) == 6
        if w <= 1e-2:
            assert bn["final_train"] > plain["final_train"] + 0.15, (w, bn["final_train"],
                                                                     plain["final_train"])


def test_weight_decay_narrows_the_train_test_gap():
    r = overfit_weight_decay(epochs=60, eval_samples=500, data="embedded", seed=0)
    plain, decayed = r["runs"]["no weight decay"], r["runs"]["weight decay"]
    assert plain["gap"] > 0.1, plain  # 300 images: the plain net overfits
    assert decayed["gap"] < plain["gap"] - 0.05, (plain["gap"], decayed["gap"])
