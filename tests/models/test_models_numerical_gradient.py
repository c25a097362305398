"""``network.numerical_gradient(x, t)``, the book's name (ch06/batch_norm_gradient_check.py calls it):
central differences of the training loss, equal to ``network.gradient(x, t)`` in float64."""

from __future__ import annotations

import numpy as np
import pytest
from model_checks import NORM_FLOOR, batch, off_kinks

import xpnet
from xpnet.backend import array_namespace, to_numpy
from xpnet.models import MultiLayerNet, MultiLayerNetExtend, SimpleConvNet
from xpnet.models import base as models_base

CASES = {
    "MultiLayerNet-l2": (lambda: MultiLayerNet(6, [5, 4], 3, weight_decay_lambda=0.1), 4, 3),
    "MultiLayerNetExtend-bn": (lambda: MultiLayerNetExtend(6, [5, 4], 3, use_batchnorm=True), 5, 3),
    "SimpleConvNet": (
        lambda: SimpleConvNet((1, 6, 6), {"filter_num": 2, "filter_size": 3, "pad": 1, "stride": 1},
                              hidden_size=4, output_size=3, weight_init_std=0.3),
        3, 3),
}


def _error(analytic, numeric) -> float:
    """Relative error, absolute below NORM_FLOOR (a bias before BatchNorm has a zero gradient)."""
    a, n = np.asarray(analytic), to_numpy(numeric)
    return float(np.linalg.norm(a - n) / max(np.linalg.norm(a), np.linalg.norm(n), NORM_FLOOR))


def _host(arrays: dict) -> dict:
    return {k: np.array(to_numpy(v), copy=True) for k, v in arrays.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_numerical_gradient_equals_backprop_and_leaves_the_network_as_it_was(float64, name):
    build, n, classes = CASES[name]
    net = build()
    off_kinks(net)
    x, t = batch(net.input_shape, n, classes)
    analytic = _host(net.gradient(x, t))
    params, buffers = _host(net.params), _host(net.buffers)
    numeric = net.numerical_gradient(x, t)
    assert set(numeric) == set(net.params)
    for key, g in numeric.items():
        assert array_namespace(g) is float64 and g.dtype == float64.float64
        assert tuple(g.shape) == tuple(net.params[key].shape)
        assert _error(analytic[key], g) < 1e-6, key
    for key, value in _host(net.params).items():
        np.testing.assert_array_equal(value, params[key], err_msg=f"param {key} was not restored")
    for key, value in _host(net.buffers).items():
        np.testing.assert_array_equal(value, buffers[key], err_msg=f"buffer {key} moved")


def test_numerical_gradient_of_a_dropout_net_uses_one_mask_for_every_pass(float64, monkeypatch):
    """Every forward redraws the mask from one seed; seeding gradient() the same way must agree."""
    monkeypatch.setattr(models_base, "choice", lambda n, size: xpnet.asarray(np.array([1234])))
    net = MultiLayerNetExtend(6, [5, 4], 3, use_dropout=True, dropout_ration=0.4)
    off_kinks(net)
    x, t = batch((6,), 4, 3)
    xpnet.seed(1234)
    analytic = _host(net.gradient(x, t))
    numeric = net.numerical_gradient(x, t)
    for key, g in numeric.items():
        assert _error(analytic[key], g) < 1e-6, key


def test_numerical_gradient_rejects_a_wrong_input_shape(xp):
    net = MultiLayerNet(6, [5], 3)
    x, t = batch((7,), 2, 3)
    with pytest.raises(ValueError, match=r"expects input of shape \(N, 6\).*got shape \(2, 7\)"):
        net.numerical_gradient(x, t)
