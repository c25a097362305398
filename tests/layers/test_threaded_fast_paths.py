"""Every NumPy kernel split over threads equals one thread bit for bit, and the portable twin.

Inputs are large enough that :func:`xpnet.backend.numpy._threads.chunks` really cuts them (asserted),
and ``XPNET_NUM_THREADS=3`` makes the cuts fall at odd places (mid-batch, mid-parameter). The
portable twin runs on array-api-strict: gathers and maxima are exact, sums over overlapping
windows (col2im, pooling backward) add the same terms in another order (float32 rounding).
"""

import numpy as np
import pytest

import xpnet
from xpnet.backend import to_numpy
from xpnet.backend.numpy._threads import chunks
from xpnet.functions.conv import add_columns, columns
from xpnet.layers import Pooling, Relu
from xpnet.optimizers import Adam

BATCH, C, H, W = 7, 8, 48, 48  # 18,432 values per image: 7 images split 3 ways


@pytest.fixture
def three_threads(monkeypatch):
    monkeypatch.setenv("XPNET_NUM_THREADS", "3")
    assert len(chunks(BATCH, C * H * W)) == 3


def _on(backend, fn, *host):
    with xpnet.use_backend(backend):
        out = fn(*(xpnet.asarray(a) for a in host))
        return [to_numpy(o) for o in (out if isinstance(out, tuple) else (out,))]


def _same_everywhere(fn, *host, monkeypatch, skip_portable=()):
    threaded = _on("numpy", fn, *host)
    monkeypatch.setenv("XPNET_NUM_THREADS", "1")
    serial = _on("numpy", fn, *host)
    portable = _on("array_api_strict", fn, *host)
    for i, (a, b, c) in enumerate(zip(threaded, serial, portable)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
        if i not in skip_portable:
            assert a.dtype == c.dtype and a.shape == c.shape
            np.testing.assert_allclose(a, c, rtol=1e-6, atol=1e-6)
    return threaded


def _images(seed=0, ties=False):
    x = np.random.default_rng(seed).standard_normal((BATCH, C, H, W)).astype(np.float32)
    if ties:
        x[:, :, ::3] = 0.5  # whole rows of equal values: the first maximum must win
    return x


@pytest.mark.parametrize("layout", ["contiguous", "channel-major view", "batch-last view"])
def test_relu_forward_and_backward(three_threads, monkeypatch, layout):
    x, dout = _images(1), _images(2)
    if layout == "channel-major view":  # (N, C, ...) view of (C, N, ...) memory
        x = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    if layout == "batch-last view":  # as a NumPy convolution returns it: (C, H, W, N) memory
        x = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)

    def relu(x, dout):
        layer = Relu()
        out = layer.forward(x)
        return out, layer.mask, layer.backward(dout)

    out, mask, dx = _same_everywhere(relu, x, dout, monkeypatch=monkeypatch, skip_portable=(1,))
    assert mask.dtype == np.bool_ and mask.sum() > 0 and (dx[mask] == 0).all()


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("geom", [(2, 2, 2, 0), (3, 3, 2, 1), (3, 3, 1, 1)], ids=str)
def test_pooling_forward_and_backward(three_threads, monkeypatch, mode, geom):
    ph, pw, stride, pad = geom
    x = _images(3, ties=True)

    def pool(x):
        layer = Pooling(ph, pw, stride, pad, mode=mode)
        out = layer.forward(x)
        dout = out * 0.5 + 1.0
        return out, layer.backward(dout)

    out, dx = _same_everywhere(pool, x, monkeypatch=monkeypatch)
    assert dx.shape == x.shape and out.shape[:2] == x.shape[:2]


@pytest.mark.parametrize("geom", [(3, 1, 1), (5, 1, 0), (3, 2, 1)], ids=str)
def test_im2col_gather_and_col2im(three_threads, monkeypatch, geom):
    k, stride, pad = geom
    x = _images(4)

    def im2col_col2im(x):
        cols = columns(x, k, k, stride, pad)
        return cols, add_columns(cols, x.shape, k, k, stride, pad)

    cols, back = _same_everywhere(im2col_col2im, x, monkeypatch=monkeypatch)
    assert back.shape == x.shape


def test_adam_update_split_mid_parameter(monkeypatch):
    from xpnet.backend.numpy import _fast_adam

    monkeypatch.setenv("XPNET_NUM_THREADS", "3")
    rng = np.random.default_rng(5)
    shapes = {"W1": (500, 400), "b1": (400,), "W2": (400, 650), "b2": (650,)}
    total = sum(int(np.prod(s)) for s in shapes.values())
    assert len(chunks(total, min_items=_fast_adam.ADAM_MIN_ITEMS)) == 3  # the cuts fall inside W1 and W2
    params = {k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()}
    grads = [{k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()} for _ in range(3)]

    def run(backend, threads):
        monkeypatch.setenv("XPNET_NUM_THREADS", threads)
        with xpnet.use_backend(backend):
            ps = {k: xpnet.asarray(v, copy=True) for k, v in params.items()}
            opt = Adam(lr=0.01, weight_decay=0.0)
            for g in grads:
                opt.update(ps, {k: xpnet.asarray(v) for k, v in g.items()})
            return {k: to_numpy(v) for k, v in ps.items()}

    threaded, serial, portable = run("numpy", "3"), run("numpy", "1"), run("array_api_strict", "3")
    for key in shapes:
        np.testing.assert_array_equal(threaded[key], serial[key])
        np.testing.assert_allclose(threaded[key], portable[key], rtol=1e-6, atol=1e-7)
        assert not np.array_equal(threaded[key], params[key])


@pytest.mark.parametrize("geom", [(3, 1, 1), (5, 1, 2), (3, 2, 1), (1, 1, 0)], ids=str)
def test_blocked_batch_last_convolution_equals_the_portable_columns_product(three_threads, monkeypatch, geom):
    """NumPy's convolution gathers its (out_h, out_w, N)-ordered columns block by block (small
    blocks here: many per thread). The blocks side by side are the portable (N, out_h, out_w)
    columns, permuted, bit for bit; the blocked product, bias and weight gradient equal the
    portable whole-buffer ones, the product bit for bit across thread counts; its col2im equals
    the portable one on the same values."""
    from xpnet.backend.numpy import _fast_conv

    monkeypatch.setattr(_fast_conv, "BLOCK_ITEMS", 4096)
    monkeypatch.setattr(_fast_conv, "MIN_COLUMNS", 8)
    monkeypatch.setattr(_fast_conv, "GRAD_MIN_COLUMNS", 64)
    k, stride, pad = geom
    x = _images(6)
    oh, ow = (H + 2 * pad - k) // stride + 1, (W + 2 * pad - k) // stride + 1
    blocks = _fast_conv._Blocks(_fast_conv._hwn_image(x, pad), k, k, stride, _fast_conv.MIN_COLUMNS)
    assert len(blocks.blocks) >= oh and len(blocks.parts()) == 3  # 3 threads
    portable = _on("array_api_strict", lambda x: columns(x, k, k, stride, pad), x)[0]
    hwn = np.concatenate([cols.copy() for cols, _, _ in blocks.columns(0, len(blocks.blocks))], axis=1)
    as_portable = hwn.reshape(-1, oh, ow, BATCH).transpose(0, 3, 1, 2).reshape(hwn.shape[0], -1)
    np.testing.assert_array_equal(as_portable, portable)

    rng = np.random.default_rng(8)
    w2d = rng.standard_normal((5, C * k * k)).astype(np.float32)
    bias = rng.standard_normal(5).astype(np.float32)
    out, img = _fast_conv.conv_hwn(x, w2d, k, k, stride, pad, bias=bias)
    rows = rng.standard_normal(out.shape).astype(np.float32)
    dW = _fast_conv.conv_weight_grad_hwn(rows, img, k, k, stride)
    np.testing.assert_allclose(out, w2d @ hwn + bias[:, None], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dW, rows @ hwn.T, rtol=1e-4, atol=1e-3)
    monkeypatch.setenv("XPNET_NUM_THREADS", "1")
    serial, _ = _fast_conv.conv_hwn(x, w2d, k, k, stride, pad, bias=bias)
    np.testing.assert_array_equal(out, serial)
    np.testing.assert_allclose(_fast_conv.conv_weight_grad_hwn(rows, img, k, k, stride), dW,
                               rtol=1e-5, atol=1e-3)

    dcol = np.random.default_rng(7).standard_normal(portable.shape).astype(np.float32)
    expected = _on("array_api_strict", lambda d: add_columns(d, x.shape, k, k, stride, pad), dcol)[0]
    dcol_hwn = np.ascontiguousarray(dcol.reshape(-1, BATCH, oh, ow).transpose(0, 2, 3, 1))
    np.testing.assert_allclose(
        _fast_conv.numpy_add_columns_hwn(dcol_hwn.reshape(dcol.shape[0], -1), x.shape, k, k, stride, pad),
        expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fn, k, stride, pad", [(4, 3, 1, 1), (16, 3, 1, 1), (6, 5, 2, 2), (4, 1, 1, 0)],
                         ids=["FN <= C (transposed dx)", "FN > C (dcol dx)", "5x5 stride 2 (dcol dx)", "1x1"])
def test_numpy_convolution_layer_blocked_equals_the_portable_layer(three_threads, monkeypatch, fn, k, stride,
                                                                   pad):
    """The whole NumPy convolution, forced onto its blocked path (blocks shared by 3 threads):
    output, dx, dW and db equal the portable ops' on array-api-strict."""
    from xpnet.backend.numpy import _fast_conv
    from xpnet.layers import Convolution

    monkeypatch.setattr("xpnet.backend.numpy.ops.BLOCKED_MIN_ITEMS", 0)
    monkeypatch.setattr(_fast_conv, "BLOCK_ITEMS", 4096)
    monkeypatch.setattr(_fast_conv, "MIN_COLUMNS", 8)
    monkeypatch.setattr(_fast_conv, "GRAD_MIN_COLUMNS", 64)
    rng = np.random.default_rng(9)
    x = _images(10)
    weight = (rng.standard_normal((fn, C, k, k)) * 0.1).astype(np.float32)
    bias = rng.standard_normal(fn).astype(np.float32)

    def conv(x, weight, bias):
        layer = Convolution(weight, bias, stride=stride, pad=pad)
        out = layer.forward(x)
        assert layer._ctx.kept[0] is None or xpnet.get_backend() != "numpy"  # the blocked path ran
        dx = layer.backward(out * 0.5 + 1.0)
        return out, dx, layer.dW, layer.db

    numpy_side = _on("numpy", conv, x, weight, bias)
    portable = _on("array_api_strict", conv, x, weight, bias)
    for a, b in zip(numpy_side, portable):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-3)
