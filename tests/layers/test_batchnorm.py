"""BatchNormalization: gradient checks (2-D and spatial 4-D), running statistics in place,
parity with torch.nn.functional.batch_norm in train and eval, bad input."""

import re

import numpy as np
import pytest

import xpnet
from xpnet.gradient_check import gradient_check
from xpnet.layers import BatchNormalization
from xpnet.layers.batchnorm import EPS
from xpnet.testing import assert_close

torch = pytest.importorskip("torch")  # a run without torch (XPNET_TEST_BACKENDS) skips this module
F = torch.nn.functional

SHAPES = [(6, 4), (3, 2, 3, 4)]  # (N, D) per feature; (N, C, H, W) per channel


def _bn(rng, d, dtype=np.float64, **kwargs):
    gamma = rng.normal(size=(d,)).astype(dtype) + 1.0
    beta = rng.normal(size=(d,)).astype(dtype)
    return BatchNormalization(xpnet.asarray(gamma), xpnet.asarray(beta), **kwargs), gamma, beta


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_batchnorm_gradients_match_numerical_in_training(float64, shape):
    rng = np.random.default_rng(0)
    layer, _, _ = _bn(rng, shape[1])
    x = xpnet.asarray(rng.normal(size=shape) * 2.0 + 0.5)
    errors = gradient_check(layer, x, train_flg=True)
    assert set(errors) == {"x", "gamma", "beta"}
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("train_flg", [True, False])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_batchnorm_keeps_float32(xp, shape, train_flg):
    rng = np.random.default_rng(1)
    layer, _, _ = _bn(rng, shape[1], dtype=np.float32)
    x = xpnet.asarray(rng.normal(size=shape).astype(np.float32))
    out = layer.forward(x, train_flg=train_flg)
    assert out.dtype == xp.float32 and tuple(out.shape) == shape
    assert layer.running_mean.dtype == xp.float32 and layer.running_var.dtype == xp.float32
    if train_flg:
        dx = layer.backward(xp.ones_like(out))
        assert dx.dtype == layer.dgamma.dtype == layer.dbeta.dtype == xp.float32


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_batchnorm_matches_torch_in_train_then_eval(float64, shape):
    """Train three steps, then eval, both from their default running statistics (mean 0,
    variance 1). Running means agree with torch; torch's running variance takes the unbiased
    batch variance, ours (the book's) the biased one, and the update is linear, so the part that
    the batches added, ours - 0.9³ (the start's share), times m/(m-1) equals torch's, with m the
    count per feature."""
    rng = np.random.default_rng(2)
    layer, gamma, beta = _bn(rng, shape[1], momentum=0.9)
    t_mean, t_var = torch.zeros(shape[1], dtype=torch.float64), torch.ones(shape[1], dtype=torch.float64)
    tg, tb = torch.from_numpy(gamma), torch.from_numpy(beta)
    for _ in range(3):
        x = rng.normal(size=shape) * 3.0 + 1.0
        expected = F.batch_norm(torch.from_numpy(x), t_mean, t_var, tg, tb, training=True, momentum=0.1,
                                eps=EPS)
        assert_close(layer.forward(xpnet.asarray(x), train_flg=True), expected.numpy(), rtol=1e-10,
                     atol=1e-12,
                     xp=float64, dtype=float64.float64)
    m = shape[0] * int(np.prod(shape[2:]))
    assert_close(layer.running_mean, t_mean.numpy(), rtol=1e-12, atol=1e-14)
    start = 0.9 ** 3
    assert_close(float64.asarray(layer.running_var) - start, (t_var.numpy() - start) * (m - 1) / m,
                 rtol=1e-12)
    x = rng.normal(size=shape)
    own_stats = [torch.from_numpy(xpnet.to_numpy(s)) for s in (layer.running_mean, layer.running_var)]
    expected = F.batch_norm(torch.from_numpy(x), *own_stats, tg, tb, training=False, eps=EPS)
    assert_close(layer.forward(xpnet.asarray(x), train_flg=False), expected.numpy(), rtol=1e-10, atol=1e-12,
                 xp=float64, dtype=float64.float64)


def test_running_statistics_are_updated_in_place_and_only_in_training(xp):
    rng = np.random.default_rng(3)
    layer, _, _ = _bn(rng, 3, dtype=np.float32)
    mean, var = layer.buffers["running_mean"], layer.buffers["running_var"]
    assert mean is layer.running_mean and var is layer.running_var
    x = xpnet.asarray(rng.normal(size=(5, 3)).astype(np.float32) + 2.0)
    layer.forward(x, train_flg=True)
    assert layer.buffers["running_mean"] is mean and layer.buffers["running_var"] is var
    seen = (xpnet.to_numpy(mean).copy(), xpnet.to_numpy(var).copy())
    assert np.all(seen[0] != 0.0) and np.all(seen[1] > 0.0)
    layer.forward(x, train_flg=False)
    np.testing.assert_array_equal(xpnet.to_numpy(mean), seen[0])
    np.testing.assert_array_equal(xpnet.to_numpy(var), seen[1])


def test_given_running_statistics_are_used_by_reference(xp):
    rng = np.random.default_rng(4)
    mean = xpnet.asarray(np.zeros(2, dtype=np.float32))
    var = xpnet.asarray(np.ones(2, dtype=np.float32))
    layer, _, _ = _bn(rng, 2, dtype=np.float32, running_mean=mean, running_var=var)
    layer.forward(xpnet.asarray(rng.normal(size=(4, 2)).astype(np.float32) + 5.0))
    assert layer.running_mean is mean and float(xp.min(mean)) > 0.0


# ---- bad input: each raises a ValueError naming the offending shapes ----------------------------

@pytest.mark.parametrize(("shape", "message"), [
    ((5, 3), r"x of shape \(5, 3\) does not match gamma of shape \(4,\)"),
    ((2, 3, 2, 2), r"x of shape \(2, 3, 2, 2\) does not match gamma of shape \(4,\)"),
    ((2, 4, 3), r"x of shape \(2, 4, 3\) does not match gamma of shape \(4,\)"),
    ((2, 1, 2, 2), r"gamma has C\*H\*W entries.*reshape x to \(N, -1\)"),
])
def test_batchnorm_rejects_input_with_the_wrong_feature_count(xp, shape, message):
    layer, _, _ = _bn(np.random.default_rng(5), 4, dtype=np.float32)
    with pytest.raises(ValueError, match=message):
        layer.forward(xpnet.asarray(np.zeros(shape, dtype=np.float32)))


def test_batchnorm_rejects_gamma_and_beta_of_different_shapes(xp):
    gamma = xpnet.asarray(np.ones(3, dtype=np.float32))
    beta = xpnet.asarray(np.zeros(4, dtype=np.float32))
    with pytest.raises(ValueError, match=r"gamma of shape \(3,\) and beta of shape \(4,\)"):
        BatchNormalization(gamma, beta)


@pytest.mark.parametrize("shape", [(1, 4), (1, 4, 1, 1), (0, 4)], ids=str)
def test_batchnorm_refuses_training_on_one_value_per_feature(xp, shape):
    """Its variance is 0 and the output would be beta whatever x is (torch raises too); the
    running statistics stay as they were."""
    layer, _, _ = _bn(np.random.default_rng(6), 4, dtype=np.float32)
    before = xpnet.to_numpy(layer.running_mean).copy(), xpnet.to_numpy(layer.running_var).copy()
    x = xpnet.asarray(np.ones(shape, dtype=np.float32))
    with pytest.raises(ValueError, match=r"more than 1 value per (feature|channel) when training, "
                                         r"got input of shape " + re.escape(str(shape))):
        layer.forward(x, train_flg=True)
    np.testing.assert_array_equal(xpnet.to_numpy(layer.running_mean), before[0])
    np.testing.assert_array_equal(xpnet.to_numpy(layer.running_var), before[1])
    if shape[0] == 1:  # inference on one sample is fine
        assert tuple(layer.forward(x, train_flg=False).shape) == shape


def test_batchnorm_trains_on_one_image_with_several_pixels(xp):
    """Spatial BN of one (1, C, H, W) image has H*W values per channel: allowed, as in torch."""
    layer, _, _ = _bn(np.random.default_rng(7), 2, dtype=np.float32)
    x = xpnet.asarray(np.random.default_rng(8).normal(size=(1, 2, 3, 3)).astype(np.float32))
    out = xpnet.to_numpy(layer.forward(x, train_flg=True))
    assert np.std(out[0, 0]) > 0.5


def test_batchnorm_one_sample_warns_where_allowed_and_outputs_beta(xp):
    """Inside ``allow_single_value_batches()`` (the book's scripts run by ``xpnet book``) one
    sample trains with a warning and gives the book's result, beta; an empty batch still raises,
    and outside the block the refusal is back."""
    from xpnet.layers.batchnorm import SingleValueBatchWarning, allow_single_value_batches

    layer, _, _ = _bn(np.random.default_rng(9), 4, dtype=np.float32)
    x = xpnet.asarray(np.arange(4, dtype=np.float32)[None, :])
    with allow_single_value_batches():
        with pytest.warns(SingleValueBatchWarning, match=r"1 value per feature \(input of shape \(1, 4\)\)"):
            y = layer.forward(x, train_flg=True)
        with pytest.raises(ValueError, match="more than 1 value per feature"):
            layer.forward(xpnet.asarray(np.zeros((0, 4), dtype=np.float32)), train_flg=True)
    np.testing.assert_allclose(xpnet.to_numpy(y)[0], xpnet.to_numpy(layer.beta))
    with pytest.raises(ValueError, match="more than 1 value per feature"):
        layer.forward(x, train_flg=True)


# ---- the running variance starts at 1 (torch's start; the book's 0 is one of its errors) --------

def test_a_fresh_layer_starts_with_running_variance_one_and_mean_zero(xp):
    layer, _, _ = _bn(np.random.default_rng(9), 3, dtype=np.float32)
    np.testing.assert_array_equal(xpnet.to_numpy(layer.running_var), np.ones(3, np.float32))
    np.testing.assert_array_equal(xpnet.to_numpy(layer.running_mean), np.zeros(3, np.float32))
    assert layer.running_var.dtype == xp.float32


def test_a_fresh_batchnorm_network_predicts_like_the_plain_network_in_test_mode(xp):
    """With gamma 1, beta 0, mean 0 and variance 1, test-mode BN is the identity (up to eps):
    the book's variance of 0 divides by sqrt(eps) instead, scores ~1000 times too large."""
    from xpnet.models import MultiLayerNetExtend

    xpnet.seed(3)
    plain = MultiLayerNetExtend(6, [5, 4], 3)
    xpnet.seed(3)
    bn = MultiLayerNetExtend(6, [5, 4], 3, use_batchnorm=True)
    for key, value in plain.params.items():
        bn.params[key][...] = value
    x = xpnet.asarray(np.random.default_rng(10).normal(size=(4, 6)).astype(np.float32))
    assert_close(bn.predict(x, train_flg=False), xpnet.to_numpy(plain.predict(x, train_flg=False)),
                 rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"momentum": "0.9"}, TypeError, r"momentum must be a real number, got '0.9'"),
    ({"momentum": None}, TypeError, r"momentum must be a real number, got None"),
    ({"momentum": float("nan")}, ValueError, r"momentum must lie in \[0, 1\], got nan"),
    ({"momentum": 1.5}, ValueError, r"momentum must lie in \[0, 1\], got 1.5"),
])
def test_batchnorm_rejects_a_bad_momentum_in_the_constructor(xp, kwargs, error, message):
    with pytest.raises(error, match=message):
        _bn(np.random.default_rng(11), 2, dtype=np.float32, **kwargs)


def test_batchnorm_rejects_gamma_that_is_not_an_array(xp):
    with pytest.raises(TypeError, match="BatchNormalization gamma must be an array, got list"):
        BatchNormalization([1.0, 1.0], xpnet.asarray(np.zeros(2, dtype=np.float32)))


def test_the_books_start_of_the_running_variance_is_a_class_setting(xp, monkeypatch):
    monkeypatch.setattr(BatchNormalization, "initial_running_var", 0.0)
    layer, _, _ = _bn(np.random.default_rng(12), 3, dtype=np.float32)
    np.testing.assert_array_equal(xpnet.to_numpy(layer.running_var), np.zeros(3, np.float32))
    assert layer.running_var.dtype == xp.float32
