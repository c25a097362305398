"""Book parity: gradients equal an independent float64 NumPy re-derivation of the book's formulas.

The reference below is the book's code path written out in plain NumPy (ch. 5-7: ``Affine``,
``Relu``, ``BatchNormalization``, ``SoftmaxWithLoss``, weight decay ``0.5*lambda*sum(W**2)``; and
``im2col``/``col2im``, ``Convolution``, ``Pooling``). It imports nothing from ``xpnet.layers``:
the networks' own parameters are copied to the host and pushed through it.
"""

from __future__ import annotations

import numpy as np
import pytest
from model_checks import batch

from xpnet.backend import to_numpy
from xpnet.models import MultiLayerNetExtend, SimpleConvNet

PARITY_RTOL = 1e-10


# -- the book's layers, in plain NumPy (forward returns (out, cache); backward(dout, cache)) --------

def affine_fwd(x, W, b):
    x2 = x.reshape(x.shape[0], -1)
    return x2 @ W + b, (x2, x.shape, W)


def affine_bwd(dout, cache):
    x2, shape, W = cache
    return (dout @ W.T).reshape(shape), x2.T @ dout, dout.sum(axis=0)


def relu_fwd(x):
    mask = x <= 0
    out = x.copy()
    out[mask] = 0
    return out, mask


def relu_bwd(dout, mask):
    dx = dout.copy()
    dx[mask] = 0
    return dx


def batchnorm_fwd(x, gamma, beta):
    """The book's training-mode BatchNormalization (per feature, eps 10e-7)."""
    mu = x.mean(axis=0)
    xc = x - mu
    var = np.mean(xc**2, axis=0)
    std = np.sqrt(var + 10e-7)
    xn = xc / std
    return gamma * xn + beta, (xc, xn, std, gamma)


def batchnorm_bwd(dout, cache):
    """The book's chain of steps, unchanged."""
    xc, xn, std, gamma = cache
    n = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(xn * dout, axis=0)
    dxn = gamma * dout
    dxc = dxn / std
    dstd = -np.sum((dxn * xc) / (std * std), axis=0)
    dvar = 0.5 * dstd / std
    dxc += (2.0 / n) * xc * dvar
    dmu = np.sum(dxc, axis=0)
    return dxc - dmu / n, dgamma, dbeta


def softmax_loss(x, t):
    """The book's SoftmaxWithLoss, gradient (y - onehot) / N.

    The book's loss takes ``log(y + 1e-7)``, which shifts it by up to ``1e-7 / min(y)``; xpnet
    takes the exact log-softmax, so the reference loss here drops the ``1e-7``.
    """
    x = x - x.max(axis=1, keepdims=True)
    y = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    n = x.shape[0]
    loss = -np.sum(np.log(y[np.arange(n), t])) / n
    dx = y.copy()
    dx[np.arange(n), t] -= 1
    return loss, dx / n


def im2col(img, fh, fw, stride, pad):
    n, c, h, w = img.shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    img = np.pad(img, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    col = np.zeros((n, c, fh, fw, oh, ow))
    for y in range(fh):
        for x in range(fw):
            col[:, :, y, x, :, :] = img[:, :, y:y + stride * oh:stride, x:x + stride * ow:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)


def col2im(col, shape, fh, fw, stride, pad):
    n, c, h, w = shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    col = col.reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((n, c, h + 2 * pad + stride - 1, w + 2 * pad + stride - 1))
    for y in range(fh):
        for x in range(fw):
            img[:, :, y:y + stride * oh:stride, x:x + stride * ow:stride] += col[:, :, y, x, :, :]
    return img[:, :, pad:h + pad, pad:w + pad]


def conv_fwd(x, W, b, stride, pad):
    fn, _, fh, fw = W.shape
    n, _, h, w = x.shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    col = im2col(x, fh, fw, stride, pad)
    col_W = W.reshape(fn, -1).T
    out = (col @ col_W + b).reshape(n, oh, ow, -1).transpose(0, 3, 1, 2)
    return out, (x.shape, col, col_W, W.shape, stride, pad)


def conv_bwd(dout, cache):
    shape, col, col_W, wshape, stride, pad = cache
    fn, c, fh, fw = wshape
    dout = dout.transpose(0, 2, 3, 1).reshape(-1, fn)
    db = dout.sum(axis=0)
    dW = (col.T @ dout).transpose(1, 0).reshape(fn, c, fh, fw)
    dx = col2im(dout @ col_W.T, shape, fh, fw, stride, pad)
    return dx, dW, db


def pool_fwd(x, ph, pw, stride):
    n, c, h, w = x.shape
    oh, ow = (h - ph) // stride + 1, (w - pw) // stride + 1
    col = im2col(x, ph, pw, stride, 0).reshape(-1, ph * pw)
    arg_max = np.argmax(col, axis=1)
    out = np.max(col, axis=1).reshape(n, oh, ow, c).transpose(0, 3, 1, 2)
    return out, (x.shape, arg_max, ph, pw, stride)


def pool_bwd(dout, cache):
    shape, arg_max, ph, pw, stride = cache
    dout = dout.transpose(0, 2, 3, 1)
    dmax = np.zeros((dout.size, ph * pw))
    dmax[np.arange(arg_max.size), arg_max.flatten()] = dout.flatten()
    dmax = dmax.reshape(dout.shape + (ph * pw,))
    dcol = dmax.reshape(dmax.shape[0] * dmax.shape[1] * dmax.shape[2], -1)
    return col2im(dcol, shape, ph, pw, stride, 0)


# -- the book's two networks on those layers -------------------------------------------------------

def book_mlp_extend_gradient(p, x, t, hidden_layers: int, lam: float, *, batchnorm=True, masks=None):
    """MultiLayerNetExtend(activation='relu').gradient with L2 decay, optional BatchNorm, and the
    book's (non-inverted) Dropout with the given keep masks: ``x * mask`` forward, ``dout * mask``
    backward."""
    caches, h = [], x
    for i in range(1, hidden_layers + 1):
        h, ca = affine_fwd(h, p[f"W{i}"], p[f"b{i}"])
        cb = None
        if batchnorm:
            h, cb = batchnorm_fwd(h, p[f"gamma{i}"], p[f"beta{i}"])
        h, cr = relu_fwd(h)
        if masks is not None:
            h = h * masks[i - 1]
        caches.append((ca, cb, cr))
    last = hidden_layers + 1
    h, c_last = affine_fwd(h, p[f"W{last}"], p[f"b{last}"])
    loss, dout = softmax_loss(h, t)
    loss += sum(0.5 * lam * np.sum(p[f"W{i}"] ** 2) for i in range(1, last + 1))
    g = {}
    dout, g[f"W{last}"], g[f"b{last}"] = affine_bwd(dout, c_last)
    for i in range(hidden_layers, 0, -1):
        ca, cb, cr = caches[i - 1]
        if masks is not None:
            dout = dout * masks[i - 1]
        dout = relu_bwd(dout, cr)
        if batchnorm:
            dout, g[f"gamma{i}"], g[f"beta{i}"] = batchnorm_bwd(dout, cb)
        dout, g[f"W{i}"], g[f"b{i}"] = affine_bwd(dout, ca)
    for i in range(1, last + 1):
        g[f"W{i}"] = g[f"W{i}"] + lam * p[f"W{i}"]
    return loss, g


def book_simple_convnet_gradient(p, x, t, stride: int, pad: int):
    """SimpleConvNet.gradient: conv - relu - pool 2x2/2 - affine - relu - affine - softmax."""
    h, c1 = conv_fwd(x, p["W1"], p["b1"], stride, pad)
    h, r1 = relu_fwd(h)
    h, cp = pool_fwd(h, 2, 2, 2)
    h, a1 = affine_fwd(h, p["W2"], p["b2"])
    h, r2 = relu_fwd(h)
    h, a2 = affine_fwd(h, p["W3"], p["b3"])
    loss, dout = softmax_loss(h, t)
    g = {}
    dout, g["W3"], g["b3"] = affine_bwd(dout, a2)
    dout = relu_bwd(dout, r2)
    dout, g["W2"], g["b2"] = affine_bwd(dout, a1)
    dout = pool_bwd(dout, cp)
    dout = relu_bwd(dout, r1)
    _, g["W1"], g["b1"] = conv_bwd(dout, c1)
    return loss, g


def max_relative_difference(grads, reference) -> float:
    """max over parameters of ``max|g - r| / max(max|r|, 1e-4 * largest)``.

    ``largest`` is the largest book gradient entry of the whole net. The floor matters only for
    a bias in front of BatchNorm, whose gradient is exactly zero in theory (~1e-17 of rounding in
    both implementations), where a plain relative difference would compare noise with noise.
    """
    largest = max(float(np.max(np.abs(r))) for r in reference.values())
    worst = 0.0
    for k, r in reference.items():
        g = to_numpy(grads[k])
        assert g.shape == r.shape, f"{k}: shape {g.shape} != book {r.shape}"
        scale = max(float(np.max(np.abs(r))), 1e-4 * largest)
        worst = max(worst, float(np.max(np.abs(g - r))) / scale)
    return worst


def _host(params):
    return {k: to_numpy(v).astype(np.float64) for k, v in params.items()}


def test_multilayernetextend_bn_l2_matches_book(float64):
    lam = 0.1
    net = MultiLayerNetExtend(12, [10, 8, 6], 4, weight_decay_lambda=lam, use_batchnorm=True)
    x, t = batch((12,), 16, 4, seed=3)
    grads = net.gradient(x, t)
    loss_ref, ref = book_mlp_extend_gradient(_host(net.params), to_numpy(x), to_numpy(t), 3, lam)
    assert set(grads) == set(ref) == set(net.params)
    diff = max_relative_difference(grads, ref)
    assert diff < PARITY_RTOL, f"max relative difference to the book: {diff:.3g}"
    assert float(net.last_loss) == pytest.approx(loss_ref, rel=1e-12)


def test_multilayernetextend_dropout_is_the_books(float64):
    """Default Dropout is the book's form: with the same keep mask, the same gradients; at test
    time every unit is scaled by 1 - ratio."""
    lam, ratio = 0.05, 0.4
    net = MultiLayerNetExtend(12, [10, 8], 4, weight_decay_lambda=lam, use_dropout=True, dropout_ration=ratio)
    x, t = batch((12,), 16, 4, seed=5)
    grads = net.gradient(x, t)
    masks = [to_numpy(net.layers[f"Dropout{i}"].mask).astype(np.float64) for i in (1, 2)]
    assert 0 < masks[0].mean() < 1
    loss_ref, ref = book_mlp_extend_gradient(_host(net.params), to_numpy(x), to_numpy(t), 2, lam,
                                             batchnorm=False, masks=masks)
    assert set(grads) == set(ref) == set(net.params)
    diff = max_relative_difference(grads, ref)
    assert diff < PARITY_RTOL, f"max relative difference to the book: {diff:.3g}"
    assert float(net.last_loss) == pytest.approx(loss_ref, rel=1e-12)
    keep = [np.full(m.shape, 1.0 - ratio) for m in masks]  # test time: scale by 1 - ratio
    loss_test, _ = book_mlp_extend_gradient(_host(net.params), to_numpy(x), to_numpy(t), 2, lam,
                                            batchnorm=False, masks=keep)
    assert float(net.loss(x, t, train_flg=False)) == pytest.approx(loss_test, rel=1e-12)


@pytest.mark.parametrize("stride,pad", [(1, 0), (1, 1), (2, 1)])
def test_simple_convnet_matches_book(float64, stride, pad):
    conv = {"filter_num": 4, "filter_size": 3, "pad": pad, "stride": stride}
    net = SimpleConvNet((2, 9, 9), conv, hidden_size=7, output_size=5, weight_init_std=0.3)
    x, t = batch((2, 9, 9), 6, 5, seed=4)
    grads = net.gradient(x, t)
    loss_ref, ref = book_simple_convnet_gradient(_host(net.params), to_numpy(x), to_numpy(t), stride, pad)
    assert set(grads) == set(ref) == set(net.params)
    diff = max_relative_difference(grads, ref)
    assert diff < PARITY_RTOL, f"max relative difference to the book: {diff:.3g}"
    assert float(net.last_loss) == pytest.approx(loss_ref, rel=1e-12)
