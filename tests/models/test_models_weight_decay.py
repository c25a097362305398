"""L2 and L1 weight decay change loss and gradients by exactly the documented amounts.

L2: + 0.5*lambda*sum(W**2) in the loss, + lambda*W in dW. L1: + lambda*sum(|W|), + lambda*sign(W).
Only weights (affine and convolution ``W``) decay: biases, gamma and beta are untouched.
"""

from __future__ import annotations

import numpy as np
import pytest
from model_checks import batch

import xpnet
from xpnet.backend import to_numpy
from xpnet.models import MultiLayerNetExtend, SimpleConvNet

LAM = 0.3

CONV = {"filter_num": 2, "filter_size": 3, "pad": 1, "stride": 1}
BUILDERS = {
    "MultiLayerNetExtend-bn": (lambda **kw: MultiLayerNetExtend(6, [5, 4], 3, use_batchnorm=True, **kw), (6,
                                                                                                          )),
    "SimpleConvNet": (
        lambda **kw: SimpleConvNet((1, 6, 6), CONV, hidden_size=4, output_size=3, weight_init_std=0.3, **kw),
        (1, 6, 6)),
}

DECAY = {
    "l2": (lambda W: 0.5 * LAM * np.sum(W**2), lambda W: LAM * W),
    "l1": (lambda W: LAM * np.sum(np.abs(W)), lambda W: LAM * np.sign(W)),
}


def _run(build, norm, lam, x, t):
    xpnet.seed(7)
    net = build(weight_decay_lambda=lam, weight_decay_norm=norm)
    loss = float(net.loss(x, t, train_flg=True))
    grads = {k: to_numpy(v) for k, v in net.gradient(x, t).items()}
    return net, loss, grads


@pytest.mark.parametrize("model", list(BUILDERS))
@pytest.mark.parametrize("norm", list(DECAY))
def test_decay_adds_documented_penalty_and_gradient(float64, model, norm):
    build, shape = BUILDERS[model]
    x, t = batch(shape, 5, 3)
    plain, loss0, grads0 = _run(build, norm, 0, x, t)
    net, loss, grads = _run(build, norm, LAM, x, t)
    params = {k: to_numpy(v) for k, v in net.params.items()}
    for k, v in plain.params.items():  # same seed, same initial parameters
        np.testing.assert_array_equal(to_numpy(v), params[k])
    penalty, penalty_grad = DECAY[norm]
    weights = [k for k in params if k.startswith("W")]
    assert weights, "the net has weights to decay"
    assert loss - loss0 == pytest.approx(sum(penalty(params[k]) for k in weights), rel=1e-12)
    assert float(net.last_loss) == pytest.approx(loss, rel=1e-12)
    for k in params:
        if k in weights:
            np.testing.assert_allclose(grads[k] - grads0[k], penalty_grad(params[k]), rtol=1e-12, atol=1e-15)
        else:  # biases, gamma, beta: no decay at all
            np.testing.assert_array_equal(grads[k], grads0[k])


def test_l1_and_l2_differ(float64):
    """The norm switch matters: same net, same batch, different loss."""
    build, shape = BUILDERS["MultiLayerNetExtend-bn"]
    x, t = batch(shape, 5, 3)
    assert _run(build, "l1", LAM, x, t)[1] != pytest.approx(_run(build, "l2", LAM, x, t)[1], rel=1e-6)


@pytest.mark.parametrize("kwargs,match", [
    ({"weight_decay_norm": "l3"}, "unknown weight_decay_norm 'l3'"),
    ({"weight_decay_lambda": -0.1}, "weight_decay_lambda must be >= 0, got -0.1"),
])
def test_bad_decay_settings_raise(xp, kwargs, match):
    with pytest.raises(ValueError, match=match):
        MultiLayerNetExtend(6, [5], 3, **kwargs)
