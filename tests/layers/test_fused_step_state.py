"""A fused max-pool + ReLU step owns its state (issue 21): it writes none of its two layers'
fields, and a network keeps the same step from forward to backward."""

import numpy as np

import xpnet
from xpnet.layers import MaxPoolReLU
from xpnet.models import SimpleConvNet


def _net():
    return SimpleConvNet(input_dim=(1, 6, 6), hidden_size=4, output_size=3,
                         conv_param={"filter_num": 2, "filter_size": 3, "pad": 1, "stride": 1})


def test_the_fused_step_writes_nothing_into_its_pooling_and_relu(xp):
    net = _net()
    step = next(s for s in net.steps() if isinstance(s, MaxPoolReLU))
    before = {id(layer): dict(vars(layer)) for layer in (step.pool, step.relu)}
    x = xpnet.backend.normal((2, 1, 6, 6))
    net.gradient(x, xpnet.asarray(np.array([0, 2])))
    for layer in (step.pool, step.relu):
        now = vars(layer)
        assert now.keys() == before[id(layer)].keys()
        assert all(now[k] is v for k, v in before[id(layer)].items()), type(layer).__name__
    assert step._ctx is not None  # the step's own


def test_a_network_keeps_its_steps_until_its_layers_change(xp):
    net = _net()
    steps = net.steps()
    assert net.steps() is steps
    net.layers.pop("Relu2")
    assert net.steps() is not steps and len(net.steps()) == len(steps) - 1
