"""Cross-entropy: parity with torch, stability at extreme logits, clear errors for bad targets."""

import re

import numpy as np
import pytest

import xpnet
from xpnet.backend import array_namespace, choice, normal
from xpnet.functions import cross_entropy_error, softmax, softmax_cross_entropy
from xpnet.functions.losses import check_label_range
from xpnet.layers import SoftmaxWithLoss
from xpnet.testing import assert_close

torch = pytest.importorskip("torch")  # a run without torch (XPNET_TEST_BACKENDS) skips this module
F = torch.nn.functional

N, C = 6, 5


def _one_hot(xp, t, dtype):
    return xp.astype(xp.arange(C, dtype=xp.int64)[None, :] == t[:, None], dtype)


def _torch_ce(x, t):
    return F.cross_entropy(torch.from_numpy(xpnet.to_numpy(x)), torch.from_numpy(xpnet.to_numpy(t))).item()


@pytest.mark.parametrize("one_hot", [False, True], ids=["labels", "one_hot"])
def test_softmax_cross_entropy_matches_torch_float64(float64, one_hot):
    xp = float64
    x, t = normal((N, C), std=3.0), choice(C, N)
    target = _one_hot(xp, t, xp.float64) if one_hot else t
    loss = softmax_cross_entropy(x, target)
    assert_close(loss, np.float64(_torch_ce(x, target)), rtol=1e-12, xp=xp, dtype=xp.float64)


def test_softmax_cross_entropy_float32_in_float32_out_matches_torch(xp):
    x, t = normal((N, C), std=3.0), choice(C, N)
    for target in (t, _one_hot(xp, t, xp.float64)):  # a float64 one-hot must not promote
        assert_close(softmax_cross_entropy(x, target), np.float32(_torch_ce(x, t)), rtol=1e-5,
                     xp=xp, dtype=xp.float32)


def test_cross_entropy_error_of_softmax_equals_loss_from_logits(float64):
    x, t = normal((N, C)), choice(C, N)
    assert_close(cross_entropy_error(softmax(x), t), xpnet.to_numpy(softmax_cross_entropy(x, t)),
                 rtol=1e-12, xp=float64)


def test_cross_entropy_error_clips_zero_probability_instead_of_log0(xp):
    y = xpnet.asarray(np.array([[0.0, 1.0], [0.5, 0.5]], dtype=np.float32))
    t = xpnet.asarray(np.array([0, 0]))
    expected = (-np.log(np.float64(1e-7)) - np.log(0.5)) / 2
    assert_close(cross_entropy_error(y, t), np.float32(expected), rtol=1e-6, xp=xp, dtype=xp.float32)


def test_single_sample_is_a_batch_of_one(xp):
    x = normal((C,))
    label = xpnet.asarray(np.array(2))
    batch = softmax_cross_entropy(xp.reshape(x, (1, C)), xp.reshape(label, (1,)))
    assert_close(softmax_cross_entropy(x, label), xpnet.to_numpy(batch), rtol=1e-6, xp=xp)
    assert_close(cross_entropy_error(softmax(x), _one_hot(xp, xp.reshape(label, (1,)), xp.float32)[0, :]),
                 xpnet.to_numpy(batch), rtol=1e-5, xp=xp)


EXTREMES = [
    pytest.param("float32", 1e4, id="float32-1e4"),
    pytest.param("float64", 1e30, id="float64-1e30"),
]


@pytest.mark.parametrize("dtype, big", EXTREMES)
def test_loss_and_gradient_finite_for_extreme_logits(xp, dtype, big):
    # Every sample's true class has the smallest logit: the worst case for log(softmax).
    x = xpnet.asarray(np.array([[big, -big, 0.0], [-big, big, big], [0.0, big, -big]]), dtype=dtype)
    t = xpnet.asarray(np.array([1, 0, 2]))
    layer = SoftmaxWithLoss()
    loss = layer.forward(x, t)
    dx = layer.backward()
    assert loss.dtype == getattr(xp, dtype) and dx.dtype == getattr(xp, dtype)
    assert np.isfinite(xpnet.to_numpy(loss)) and np.isfinite(xpnet.to_numpy(dx)).all()
    assert_close(loss, getattr(np, dtype)(_torch_ce(x, t)), rtol=1e-6, xp=xp)
    assert np.isfinite(xpnet.to_numpy(cross_entropy_error(softmax(x), t)))


def _entry_points(layer=True):
    points = [
        pytest.param(softmax_cross_entropy, id="softmax_cross_entropy"),
        pytest.param(cross_entropy_error, id="cross_entropy_error"),
    ]
    return points + [pytest.param(lambda x, t: SoftmaxWithLoss().forward(x, t), id="SoftmaxWithLoss")] * layer


# (x array, t array, exception, message pattern): each row is one bad-input case.
BAD_LABEL_VALUES = [
    pytest.param(np.zeros((4, 5), np.float32), np.array([0, 1, 5, 2]), ValueError,
                 "label 5 is out of range for 5 classes", id="label-too-large"),
    pytest.param(np.zeros((4, 5), np.float32), np.array([0, -1, 3, 2]), ValueError,
                 "label -1 is out of range for 5 classes", id="label-negative"),
]
BAD_TARGETS = [
    pytest.param(np.zeros((4, 5), np.float32), np.array([0.0, 1.0, 3.0, 2.0], np.float32), TypeError,
                 "labels t must be integers .* got dtype .*float32", id="float-labels"),
    pytest.param(np.zeros((4, 5), np.float32), np.array([0, 1, 3]), ValueError,
                 "x has batch size 4 but t has batch size 3", id="label-batch-mismatch"),
    pytest.param(np.zeros((4, 5), np.float32), np.eye(5, dtype=np.float32)[:3], ValueError,
                 "x has batch size 4 but t has batch size 3", id="one-hot-batch-mismatch"),
    pytest.param(np.zeros((4, 5), np.float32), np.eye(6, dtype=np.float32)[:4], ValueError,
                 r"one-hot t has 6 classes but x has 5 .*\(4, 6\).*\(4, 5\)", id="one-hot-class-mismatch"),
    pytest.param(np.zeros((4, 5), np.int64), np.array([0, 1, 3, 2]), TypeError,
                 "x must be real floating, got dtype .*int64", id="integer-scores"),
    pytest.param(np.zeros((2, 4, 5), np.float32), np.array([0, 1]), ValueError,
                 r"shape \(N, C\) or \(C,\), got shape \(2, 4, 5\)", id="scores-3d"),
    pytest.param(np.zeros((2, 5), np.float32), np.zeros((2, 5, 1), np.float32), ValueError,
                 r"got shape \(2, 5, 1\)", id="targets-3d"),
    pytest.param(np.zeros((0, 5), np.float32), np.zeros((0,), np.int64), ValueError,
                 r"at least one sample, got x of shape \(0, 5\)", id="empty-batch"),
]


def _device(x, t):
    return xpnet.asarray(x, dtype=x.dtype.name), xpnet.asarray(t, dtype=t.dtype.name)


@pytest.mark.parametrize("loss_fn", _entry_points())
@pytest.mark.parametrize("x, t, exc, pattern", BAD_TARGETS)
def test_bad_targets_raise_naming_the_offender(xp, loss_fn, x, t, exc, pattern):
    with pytest.raises(exc, match=pattern):
        loss_fn(*_device(x, t))


@pytest.mark.parametrize("loss_fn", _entry_points(layer=False))
@pytest.mark.parametrize("x, t, exc, pattern", BAD_LABEL_VALUES)
def test_public_losses_check_the_label_range(xp, loss_fn, x, t, exc, pattern):
    with pytest.raises(exc, match=pattern):
        loss_fn(*_device(x, t))


@pytest.mark.parametrize("x, t, exc, pattern", BAD_LABEL_VALUES)
def test_check_label_range_names_the_label(xp, x, t, exc, pattern):
    with pytest.raises(exc, match=pattern):
        check_label_range(xpnet.asarray(t), 5)
    check_label_range(xpnet.asarray(np.array([0, 4, 3])), 5)  # in range: no error


@pytest.mark.parametrize("x, t, exc, pattern", BAD_LABEL_VALUES)
def test_softmax_with_loss_reads_no_label_values(xp, x, t, exc, pattern):
    """The layer runs inside every train step, so it checks shapes only: an out-of-range label
    (caught at the entry points) selects no class (an all-zero one-hot row) instead of a device
    sync or an out-of-bounds gather: the loss stays finite and that row's gradient is softmax/N."""
    layer = SoftmaxWithLoss()
    loss = layer.forward(*_device(x, t))
    assert np.isfinite(float(loss))
    row_sums = xpnet.to_numpy(xp.sum(layer.backward(), axis=1)) * len(t)
    np.testing.assert_allclose(row_sums, 1.0 - (t >= 0) * (t < 5), atol=1e-5)


def test_targets_from_another_backend_raise_type_error_naming_both():
    x = torch.zeros((2, 3))
    with pytest.raises(TypeError, match=re.escape("numpy (ndarray), torch (Tensor)")):
        softmax_cross_entropy(x, np.array([0, 1]))


def test_loss_lives_on_the_input_backend(xp):
    loss = softmax_cross_entropy(normal((N, C)), choice(C, N))
    assert array_namespace(loss) is xp and tuple(loss.shape) == ()
