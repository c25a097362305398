"""A network's parameters in one flat buffer: views that stay in place, and an update over the
whole buffer that equals the per-parameter update of every optimizer, on every backend."""

import numpy as np
import pytest

import xpnet
from xpnet import optimizers as xo
from xpnet.backend import flat_buffer_of, to_numpy
from xpnet.models import MultiLayerNetExtend, SimpleConvNet
from xpnet.optimizers.registry import OPTIMIZERS


def _net():
    return MultiLayerNetExtend(12, [6, 5], 3, use_batchnorm=True)


def _batch(xp, n=4, d=12):
    rng = np.random.default_rng(1)
    return xpnet.asarray(rng.standard_normal((n, d)).astype(np.float32)), xpnet.asarray(np.arange(n) % 3)


def test_parameters_are_views_of_one_buffer_and_an_update_reaches_every_layer(xp):
    net = _net()
    flat = flat_buffer_of(net.params)
    assert flat is not None and flat.keys == tuple(net.params)
    assert net.layers["Affine1"].W is net.params["W1"]
    flat.data *= 0.0
    flat.data += 2.0  # in place on the buffer: every view and every layer sees it
    for key, value in net.params.items():
        assert float(xp.min(value)) == float(xp.max(value)) == 2.0, key
    assert float(xp.max(net.layers["BatchNorm1"].gamma)) == 2.0


def test_gradients_come_packed_in_the_parameters_layout(xp):
    net = _net()
    grads = net.gradient(*_batch(xp))
    flat = flat_buffer_of(grads)
    assert flat is not None and flat.keys == flat_buffer_of(net.params).keys
    assert list(grads) == list(net.params)
    for key in grads:
        assert tuple(grads[key].shape) == tuple(net.params[key].shape)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_the_flat_update_equals_the_per_parameter_update(float64, name):
    """Same network, same gradients: the update over the flat buffer and the one over a plain dict
    of copies (the per-parameter loop) give the same parameters and the same state_dict."""
    xp = float64
    net = _net()
    x, t = _batch(xp)
    plain = {k: xp.asarray(v, copy=True) for k, v in net.params.items()}
    flat_opt, plain_opt = OPTIMIZERS[name](), OPTIMIZERS[name]()
    for _ in range(3):
        grads = net.gradient(x, t)
        plain_grads = {k: xp.asarray(v, copy=True) for k, v in grads.items()}
        flat_opt.update(net.params, grads)
        plain_opt.update(plain, plain_grads)
    assert flat_buffer_of(net.params) is not None  # the flat path ran and kept the buffer
    for key in plain:
        np.testing.assert_allclose(to_numpy(net.params[key]), to_numpy(plain[key]), rtol=1e-12, atol=1e-14)
    a, b = flat_opt.state_dict(), plain_opt.state_dict()
    assert sorted(a) == sorted(b)
    for key in a:
        np.testing.assert_allclose(np.asarray(to_numpy(a[key]) if hasattr(a[key], "shape") else a[key]),
                                   np.asarray(to_numpy(b[key]) if hasattr(b[key], "shape") else b[key]),
                                   rtol=1e-12, atol=1e-14)


def test_adam_state_dict_holds_the_true_moments(float64):
    """Adam's state (flat or not) holds the moments themselves, as torch's exp_avg / exp_avg_sq."""
    xp = float64
    p = {"w": xp.asarray([1.0, -2.0, 3.0], dtype=xp.float64)}
    opt = xo.Adam(lr=0.1, beta1=0.8, beta2=0.9)
    m = v = np.zeros(3)
    for g in ([0.5, -1.0, 2.0], [1.5, 0.25, -3.0]):
        opt.update(p, {"w": xp.asarray(g, dtype=xp.float64)})
        m = 0.8 * m + 0.2 * np.asarray(g)
        v = 0.9 * v + 0.1 * np.asarray(g) ** 2
    state = opt.state_dict()
    np.testing.assert_allclose(to_numpy(state["m/w"]), m, rtol=1e-14)
    np.testing.assert_allclose(to_numpy(state["v/w"]), v, rtol=1e-14)
    again = xo.Adam(lr=0.1, beta1=0.8, beta2=0.9)
    again.load_state_dict(state, p)
    np.testing.assert_allclose(to_numpy(again.state_dict()["m/w"]), m, rtol=1e-14)


def test_rebinding_a_parameter_unpacks_and_the_next_gradient_packs_again(xp):
    net = _net()
    new = xp.asarray(net.params["W1"], copy=True)
    net.params["W1"] = new
    assert net.layers["Affine1"].W is new and flat_buffer_of(net.params) is None
    opt = xo.Adam(lr=0.01)
    opt.update(net.params, net.gradient(*_batch(xp)))  # packs again, then updates flat
    assert flat_buffer_of(net.params) is not None
    assert net.layers["Affine1"].W is net.params["W1"]


@pytest.mark.parametrize("second", [(5,), (2,)], ids=["larger", "smaller"])
def test_adam_reused_on_a_parameter_of_another_shape_names_it(xp, second):
    opt = xo.Adam()
    opt.update({"W": xp.ones((3,))}, {"W": xp.ones((3,))})
    with pytest.raises(ValueError,
                       match=r"'W' has shape \(\d,\), but optimizer state 'm/W' has shape \(3,\)"):
        opt.update({"W": xp.ones(second)}, {"W": xp.ones(second)})


def test_a_convnet_trains_on_the_flat_path(xp):
    net = SimpleConvNet(input_dim=(1, 8, 8), conv_param={"filter_num": 3, "filter_size": 3, "pad": 0,
                                                        "stride": 1}, hidden_size=5, output_size=3)
    x = xpnet.backend.normal((4, 1, 8, 8))
    t = xpnet.asarray(np.arange(4) % 3)
    opt = xo.Adam(lr=0.05)
    first = float(net.loss(x, t))
    for _ in range(20):
        opt.update(net.params, net.gradient(x, t))
    assert flat_buffer_of(net.params) is not None and float(net.loss(x, t)) < first


def test_a_new_key_of_the_same_size_starts_with_its_own_state(xp):
    """NumPy's old flat Adam let a new key of the same size take another key's moments."""
    opt = xo.Adam(lr=0.1, beta1=0.9, beta2=0.999)
    opt.update({"W": xp.ones((3,))}, {"W": xp.ones((3,))})
    opt.update({"V": xp.ones((3,))}, {"V": xp.ones((3,))})
    state = opt.state_dict()
    np.testing.assert_allclose(to_numpy(state["m/V"]), 0.1, rtol=1e-6)  # (1 - beta1) * g, fresh
    np.testing.assert_allclose(to_numpy(state["v/V"]), 0.001, rtol=1e-5)
    np.testing.assert_allclose(to_numpy(state["m/W"]), 0.1, rtol=1e-6)  # untouched by V's update


def test_a_weight_layer_of_ones_own_packs(xp):
    """A user's WeightLayer subclass packs like the library's layers: W and b plain views."""
    from xpnet.layers.base import WeightLayer
    from xpnet.models.base import Network

    class Scale(WeightLayer):
        def forward(self, x, train_flg=False):
            self.x = x
            return x * self.W + self.b

        def backward(self, dout):
            self.grads["W"], self.grads["b"] = xp.sum(dout * self.x, axis=0), xp.sum(dout, axis=0)
            return dout * self.W

    net = Network((4,))
    net.add("Scale", Scale(xpnet.backend.ones((4,)), xpnet.backend.zeros((4,))))
    net.params.pack()
    assert flat_buffer_of(net.params) is not None
    assert net.layers["Scale1"].W is net.params["W1"] and tuple(net.params["W1"].shape) == (4,)
