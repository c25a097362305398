"""ReLU runs after the max pooling that follows it, as one step with it, with exactly the book
order's results."""

import numpy as np
import pytest

from xpnet.backend import choice, normal, seed, to_numpy
from xpnet.layers import MaxPoolReLU, Pooling, Relu
from xpnet.models import AlexNet, DeepConvNet, SimpleConvNet
from xpnet.models.base import execution_order

NETS = {
    "simpleconvnet": (lambda: SimpleConvNet(), (1, 28, 28)),
    "deepconvnet": (lambda: DeepConvNet(), (1, 28, 28)),  # 2x2 pools, Dropout, Relu->Conv too
    # 3x3/2 overlapping pools
    "alexnet": (lambda: AlexNet((3, 32, 32), width=1 / 16, dropout_ratio=0.0), (3, 32, 32)),
}


def _book_order_gradients(net, x, t):
    """Forward and backward through ``net.layers`` exactly in the book's order."""
    for layer in net.layers.values():
        x = layer.forward(x, train_flg=True)
    loss = net.last_layer.forward(x, t)
    dout = net.last_layer.backward(1)
    for layer in reversed(list(net.layers.values())):
        dout = layer.backward(dout)
    return loss, {k: layer.grads[key] for k, (layer, key) in net.params.owners.items()}


@pytest.mark.parametrize("name", NETS)
def test_pool_before_relu_gives_the_book_orders_loss_and_gradients(xp, name):
    build, shape = NETS[name]
    net = build()
    order = execution_order(net.layers.values())
    assert any(type(step) is MaxPoolReLU for step in order)
    x, t = normal((6, *shape)), choice(10, 6)
    seed(1)  # the same Dropout masks in both runs
    grads = {k: to_numpy(g) for k, g in net.gradient(x, t).items()}
    loss = float(to_numpy(net.last_loss))
    seed(1)
    ref_loss, ref = _book_order_gradients(net, x, t)
    assert loss == float(to_numpy(ref_loss))
    for key, value in ref.items():
        np.testing.assert_array_equal(grads[key], to_numpy(value), err_msg=key)
    assert any(np.any(g != 0) for g in grads.values())


def test_only_a_relu_directly_before_a_max_pool_moves():
    relu1, relu2, relu3 = Relu(), Relu(), Relu()
    pool_max, pool_avg = Pooling(2, 2, 2), Pooling(2, 2, 2, mode="avg")
    order = execution_order([relu1, pool_max, relu2, pool_avg, relu3])
    assert order == [MaxPoolReLU(pool_max, relu1), relu2, pool_avg, relu3]


def test_a_max_pool_and_the_relu_after_it_run_as_one_step():
    pool1, relu1, pool2, relu2 = Pooling(2, 2, 2), Relu(), Pooling(3, 3, 2, 1), Relu()
    avg, relu3 = Pooling(2, 2, 2, mode="avg"), Relu()
    order = execution_order([pool1, relu1, relu2, pool2, avg, relu3])
    assert order == [MaxPoolReLU(pool1, relu1), MaxPoolReLU(pool2, relu2), avg, relu3]


def test_a_fused_step_leaves_no_pooling_context_to_misread(xp):
    """After a network's fused forward, the Pooling's own backward has nothing to read: it
    raises rather than treating the fused context as its own."""
    net = SimpleConvNet()
    net.loss(normal((2, 1, 28, 28)), choice(10, 2), train_flg=True)
    with pytest.raises(RuntimeError, match="Pooling.backward needs a forward first"):
        net.layers["Pool1"].backward(xp.ones((2, 30, 12, 12)))
    with pytest.raises(ValueError, match="needs a max pooling, got mode 'avg'"):
        MaxPoolReLU(Pooling(2, 2, 2, mode="avg"), Relu())
