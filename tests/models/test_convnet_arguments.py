"""The convnets check their configuration in the constructor, naming the setting: a filter
count of 0 or 2.5 used to build a network that failed later (or predicted a constant)."""

from __future__ import annotations

import pytest

from xpnet.models import DeepConvNet, SimpleConvNet

GOOD = {"filter_num": 4, "filter_size": 3, "pad": 0, "stride": 1}


@pytest.mark.parametrize("change, message", [
    ({"filter_num": 0}, r"conv_param\['filter_num'\] must be a positive integer, got 0"),
    ({"filter_num": 2.5}, r"conv_param\['filter_num'\] must be a positive integer, got 2.5"),
    ({"filter_size": 0}, r"conv_param\['filter_size'\] must be a positive integer, got 0"),
    ({"stride": 0}, r"conv_param\['stride'\] must be a positive integer, got 0"),
    ({"pad": -1}, r"conv_param\['pad'\] must be a non-negative integer, got -1"),
    ({"filter_num": "30"}, r"conv_param\['filter_num'\] must be a positive integer, got '30'"),
])
def test_simple_convnet_names_a_bad_convolution_setting(change, message):
    with pytest.raises(ValueError, match=message):
        SimpleConvNet(conv_param={**GOOD, **change})


@pytest.mark.parametrize("kwargs, error, message", [
    ({"hidden_size": 0}, ValueError, r"hidden_size must be a positive integer, got 0"),
    ({"output_size": -2}, ValueError, r"output_size must be a positive integer, got -2"),
    ({"input_dim": (0, 28, 28)}, ValueError, r"input_dim\[0\] must be a positive integer, got 0"),
    ({"input_dim": 28}, ValueError, r"input_dim must be \(C, H, W\), got 28"),
    ({"conv_param": [30, 5, 0, 1]}, TypeError, r"conv_param must be a dict with keys filter_num"),
])
def test_simple_convnet_names_a_bad_size(kwargs, error, message):
    with pytest.raises(error, match=message):
        SimpleConvNet(**kwargs)


def test_deep_convnet_names_the_bad_layer():
    with pytest.raises(ValueError, match=r"conv_param_3\['filter_num'\] must be a positive integer, got 0"):
        DeepConvNet(conv_param_3={**GOOD, "filter_num": 0})
    with pytest.raises(ValueError, match=r"hidden_size must be a positive integer, got 0"):
        DeepConvNet(hidden_size=0)
