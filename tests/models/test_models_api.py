"""The book's model API: names and shapes, input validation, dtype, seeding, accuracy, and
parameters shared by reference with the layers."""

from __future__ import annotations

import numpy as np
import pytest
from model_checks import batch

import xpnet
from xpnet.backend import asarray, to_numpy
from xpnet.models import AlexNet, DeepConvNet, MultiLayerNet, MultiLayerNetExtend, SimpleConvNet


def _tiny_deep():
    convs = [{"filter_num": n, "filter_size": 3, "pad": p, "stride": 1} for n, p in
             ((2, 1), (2, 1), (3, 1), (3, 2), (4, 1), (4, 1))]
    return DeepConvNet((1, 8, 8), *convs, hidden_size=5, output_size=3)


#: name -> (builder, per-sample input shape, classes)
CONV = {"filter_num": 2, "filter_size": 3, "pad": 1, "stride": 1}
SMALL = {
    "MultiLayerNet": (lambda: MultiLayerNet(6, [5, 4], 3, weight_decay_lambda=0.1), (6,), 3),
    "MultiLayerNetExtend": (
        lambda: MultiLayerNetExtend(6, [5, 4], 3, weight_decay_lambda=0.1, use_dropout=True,
                                    use_batchnorm=True, weight_decay_norm="l1"),
        (6,), 3),
    "SimpleConvNet": (
        lambda: SimpleConvNet((1, 6, 6), CONV, hidden_size=4, output_size=3, weight_decay_lambda=0.1),
        (1, 6, 6), 3),
    "DeepConvNet": (_tiny_deep, (1, 8, 8), 3),
    "AlexNet": (
        lambda: AlexNet((1, 28, 28), 3, width=1 / 32, use_lrn=True, use_batchnorm=True),
        (1, 28, 28), 3),
}


# -- the book's names and shapes -------------------------------------------------------------------

def test_book_names_and_shapes(xp):
    net = MultiLayerNetExtend(784, [100, 50], 10, use_batchnorm=True, use_dropout=True)
    assert list(net.layers) == ["Affine1", "BatchNorm1", "Activation_function1", "Dropout1",
                                "Affine2", "BatchNorm2", "Activation_function2", "Dropout2", "Affine3"]
    assert {k: tuple(v.shape) for k, v in net.params.items()} == {
        "W1": (784, 100), "b1": (100,), "gamma1": (100,), "beta1": (100,),
        "W2": (100, 50), "b2": (50,), "gamma2": (50,), "beta2": (50,), "W3": (50, 10), "b3": (10,)}
    assert list(net.buffers) == ["BatchNorm1.running_mean", "BatchNorm1.running_var",
                                 "BatchNorm2.running_mean", "BatchNorm2.running_var"]
    conv = SimpleConvNet()
    assert list(conv.layers) == ["Conv1", "Relu1", "Pool1", "Affine1", "Relu2", "Affine2"]
    assert {k: tuple(v.shape) for k, v in conv.params.items()} == {
        "W1": (30, 1, 5, 5), "b1": (30,), "W2": (30 * 12 * 12, 100), "b2": (100,),
        "W3": (100, 10), "b3": (10,)}
    deep = DeepConvNet()
    shapes = {k: tuple(v.shape) for k, v in deep.params.items()}
    assert [shapes[f"W{i}"] for i in range(1, 9)] == [
        (16, 1, 3, 3), (16, 16, 3, 3), (32, 16, 3, 3), (32, 32, 3, 3), (64, 32, 3, 3), (64, 64, 3, 3),
        (64 * 4 * 4, 50), (50, 10)]
    assert [k for k in deep.layers if k.startswith(("Pool", "Dropout"))] == [
        "Pool1", "Pool2", "Pool3", "Dropout1", "Dropout2"]


def test_init_std_follows_weight_init_std(xp):
    """'relu' -> sqrt(2/n), 'sigmoid' -> sqrt(1/n), a number as is; DeepConvNet is He."""
    for std, expect in (("relu", np.sqrt(2 / 400)), ("sigmoid", np.sqrt(1 / 400)), (0.05, 0.05)):
        W = to_numpy(MultiLayerNet(400, [300], 2, weight_init_std=std).params["W1"])
        assert W.std() == pytest.approx(expect, rel=0.02)
    W5 = to_numpy(DeepConvNet().params["W5"])
    assert W5.std() == pytest.approx(np.sqrt(2 / (32 * 9)), rel=0.05)
    for name in ("b1", "b2"):
        assert not to_numpy(MultiLayerNet(400, [300], 2).params[name]).any()


def test_unknown_activation_lists_choices(xp):
    with pytest.raises(ValueError, match="unknown activation 'elu': expected one of relu, sigmoid, tanh"):
        MultiLayerNet(4, [3], 2, activation="elu")


@pytest.mark.parametrize("bad", [[3, 0], [3, -1], [2.5]])
def test_bad_hidden_sizes_raise(xp, bad):
    with pytest.raises(ValueError, match="hidden_size_list entries must be a positive integer"):
        MultiLayerNet(4, bad, 2)


# -- input validation ------------------------------------------------------------------------------

WRONG = {
    "MultiLayerNet": ((5, 7), r"expects input of shape \(N, 6\).*got shape \(5, 7\)"),
    "SimpleConvNet": ((5, 1, 6, 7), r"expects input of shape \(N, 1, 6, 6\), got shape \(5, 1, 6, 7\)"),
    "DeepConvNet": ((5, 64), r"expects input of shape \(N, 1, 8, 8\), got shape \(5, 64\)"),
    "AlexNet": ((5, 3, 28, 28), r"expects input of shape \(N, 1, 28, 28\), got shape \(5, 3, 28, 28\)"),
}


@pytest.mark.parametrize("name", list(WRONG))
@pytest.mark.parametrize("entry", ["predict", "loss", "gradient", "accuracy"])
def test_wrong_input_shape_names_both_shapes(xp, name, entry):
    net = SMALL[name][0]()
    shape, match = WRONG[name]
    x, t = asarray(np.zeros(shape)), asarray(np.zeros(shape[0], dtype=np.int64))
    call = {"predict": lambda: net.predict(x), "loss": lambda: net.loss(x, t),
            "gradient": lambda: net.gradient(x, t), "accuracy": lambda: net.accuracy(x, t)}[entry]
    with pytest.raises(ValueError, match=match):
        call()


def test_mlp_accepts_unflattened_images(xp):
    """As the book's Affine, the MLP flattens (N, 1, 2, 3) to (N, 6)."""
    net = MultiLayerNet(6, [4], 3)
    x, _ = batch((6,), 2, 3)
    images = xp.reshape(x, (2, 1, 2, 3))
    np.testing.assert_array_equal(to_numpy(net.predict(images)), to_numpy(net.predict(x)))


# -- dtype, seeding --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(SMALL))
def test_float32_in_float32_out(xp, name):
    build, shape, classes = SMALL[name]
    net = build()
    x, t = batch(shape, 4, classes)
    assert x.dtype == xp.float32
    grads = net.gradient(x, t)
    for k, v in {**net.params, **net.buffers}.items():
        assert v.dtype == xp.float32, k
    for k, g in grads.items():
        assert g.dtype == xp.float32 and tuple(g.shape) == tuple(net.params[k].shape), k
    assert net.last_loss.dtype == xp.float32 and tuple(net.last_loss.shape) == ()
    assert net.loss(x, t).dtype == xp.float32
    assert net.predict(x).dtype == xp.float32


@pytest.mark.parametrize("name", list(SMALL))
def test_same_seed_gives_bit_identical_init_and_gradients(xp, name):
    build, shape, classes = SMALL[name]
    x, t = batch(shape, 4, classes)

    def run(seed):
        xpnet.seed(seed)
        net = build()
        params = {k: to_numpy(v).copy() for k, v in net.params.items()}
        grads = {k: to_numpy(v).copy() for k, v in net.gradient(x, t).items()}  # dropout draws too
        return params, grads, float(net.last_loss)

    (p1, g1, l1), (p2, g2, l2), (p3, _, _) = run(11), run(11), run(12)
    assert l1 == l2
    for k in p1:
        np.testing.assert_array_equal(p1[k], p2[k], err_msg=k)
        np.testing.assert_array_equal(g1[k], g2[k], err_msg=k)
    assert any(not np.array_equal(p1[k], p3[k]) for k in p1), "another seed draws other weights"


# -- gradient / loss / accuracy behaviour ----------------------------------------------------------

def test_gradient_records_its_forward_loss(xp):
    net = MultiLayerNetExtend(6, [5], 3, use_batchnorm=True, weight_decay_lambda=0.2)
    x, t = batch((6,), 4, 3)
    grads = net.gradient(x, t)
    assert set(grads) == set(net.params)
    assert float(net.last_loss) == pytest.approx(float(net.loss(x, t, train_flg=True)), rel=1e-6)


def test_params_are_shared_with_layers_by_reference(xp):
    net = SimpleConvNet((1, 6, 6), {"filter_num": 2, "filter_size": 3, "pad": 0, "stride": 1}, 4, 3)
    assert net.params["W1"] is net.layers["Conv1"].W and net.params["W3"] is net.layers["Affine2"].W
    x, _ = batch((1, 6, 6), 2, 3)
    before = to_numpy(net.predict(x))
    W = net.params["W3"]
    W[...] = W * 2.0  # an optimizer's in-place update
    np.testing.assert_allclose(to_numpy(net.predict(x)) - to_numpy(net.params["b3"]),
                               2.0 * (before - to_numpy(net.params["b3"])), rtol=1e-5)
    net.params["W3"] = xp.zeros_like(W)  # the book's load_params rebinding style
    assert net.layers["Affine2"].W is net.params["W3"]
    b3 = to_numpy(net.params["b3"])
    np.testing.assert_array_equal(to_numpy(net.predict(x)), np.broadcast_to(b3, (2, 3)))
    with pytest.raises(KeyError, match="unknown entry 'W9'"):
        net.params["W9"] = W


@pytest.mark.parametrize("n,batch_size", [(7, 3), (7, 100), (6, 2), (1, 5)])
def test_accuracy_counts_every_sample_once(xp, n, batch_size):
    """Batched accuracy equals the unbatched one, also when batch_size does not divide n (the
    book's SimpleConvNet.accuracy drops that last partial batch but still divides by n)."""
    net = MultiLayerNetExtend(6, [5], 4, use_batchnorm=True, use_dropout=True)
    x, t = batch((6,), n, 4, seed=2)
    pred = np.argmax(to_numpy(net.predict(x)), axis=1)
    expected = float(np.mean(pred == to_numpy(t)))
    assert net.accuracy(x, t, batch_size=batch_size) == pytest.approx(expected, abs=1e-12)
    onehot = asarray(np.eye(4)[to_numpy(t)])
    assert net.accuracy(x, onehot, batch_size=batch_size) == pytest.approx(expected, abs=1e-12)


def test_accuracy_rejects_mismatched_labels(xp):
    net = MultiLayerNet(6, [5], 3)
    x, t = batch((6,), 4, 3)
    with pytest.raises(ValueError, match="accuracy needs matching non-empty x and t, got 4 and 3 samples"):
        net.accuracy(x, t[:3])
