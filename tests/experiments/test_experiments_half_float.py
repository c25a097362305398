"""The half-float study (chapter 8's half_float_network.py) on every backend that has float16.

Trained weights come from a book-format pickle written here; the float32 and the float16-storage
accuracies are checked against an independent float64 forward pass in torch.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from xpnet.datasets import load_mnist
from xpnet.experiments import half_float
from xpnet.models import SimpleConvNet

torch = pytest.importorskip("torch")  # a run without torch (XPNET_TEST_BACKENDS) skips this module
F = torch.nn.functional

N = 300


def _torch_accuracy(p, x, t):
    w = {k: torch.from_numpy(v.astype(np.float64)) for k, v in p.items()}
    h = F.max_pool2d(F.relu(F.conv2d(torch.from_numpy(x.astype(np.float64)), w["W1"], w["b1"])), 2, 2)
    y = F.relu(h.flatten(1) @ w["W2"] + w["b2"]) @ w["W3"] + w["b3"]
    return float((y.argmax(1).numpy() == t).mean())


@pytest.fixture(scope="module")
def book_weights(tmp_path_factory):
    rng = np.random.default_rng(0)
    params = {k: rng.normal(0.0, 0.1, size=tuple(v.shape)) for k, v in SimpleConvNet().params.items()}
    path = tmp_path_factory.mktemp("weights") / "params.pkl"
    path.write_bytes(pickle.dumps(params, protocol=3))
    return path, params


def test_half_float_matches_independent_float32_and_rounded_references(xp, book_weights):
    path, params = book_weights
    if not hasattr(xp, "float16"):  # array-api-strict: the standard has no float16
        with pytest.raises(ValueError, match="has none .*float32 and float64"):
            half_float(weights=path, eval_samples=N, data="embedded")
        return
    r = half_float(weights=path, eval_samples=N, data="embedded")
    (x_a, t_a), (x_b, t_b) = load_mnist(normalize=True, flatten=False, source="embedded")
    x, t = np.concatenate([x_a, x_b])[:N], np.concatenate([t_a, t_b])[:N]
    assert r["eval_count"] == N and r["output_dtype"] == "float16"
    acc = r["accuracy"]
    one = 1.5 / N  # a digit near a tie may flip between implementations
    assert acc["float32"] == pytest.approx(_torch_accuracy(params, x, t), abs=one)
    rounded = {k: v.astype(np.float16) for k, v in params.items()}
    assert acc["float16_storage"] == pytest.approx(_torch_accuracy(rounded, x.astype(np.float16), t), abs=one)
    assert abs(acc["float16"] - acc["float32"]) <= 0.02 and r["agreement"] >= 0.97
    assert 0 < r["max_abs_score_diff"] < 0.05
    assert sum(r["score_diff"]["counts"]) + r["score_diff"]["exact"] == N


def test_half_float_trains_a_network_when_no_weights_are_given():
    r = half_float(samples=300, epochs=1, eval_samples=100, data="embedded")
    assert r["trained"] == "here" and r["eval_count"] == 100
    assert set(r["accuracy"]) == {"float32", "float16_storage", "float16"}
    assert all(0.0 <= v <= 1.0 for v in r["accuracy"].values())
