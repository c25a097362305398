"""Global-norm clipping: scale by max_norm/‖g‖ only above the threshold, on the device, never
mutating the caller's gradients; the optimizer option clip_norm= uses it."""

import math

import numpy as np
import pytest

import xpnet
from xpnet import optimizers as xo
from xpnet.backend import array_namespace, to_numpy
from xpnet.testing import assert_close

torch = pytest.importorskip("torch")  # a run without torch (XPNET_TEST_BACKENDS) skips this module


def _grads(scale, dtype="float32"):
    return {"W": xpnet.asarray(np.array([[3.0, 0.0], [0.0, 4.0]]) * scale, dtype=dtype),
            "b": xpnet.asarray(np.array([12.0]) * scale, dtype=dtype)}  # global norm 13·scale


def test_global_norm_is_a_0d_array_on_the_device(xp):
    norm = xo.global_norm(_grads(1.0))
    assert array_namespace(norm) is xp and norm.dtype == xp.float32 and tuple(norm.shape) == ()
    assert float(to_numpy(norm)) == pytest.approx(13.0, rel=1e-6)


def test_clipping_scales_by_max_norm_over_norm_above_the_threshold(xp):
    grads = _grads(1.0)
    originals = {k: to_numpy(v).copy() for k, v in grads.items()}
    clipped = xo.clip_grad_norm(grads, 6.5)
    for k in grads:
        assert_close(clipped[k], originals[k] * 0.5, rtol=1e-6, xp=xp, dtype=xp.float32)
        np.testing.assert_array_equal(to_numpy(grads[k]), originals[k])  # caller's arrays untouched
    assert float(to_numpy(xo.global_norm(clipped))) == pytest.approx(6.5, rel=1e-6)


@pytest.mark.parametrize("scale", [1.0, 0.0])
def test_clipping_leaves_gradients_at_or_below_the_threshold_unchanged(xp, scale):
    grads = _grads(scale)
    for max_norm in (13.0, 100.0):
        clipped = xo.clip_grad_norm(grads, max_norm)
        for k in grads:
            np.testing.assert_array_equal(to_numpy(clipped[k]), to_numpy(grads[k]))


def test_clipping_matches_torch_clip_grad_norm(float64):
    rng = np.random.default_rng(0)
    host = {"a": rng.normal(size=(3, 4)) * 5, "b": rng.normal(size=(7,))}
    clipped = xo.clip_grad_norm({k: xpnet.asarray(v) for k, v in host.items()}, 1.5)
    tensors = [torch.tensor(v) for v in host.values()]
    for t in tensors:
        t.grad = t.clone()
    total = torch.nn.utils.clip_grad_norm_(tensors, 1.5, norm_type=2.0, foreach=False)
    assert float(to_numpy(xo.global_norm({k: xpnet.asarray(v) for k, v in host.items()}))) == pytest.approx(
        float(total), rel=1e-12)
    for k, t in zip(host, tensors):
        # torch divides by (norm + 1e-6); ours by the norm exactly
        np.testing.assert_allclose(to_numpy(clipped[k]), t.grad.numpy(), rtol=1e-6)


def test_optimizer_clip_norm_option_clips_before_the_update(float64):
    params = {"W": xpnet.asarray(np.zeros((2, 2))), "b": xpnet.asarray(np.zeros(1))}
    opt = xo.SGD(lr=1.0, clip_norm=1.3)
    opt.update(params, _grads(1.0, "float64"))
    np.testing.assert_allclose(to_numpy(params["W"]), [[-0.3, 0.0], [0.0, -0.4]], rtol=1e-12)
    np.testing.assert_allclose(to_numpy(params["b"]), [-1.2], rtol=1e-12)
    assert math.isclose(float(to_numpy(opt.last_grad_norm)), 13.0, rel_tol=1e-12)


def test_bad_max_norm_is_rejected(xp):
    with pytest.raises(ValueError, match=r"max_norm must be > 0 and finite, got -1.0"):
        xo.clip_grad_norm(_grads(1.0), -1.0)
    with pytest.raises(ValueError, match="empty dict"):
        xo.global_norm({})
