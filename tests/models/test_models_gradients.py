"""Every model's backward equals central differences of its loss, in float64, on every backend.

Small configurations keep the Python loop of the numerical gradient short. DeepConvNet and AlexNet
compare a fixed random subset of the elements of each array (``max_elements``); the small nets
compare every element. Dropout draws the same mask on every forward (the RNG is reseeded).
"""

from __future__ import annotations

import pytest
from model_checks import batch, network_gradient_errors, off_kinks

from xpnet.gradient_check import gradient_check
from xpnet.models import AlexNet, DeepConvNet, MultiLayerNet, MultiLayerNetExtend, SimpleConvNet

TOL = 1e-6


def _tiny_deep():
    convs = [{"filter_num": n, "filter_size": 3, "pad": p, "stride": 1} for n, p in
             ((2, 1), (2, 1), (3, 1), (3, 2), (4, 1), (4, 1))]
    return DeepConvNet((1, 8, 8), *convs, hidden_size=5, output_size=3)


#: name -> (builder, batch size, classes, max_elements per array: None = all)
CASES = {
    "MultiLayerNet-relu": (lambda: MultiLayerNet(6, [5, 4], 3), 4, 3, None),
    "MultiLayerNet-sigmoid-l2": (
        lambda: MultiLayerNet(6, [5, 4], 3, activation="sigmoid", weight_init_std="sigmoid",
                              weight_decay_lambda=0.1),
        4, 3, None),
    "MultiLayerNet-tanh-l1": (
        lambda: MultiLayerNet(6, [5, 4], 3, activation="tanh", weight_init_std=0.5, weight_decay_lambda=0.1,
                              weight_decay_norm="l1"),
        4, 3, None),
    "MultiLayerNetExtend-bn-dropout-l2": (
        lambda: MultiLayerNetExtend(6, [5, 4], 3, weight_decay_lambda=0.05, use_dropout=True,
                                    dropout_ration=0.3, use_batchnorm=True),
        5, 3, None),
    "SimpleConvNet": (
        lambda: SimpleConvNet((1, 6, 6), {"filter_num": 2, "filter_size": 3, "pad": 1, "stride": 1},
                              hidden_size=4, output_size=3, weight_init_std=0.3),
        3, 3, None),
    "DeepConvNet-tiny": (_tiny_deep, 3, 3, 12),
    "AlexNet-w1/32-lrn-bn": (
        lambda: AlexNet((1, 28, 28), 4, width=1 / 32, use_lrn=True, use_batchnorm=True, dropout_ratio=0.3),
        4, 4, 6),
    "AlexNet-w1/32-3x32x32": (lambda: AlexNet((3, 32, 32), 3, width=1 / 32), 2, 3, 6),
}


@pytest.mark.parametrize("name", list(CASES))
def test_backward_matches_numerical_gradient(float64, name):
    build, n, classes, max_elements = CASES[name]
    net = build()
    off_kinks(net)
    x, t = batch(net.input_shape, n, classes)
    errors = network_gradient_errors(net, x, t, max_elements=max_elements)
    assert set(errors) == {"x", *net.params}
    worst = max(errors, key=errors.get)
    assert errors[worst] < TOL, f"{name}: {worst} has relative error {errors[worst]:.3g} ({errors})"


def test_network_is_a_layer_for_gradient_check(float64):
    """The public gradient_check takes a network as it is (forward = loss, backward -> dx)."""
    net = MultiLayerNetExtend(6, [5], 3, use_dropout=True, weight_decay_lambda=0.1)
    off_kinks(net)
    x, t = batch((6,), 4, 3)
    errors = gradient_check(net, x, t)
    assert set(errors) == {"x", *net.params}
    assert max(errors.values()) < TOL, errors
