"""What a network's public calls accept: arrays of its backend, NumPy arrays and nested lists
(converted where the parameters live), and clear errors for anything else (issue 23, items 5
and 11)."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet
from xpnet.backend import array_namespace
from xpnet.models import MultiLayerNet, SimpleConvNet


def _net():
    return MultiLayerNet(input_size=6, hidden_size_list=[5], output_size=4)


def _data(n=8):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 6)), rng.integers(0, 4, size=n)  # float64, as NumPy gives them


def test_numpy_batches_are_converted_to_the_networks_backend(xp):
    net = _net()
    x, t = _data()
    ref = net.params["W1"]
    loss = net.loss(x.astype(np.float32), t)
    assert array_namespace(loss) is array_namespace(ref)
    grads = net.gradient(x.astype(np.float32), t)
    assert array_namespace(grads["W1"]) is array_namespace(ref) and grads["W1"].dtype == ref.dtype
    scores = net.predict(x.astype(np.float32))
    assert tuple(scores.shape) == (8, 4) and scores.dtype == ref.dtype
    numerical = net.numerical_gradient(x[:2].astype(np.float32), t[:2])
    assert tuple(numerical["b2"].shape) == (4,)
    assert 0.0 <= net.accuracy(x.astype(np.float32), t) <= 1.0


def test_predict_takes_a_list_of_lists(xp):
    net = _net()
    x, _ = _data(3)
    expected = xpnet.to_numpy(net.predict(xpnet.asarray(x.astype(np.float32))))
    np.testing.assert_allclose(xpnet.to_numpy(net.predict(x.tolist())), expected, rtol=1e-6)


def test_accuracy_takes_list_labels(xp):
    net = _net()
    x, t = _data()
    xb = xpnet.asarray(x.astype(np.float32))
    assert net.accuracy(xb, t.tolist()) == net.accuracy(xb, xpnet.asarray(t))


@pytest.mark.parametrize("bad, message", [
    ([[1.0, 2.0], [3.0]], "x must be an array of numbers, got a list that does not convert"),
    ("digits", "x must be an array .* got a str"),
    ([["a"] * 6], "x must (hold real numbers|be an array of numbers)"),
    (None, "x must be an array .* got a NoneType"),
], ids=["ragged", "str", "strings", "None"])
def test_predict_names_what_it_cannot_take(xp, bad, message):
    with pytest.raises(TypeError, match=message):
        _net().predict(bad)


def test_predict_list_of_the_wrong_width_names_its_shape(xp):
    with pytest.raises(ValueError, match=r"got shape \(2, 3\)"):
        _net().predict([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def test_accuracy_refuses_one_hot_rows_of_the_wrong_width(xp):
    """Was 0.0: argmax over 9 columns compared with 10 scores; loss already refused it."""
    net = MultiLayerNet(input_size=6, hidden_size_list=[5], output_size=10)
    x, t = _data()
    xb = xpnet.asarray(x.astype(np.float32))
    nine = xpnet.asarray(np.eye(9, dtype=np.float32)[t])
    with pytest.raises(ValueError, match=r"one-hot t has 9 classes but MultiLayerNet scores 10"):
        net.accuracy(xb, nine)
    with pytest.raises(ValueError, match=r"one-hot t has 9 classes"):
        net.loss(xb, nine)
    with pytest.raises(ValueError, match=r"t must be labels .* got shape \(8, 1, 1\)"):
        net.accuracy(xb, xpnet.asarray(t.reshape(8, 1, 1)))


def test_arrays_of_the_networks_own_backend_pass_untouched(xp):
    """The same-library path converts nothing: a float64 array on a float32 net is still the
    layers' clear dtype error, not a silent cast."""
    net = SimpleConvNet(input_dim=(1, 6, 6), conv_param={"filter_num": 2, "filter_size": 3, "pad": 0,
                                                            "stride": 1}, hidden_size=4, output_size=3)
    x = xpnet.asarray(np.zeros((1, 1, 6, 6)), dtype="float64")
    with pytest.raises(TypeError, match="float64"):
        net.predict(x)
