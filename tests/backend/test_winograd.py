"""Winograd convolution (NumPy's path for many-channel 3x3 and 5x5 convolutions).

Its transforms are exact identities; the Convolution layer through it passes float64 numerical
gradient checks and matches torch's conv2d (float64 to 1e-12, float32 to the transforms'
rounding); it is the path NumPy takes at AlexNet's sizes and not elsewhere; split over threads it
equals one thread bit for bit. Tests that lower the channel thresholds run every backend (only
NumPy takes the path; the others must give the same numbers).
"""

import math
import threading

import numpy as np
import pytest

import xpnet
from xpnet.backend import get_ops, to_numpy
from xpnet.backend.numpy import _winograd
from xpnet.gradient_check import gradient_check
from xpnet.layers import Convolution
from xpnet.testing import assert_close

torch = pytest.importorskip("torch")  # a run without torch (XPNET_TEST_BACKENDS) skips this module
F = torch.nn.functional

#: (C, FN, H, W, kernel, pad): odd and even sizes, pad 0 to kernel - 1, a 1x1 image, more
#: filters than channels and fewer.
GEOMETRIES = [(2, 3, 5, 6, 3, 1), (3, 2, 7, 7, 3, 0), (2, 2, 4, 5, 3, 2), (2, 3, 6, 5, 5, 2),
              (1, 2, 3, 3, 5, 4), (2, 2, 1, 1, 3, 1)]

#: float32 Winograd against float64 torch, relative to the largest value (F(4, 5) measured 1.5e-5).
FLOAT32_TOL = 5e-5


@pytest.fixture
def small_winograd(monkeypatch):
    """Every stride-1 3x3 and 5x5 convolution takes the Winograd path on NumPy."""
    monkeypatch.setattr(_winograd, "MIN_CHANNELS", 1)
    monkeypatch.setattr(_winograd, "MIN_FILTERS", 1)


def _correlate(d, g):
    return np.array([d[i:i + len(g)] @ g for i in range(len(d) - len(g) + 1)])


@pytest.mark.parametrize(("m", "r"), [(2, 3), (4, 3), (6, 3), (2, 5), (4, 5)])
def test_transforms_are_the_exact_one_dimensional_correlation(m, r):
    at, bt, _ = _winograd.transforms(m, r, np.float64)
    _, g_transform, _ = _winograd._transforms64(m, r)
    rng = np.random.default_rng(m * 10 + r)
    d, g = rng.standard_normal(m + r - 1), rng.standard_normal(r)
    np.testing.assert_allclose(at @ ((g_transform @ g) * (bt @ d)), _correlate(d, g), rtol=0, atol=1e-13)


def test_too_long_a_transform_names_the_points_it_lacks():
    with pytest.raises(ValueError, match="F\\(8, 5\\) needs 11 finite points"):
        _winograd._transforms64(8, 5)


def _layer(rng, c, fn, k, pad, dtype):
    w = (rng.standard_normal((fn, c, k, k)) / math.sqrt(c * k * k)).astype(dtype)
    b = rng.standard_normal(fn).astype(dtype)
    return Convolution(xpnet.asarray(w), xpnet.asarray(b), 1, pad), w, b


@pytest.mark.parametrize("geom", GEOMETRIES, ids=str)
def test_winograd_convolution_gradients_match_numerical(float64, small_winograd, geom):
    c, fn, h, w, k, pad = geom
    rng = np.random.default_rng(1)
    layer, _, _ = _layer(rng, c, fn, k, pad, np.float64)
    errors = gradient_check(layer, xpnet.asarray(rng.standard_normal((2, c, h, w))))
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("geom", GEOMETRIES, ids=str)
def test_winograd_convolution_matches_torch(xp, small_winograd, geom, dtype):
    torch = pytest.importorskip("torch")  # the reference (the backend tests also run without torch)
    import torch.nn.functional as F

    c, fn, h, w, k, pad = geom
    rng = np.random.default_rng(2)
    with xpnet.use_dtype(dtype):
        layer, wt, b = _layer(rng, c, fn, k, pad, dtype)
        x = rng.standard_normal((3, c, h, w)).astype(dtype)
        out = layer.forward(xpnet.asarray(x))
        dout = rng.standard_normal(tuple(out.shape)).astype(dtype)
        dx = layer.backward(xpnet.asarray(dout))
    xt, wt_, bt = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, wt, b))
    ref = F.conv2d(xt, wt_, bt, padding=pad)
    ref.backward(torch.from_numpy(dout.astype(np.float64)))
    for got, want in ((out, ref), (dx, xt.grad), (layer.dW, wt_.grad), (layer.db, bt.grad)):
        want = want.detach().numpy()
        scale = float(np.abs(want).max()) or 1.0
        tol = 1e-12 if dtype == "float64" else FLOAT32_TOL
        assert_close(got, want, rtol=0, atol=tol * scale, dtype=getattr(xp, dtype))


def _numpy_conv(x, w, b, pad):
    ops = get_ops(x)
    out, ctx = ops.conv2d_forward(x, w, b, 1, pad)
    return out, ctx


def test_numpy_takes_winograd_at_alexnet_and_deepconvnet_sizes_and_im2col_below():
    """AlexNet-style w1's last four convolutions and DeepConvNet's last; not DeepConvNet's fifth
    (32 channels), AlexNet-style w0.25's 64 filters on a 7x7 output (49 of 64 tile outputs
    real), nor a 7x7 kernel."""
    rng = np.random.default_rng(3)
    for c, fn, k, hw, takes in [(64, 192, 5, 15, True), (192, 384, 3, 7, True), (256, 256, 3, 7, True),
                                (64, 64, 3, 8, True), (32, 64, 3, 8, False), (64, 64, 3, 7, False),
                                (96, 64, 3, 7, False), (64, 192, 7, 7, False)]:
        x = rng.standard_normal((2, c, hw, hw)).astype(np.float32)
        w = rng.standard_normal((fn, c, k, k)).astype(np.float32)
        out, ctx = _numpy_conv(x, w, np.zeros(fn, np.float32), k // 2)
        assert (ctx.kept[2] is not None) == takes, (c, fn, k)  # the Winograd tiles
        assert out.dtype == np.float32


@pytest.mark.parametrize(("stride", "pad", "dtype", "env"), [
    (2, 1, np.float32, None), (1, 3, np.float32, None), (1, 1, np.float16, None),
    (1, 1, np.float32, "0")])
def test_winograd_stays_off_where_it_does_not_apply(monkeypatch, stride, pad, dtype, env):
    """Strided, padded past kernel - 1 (its dx would need a negative pad), float16 (whose
    rounding the transforms would amplify) and ``XPNET_WINOGRAD=0`` all take im2col."""
    x_shape = (2, 64, 8, 8)
    assert _winograd.applies(x_shape, (128, 64, 3, 3), 1, 2, np.float32)
    if env is not None:
        monkeypatch.setenv("XPNET_WINOGRAD", env)
    assert not _winograd.applies(x_shape, (128, 64, 3, 3), stride, pad, dtype)


def test_winograd_blocks_and_threads_change_no_value(monkeypatch):
    """Transforms cut into blocks of 5 channels (filters), three pool threads, against one
    block on one thread: bit for bit (every channel and filter is computed alone)."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((8, 64, 9, 9)).astype(np.float32)
    w = (rng.standard_normal((128, 64, 3, 3)) / 24).astype(np.float32)
    b = rng.standard_normal(128).astype(np.float32)
    dout = rng.standard_normal((8, 128, 9, 9)).astype(np.float32)
    per_channel = 36 * 3 * 3 * 8  # transformed values of one channel: 36 points x 9 tiles x 8 images

    def run():
        out, ctx = _numpy_conv(x, w, b, 1)
        assert ctx.kept[2] is not None  # Winograd ran
        return [out.copy(), *get_ops(x).conv2d_backward(dout, w, ctx, 1, 1)]

    monkeypatch.setattr(_winograd, "BLOCK_VALUES", 5 * per_channel)
    monkeypatch.setenv("XPNET_NUM_THREADS", "3")
    assert len(_winograd.chunks(64, per_channel)) == 3
    split = run()
    monkeypatch.setattr(_winograd, "BLOCK_VALUES", 1 << 30)
    monkeypatch.setenv("XPNET_NUM_THREADS", "1")
    for a, b_ in zip(split, run()):
        np.testing.assert_array_equal(a, b_)


def test_winograd_inside_a_pool_thread_runs_serially(monkeypatch):
    """A convolution run from one of the pool's own threads (two models on the shared pool)
    splits no further: its parts run in that thread, where a split of their own waited for the
    pool it was running on."""
    from xpnet.backend.numpy._threads import run_parts

    monkeypatch.setenv("XPNET_NUM_THREADS", "2")
    rng = np.random.default_rng(6)
    x = rng.standard_normal((8, 64, 8, 8)).astype(np.float32)
    w = rng.standard_normal((128, 64, 3, 3)).astype(np.float32)
    alone = _numpy_conv(x, w, None, 1)[0].copy()
    results = {}

    def part(a, b):
        out, ctx = _numpy_conv(x, w, None, 1)
        assert ctx.kept[2] is not None  # Winograd ran
        results[a] = out.copy()

    done = threading.Thread(target=run_parts, args=(part, [(0, 1), (1, 2)]), daemon=True)
    done.start()
    done.join(timeout=60)
    assert not done.is_alive(), "a Winograd convolution inside a pool thread hung"
    assert sorted(results) == [0, 1]
    # Equal to float32 rounding, not bit for bit: the tile products inside a pool thread run
    # as one part whose GEMM may use several BLAS threads, the split ones on one BLAS thread
    # each, and OpenBLAS's summation order depends on its thread count (issue 23, item 12).
    scale = float(np.abs(alone).max())
    for out in results.values():
        np.testing.assert_allclose(out, alone, rtol=1e-5, atol=1e-5 * scale)


def test_winograd_backward_drops_its_tiles_and_skips_dx_for_a_first_layer():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 64, 6, 6)).astype(np.float32)
    w = rng.standard_normal((128, 64, 3, 3)).astype(np.float32)
    out, ctx = _numpy_conv(x, w, None, 1)
    dx, dW, db = get_ops(x).conv2d_backward(np.ones_like(out), w, ctx, 1, 1, input_grad=False)
    assert dx is None and dW.shape == w.shape and db.shape == (128,)
    assert ctx.kept == []  # the tiles are not kept past dW
    # batch-last memory, as the NumPy convolutions hand to the next layer
    assert to_numpy(out).transpose(1, 2, 3, 0).flags.c_contiguous
