"""On NumPy, CNN activations stay batch-last from layer to layer, with no transposing copies."""

import numpy as np
import pytest

import xpnet
from xpnet.backend import normal, to_numpy
from xpnet.backend.numpy._layout import memory_order, new_in_order
from xpnet.layers import Convolution, Pooling, Relu

CHWN = (1, 2, 3, 0)  # memory order of an (N, C, H, W) view of (C, H, W, N) storage


def test_memory_order_and_new_in_order():
    x = np.empty((2, 3, 4, 5), np.float32)
    assert memory_order(x) == (0, 1, 2, 3)
    view = np.empty((3, 4, 5, 2), np.float32).transpose(3, 0, 1, 2)
    assert memory_order(view) == CHWN
    made = new_in_order(np, (2, 3, 4, 5), CHWN, dtype=np.float32, zero=True)
    assert made.shape == (2, 3, 4, 5) and memory_order(made) == CHWN and not made.any()


def test_a_numpy_cnn_block_keeps_batch_last_memory_forward_and_backward():
    with xpnet.use_backend("numpy"):
        conv1 = Convolution(normal((8, 3, 3, 3), std=0.1), normal((8,)), pad=1)
        pool, relu = Pooling(2, 2, 2), Relu()
        conv2 = Convolution(normal((4, 8, 3, 3), std=0.1), normal((4,)), pad=1)
        x = normal((16, 3, 12, 12))
        h = conv1.forward(x)
        assert memory_order(h) == CHWN
        p = pool.forward(h)
        r = relu.forward(p)
        assert memory_order(p) == memory_order(r) == CHWN
        out = conv2.forward(r)
        dr = conv2.backward(np.ones_like(out))
        dp = relu.backward(dr)
        dh = pool.backward(dp)
        assert memory_order(dr) == memory_order(dp) == memory_order(dh) == CHWN
        rows = dh.transpose(1, 2, 3, 0).reshape(8, -1)
        assert np.shares_memory(rows, dh)  # what conv1's backward reshapes: a view, not a copy
        conv1.backward(dh)


@pytest.mark.parametrize("transposed", [True, False])
def test_numpy_batch_last_convolution_equals_the_portable_layer(transposed):
    """Same forward, dx, dW, db as the (N, out_h, out_w)-ordered portable layer, both dx paths."""
    rng = np.random.default_rng(2)
    fn, c = (4, 6) if transposed else (6, 4)
    w, b = rng.standard_normal((fn, c, 3, 3)), rng.standard_normal(fn)
    x, dout = rng.standard_normal((5, c, 9, 8)), rng.standard_normal((5, fn, 9, 8))

    def run(backend):
        with xpnet.use_backend(backend), xpnet.use_dtype("float64"):
            layer = Convolution(xpnet.asarray(w), xpnet.asarray(b), pad=1)
            out = layer.forward(xpnet.asarray(x))
            dx = layer.backward(xpnet.asarray(dout))
            return [to_numpy(a) for a in (out, dx, layer.dW, layer.db)]

    for mine, portable in zip(run("numpy"), run("array_api_strict")):
        np.testing.assert_allclose(mine, portable, rtol=1e-12, atol=1e-12)


def test_affine_after_a_batch_last_block_gives_dx_back_batch_last_with_the_same_values(xp):
    from xpnet.layers import Affine

    rng = np.random.default_rng(3)
    host = rng.standard_normal((6, 4, 3, 5)).astype(np.float32)
    w, b = rng.standard_normal((60, 7)).astype(np.float32), rng.standard_normal(7).astype(np.float32)
    dout = rng.standard_normal((6, 7)).astype(np.float32)
    x = xpnet.asarray(host)
    if xp.__name__.endswith("numpy"):  # as a NumPy convolution stack produces it
        x = np.ascontiguousarray(host.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    layer = Affine(xpnet.asarray(w), xpnet.asarray(b))
    out = layer.forward(x)
    dx = layer.backward(xpnet.asarray(dout))
    np.testing.assert_allclose(to_numpy(out), host.reshape(6, -1) @ w + b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_numpy(dx), (dout @ w.T).reshape(host.shape), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_numpy(layer.dW), host.reshape(6, -1).T @ dout, rtol=1e-5, atol=1e-4)
    if xp.__name__.endswith("numpy"):
        assert memory_order(dx) == CHWN
