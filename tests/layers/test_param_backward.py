"""``param_backward``: a first layer's parameter gradients without its input gradient.

It must give exactly the gradients ``backward`` gives; a network's ``gradient`` (which uses it
for the first weight layer) must give what a full ``backward`` gives.
"""

import numpy as np
import pytest

import xpnet
from xpnet.backend import normal
from xpnet.layers import Affine, Convolution, Relu
from xpnet.models import SimpleConvNet
from xpnet.testing import assert_close


def _affine():
    return Affine(normal((12, 5)), normal((5,))), (4, 12)


def _conv():
    return Convolution(normal((3, 2, 3, 3)), normal((3,)), stride=1, pad=1), (2, 2, 5, 5)


@pytest.mark.parametrize("make", [_affine, _conv], ids=["affine", "convolution"])
def test_param_backward_gives_backwards_parameter_gradients(xp, make):
    layer, shape = make()
    x = normal(shape)
    dout = normal(tuple(layer.forward(x).shape))
    layer.backward(dout)
    full = {k: xpnet.to_numpy(v) for k, v in layer.grads.items()}
    layer.forward(x)
    assert layer.param_backward(dout) is None
    for key, expected in full.items():
        assert_close(layer.grads[key], expected, rtol=0, xp=xp, dtype=xp.float32)


def test_default_param_backward_runs_backward(xp):
    layer = Relu()
    layer.forward(normal((2, 3)))
    layer.param_backward(normal((2, 3)))  # a parameterless layer: no error, nothing stored
    assert layer.grads == {}


def test_convolution_param_backward_releases_the_column_buffer(xp):
    layer, shape = _conv()
    layer.param_backward(xp.ones_like(layer.forward(normal(shape))))
    assert layer._ctx is None


def test_network_gradient_equals_full_backward(xp):
    net = SimpleConvNet(conv_param={"filter_num": 3, "filter_size": 3, "pad": 0, "stride": 1},
                        hidden_size=6, weight_init_std=0.1, input_dim=(1, 6, 6))
    x, t = normal((4, 1, 6, 6)), xpnet.asarray(np.array([0, 3, 9, 1]))
    fast = {k: xpnet.to_numpy(v) for k, v in net.gradient(x, t).items()}
    net.loss(x, t, train_flg=True)
    dx = net.backward(1)
    assert tuple(dx.shape) == (4, 1, 6, 6)
    for key, expected in fast.items():
        assert_close(net.grads[key], expected, rtol=0, xp=xp, dtype=xp.float32)
