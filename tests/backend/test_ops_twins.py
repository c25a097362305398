"""Every op of every backend's ops class equals the portable ``Ops`` on the same inputs.

One table, ``CASES``: each row runs one op (a forward with its own backward, where the op has
one: what a forward hands to its backward is each ops class's own business) on host inputs, once
through the ops of the arrays' backend (``get_ops``: NumpyOps, TorchOps, CupyOps, or the portable
ones on array-api-strict) and once through ``Ops()``, in float64, and compares every output.
Adding a backend kernel means adding nothing here if its method already has a row; adding a
method means adding a row (``test_every_op_has_a_row`` fails otherwise).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import xpnet
from xpnet.backend import Ops, array_namespace, get_ops, to_numpy
from xpnet.backend.cupy import CupyOps
from xpnet.backend.numpy import NumpyOps
from xpnet.backend.portable import TapOps
from xpnet.backend.torch import TorchCpuOps, TorchOps

RNG = np.random.default_rng(11)


def _host(*shape):
    return RNG.standard_normal(shape)


def _relu(ops, x, dout):
    out, state = ops.relu_forward(x)
    return out, ops.relu_backward(dout, state)


def _conv(stride, pad):
    def run(ops, x, W, b, dout_seed):
        out, ctx = ops.conv2d_forward(x, W, b, stride, pad)
        xp = array_namespace(out)
        dout = xp.reshape(xp.sin(xp.arange(out.shape[0] * out.shape[1] * out.shape[2] * out.shape[3],
                                           dtype=out.dtype, device=out.device) + dout_seed), out.shape)
        dx, dW, db = ops.conv2d_backward(dout, W, ctx, stride, pad)
        return out, dx, dW, db
    return run


def _affine(*, batch_last=False):
    """Forward and backward (with and without dx); ``batch_last``: x2d a transposed view (as a
    NumPy conv stack gives it)."""
    def run(ops, x, W, b, dout):
        xp = array_namespace(x)
        if batch_last:
            x = xp.matrix_transpose(xp.asarray(xp.matrix_transpose(x), copy=True))
        out, ctx = ops.affine_forward(x, W, b)
        dx, dW, db = ops.affine_backward(dout, W, ctx)
        none, dW1, db1 = ops.affine_backward(dout, W, ctx, input_grad=False)
        assert none is None
        return out, dx, dW, db, dW1, db1
    return run


def _dropout(scale):
    def run(ops, x, keep, dout):
        out, state = ops.dropout_forward(x, keep, scale)
        return out, ops.dropout_backward(dout, state)
    return run


def _conv_params_only(ops, x, W, b, dout_seed):
    out, ctx = ops.conv2d_forward(x, W, b, 1, 1)
    dx, dW, db = ops.conv2d_backward(out * dout_seed, W, ctx, 1, 1, input_grad=False)
    assert dx is None
    return out, dW, db


def _pool(kh, kw, stride, pad, mode):
    def run(ops, x):
        out, ctx = ops.pool2d_forward(x, kh, kw, stride, pad, mode)
        dout = out * 0.5 + 1.0
        return out, ops.pool2d_backward(dout, ctx)
    return run


def _max_pool_relu(kh, kw, stride, pad):
    def run(ops, x):
        out, ctx = ops.max_pool_relu_forward(x, kh, kw, stride, pad)
        return out, ops.max_pool_relu_backward(out * 0.5 + 1.0, ctx)
    return run


def _with_ties(*shape):
    """Windows whose max is exactly 0, others all negative, others with repeated maxima."""
    x = np.round(_host(*shape))
    x[0, 0] = -np.abs(x[0, 0]) - 1.0
    x[0, 1, :2, :2] = 0.0
    return x


def _columns(k, stride, pad):
    def run(ops, x):
        cols = ops.columns(x, k, k, stride, pad)
        return cols, ops.add_columns(cols * 1.5, tuple(x.shape), k, k, stride, pad)
    return run


def _adam(divisor, decay, grad_scale=0.0):
    def run(ops, p, g, m, v):
        xp = array_namespace(p)
        p, m, v = (xp.asarray(a, copy=True) for a in (p, m, v))
        v = v * v  # a second moment is not negative
        ops.adam_step(p, g, m, v, beta1=0.9, beta2=0.999, eps=1e-7, scale=0.01, divisor=divisor, decay=decay,
                      grad_scale=grad_scale)
        return p, m, v
    return run


def _adam_packed(ops, p, g1, g2, m, v):
    """Gradients handed over unpacked (as a network's gradient() returns them)."""
    from xpnet.backend import FlatBuffer

    xp = array_namespace(p)
    layout = FlatBuffer(xp.asarray(p, copy=True), ("a", "b"), (g1.shape, g2.shape))
    return _adam(1.0, 1.0)(ops, p, layout.gather({"a": g1, "b": g2}), m, v)


def _take(ops, x, idx):
    xp = array_namespace(x)
    return (ops._take(xp, x, xp.astype(idx, xp.int64), axis=1),)


def _constants(ops, x):
    xp = array_namespace(x)
    zero = ops.zero_like(x)
    classes = ops.class_indices(xp, 5, xp.int64, x.device)
    assert zero.shape == () and zero.dtype == x.dtype and classes.shape == (1, 5)
    third = ops.scalar_like(x, 1 / 3)
    assert third.shape == () and third.dtype == x.dtype
    return xp.astype(classes, x.dtype), zero, third


def _labels(ops, loss, t):
    """Labels in range: on the host nothing comes back, on a device a False flag whose poisoning
    leaves the loss as it was (out-of-range labels: tests/simulated/test_book_loop_no_host_sync.py)."""
    xp = array_namespace(loss)
    t = xp.astype(t, xp.int64)
    assert ops.on_host(t) in (True, False)
    flag = ops.check_labels(t, 5)
    return (loss if flag is None else ops.poison_loss(loss, flag),)


def _flat(ops, a, b, c):
    data = ops.concat_flat([a, b, c])
    views = ops.views(data, [(0, 12), (12, 15), (15, 15)], [(3, 4), (3,), (0,)])
    data *= 2.0  # in place on the buffer: the views see it
    return (data, *views)


# row name -> (ops methods it exercises, function(ops, *arrays) -> outputs, host inputs)
CASES = {
    "relu": (("relu_forward", "relu_backward"), _relu, lambda: (_host(3, 4, 5, 6), _host(3, 4, 5, 6))),
    "affine": (("affine_forward", "affine_backward"), _affine(),
               lambda: (_host(4, 6), _host(6, 3), _host(3), _host(4, 3))),
    "affine, large (threaded BLAS)": (
        ("affine_forward", "affine_backward"), _affine(),
        lambda: (_host(300, 300), _host(300, 300), _host(300), _host(300, 300))),
    "affine, batch-last input": (("affine_forward", "affine_backward"), _affine(batch_last=True),
                                 lambda: (_host(4, 6), _host(6, 3), _host(3), _host(4, 3))),
    "dropout (book form)": (("dropout_forward", "dropout_backward"), _dropout(1.0),
                            lambda: (_host(3, 4, 5), RNG.random((3, 4, 5)) < 0.6, _host(3, 4, 5))),
    "dropout (inverted)": (("dropout_forward", "dropout_backward"), _dropout(2.5),
                           lambda: (_host(3, 4, 5), RNG.random((3, 4, 5)) < 0.6, _host(3, 4, 5))),
    "im2col/col2im 3x3 s1 p1": (("columns", "add_columns"), _columns(3, 1, 1), lambda: (_host(2, 3, 7, 6),)),
    "im2col/col2im 2x2 s2 p0": (("columns", "add_columns"), _columns(2, 2, 0), lambda: (_host(2, 3, 7, 6),)),
    "conv 3x3 s1 p1, FN <= C": (("conv2d_forward", "conv2d_backward", "_add_taps"), _conv(1, 1),
                                lambda: (_host(2, 4, 7, 6), _host(3, 4, 3, 3), _host(3), 0.3)),
    "conv 3x3 s1 p1, FN > C": (("conv2d_forward", "conv2d_backward", "_add_taps"), _conv(1, 1),
                               lambda: (_host(2, 2, 7, 6), _host(5, 2, 3, 3), _host(5), 0.7)),
    "conv 5x5 s2 p2": (("conv2d_forward", "conv2d_backward", "_add_taps"), _conv(2, 2),
                       lambda: (_host(2, 3, 9, 8), _host(4, 3, 5, 5), _host(4), 1.1)),
    "conv params only": (("conv2d_forward", "conv2d_backward", "_add_taps"), _conv_params_only,
                         lambda: (_host(2, 3, 6, 6), _host(4, 3, 3, 3), _host(4), 0.5)),
    "max pool 2x2 s2": (("pool2d_forward", "pool2d_backward"), _pool(2, 2, 2, 0, "max"),
                        lambda: (_host(2, 3, 7, 6),)),
    "max pool 2x2 s2 tiling the image": (
        ("pool2d_forward", "pool2d_backward", "_windows", "_max_pool_backward"), _pool(2, 2, 2, 0, "max"),
        lambda: (_host(2, 3, 6, 8),)),
    "max pool 3x3 s2 p1": (("pool2d_forward", "pool2d_backward"), _pool(3, 3, 2, 1, "max"),
                           lambda: (_host(2, 3, 9, 8),)),
    "avg pool 3x3 s1 p1": (("pool2d_forward", "pool2d_backward"), _pool(3, 3, 1, 1, "avg"),
                           lambda: (_host(2, 3, 6, 5),)),
    "max pool + ReLU 2x2 s2": (("max_pool_relu_forward", "max_pool_relu_backward"),
                               _max_pool_relu(2, 2, 2, 0), lambda: (_host(2, 3, 7, 6),)),
    "max pool + ReLU 2x2 s2 tiling, ties at 0": (
        ("max_pool_relu_forward", "max_pool_relu_backward"), _max_pool_relu(2, 2, 2, 0),
        lambda: (_with_ties(2, 3, 6, 8),)),
    "max pool + ReLU 3x3 s2 p1, ties at 0": (("max_pool_relu_forward", "max_pool_relu_backward"),
                                             _max_pool_relu(3, 3, 2, 1), lambda: (_with_ties(2, 3, 9, 8),)),
    "adam (book form)": (("adam_step",), _adam(1.0, 1.0),
                         lambda: (_host(50), _host(50), _host(50), _host(50))),
    "adam (torch form, decay)": (("adam_step",), _adam(0.3, 0.99),
                                 lambda: (_host(50), _host(50), _host(50), _host(50))),
    "nadam (gradient term)": (("adam_step",), _adam(0.3, 1.0, 0.002),
                              lambda: (_host(50), _host(50), _host(50), _host(50))),
    "adam (packed gradients)": (("adam_step",), _adam_packed,
                                lambda: (_host(50), _host(5, 6), _host(20), _host(50), _host(50))),
    "take": (("_take",), _take, lambda: (_host(3, 7), np.array([6, 0, 3, 3]))),
    "constants": (("zero_like", "class_indices", "scalar_like"), _constants,
                  lambda: (_host(2, 2),)),
    "labels in range": (("check_labels", "poison_loss", "on_host"), _labels,
                        lambda: (_host(), np.array([0, 4, 2, 3]))),
    "flat buffer": (("concat_flat", "views"), _flat, lambda: (_host(3, 4), _host(3), _host(0))),
}


def _to_device(value):
    if isinstance(value, float):
        return value
    if value.dtype.kind in "ib":
        return xpnet.asarray(value)
    return xpnet.asarray(value, dtype="float64")


def _compare(case, native):
    _, run, make = CASES[case]
    host = make()
    got = run(native, *[_to_device(a) for a in host])
    want = run(Ops(), *[_to_device(a) for a in host])
    assert len(got) == len(want)
    for a, b in zip(got, want):
        assert array_namespace(a) is array_namespace(b) and a.dtype == b.dtype
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-12, atol=1e-12,
                                   err_msg=f"{case}, {native}")


@pytest.mark.parametrize("ops", ["backend", "taps"])
@pytest.mark.parametrize("case", CASES)
def test_the_backends_ops_equal_the_portable_ops(float64, case, ops):
    """``backend``: the ops ``get_ops`` picks for these arrays; ``taps``: :class:`TapOps` (what
    torch runs on the CPU), on every backend."""
    args = [_to_device(a) for a in CASES[case][2]()]
    native = get_ops(*[a for a in args if hasattr(a, "shape")]) if ops == "backend" else TapOps()
    _compare(case, native)
    assert array_namespace(*[a for a in args if hasattr(a, "shape")]) is float64


@pytest.mark.parametrize("case", CASES)
def test_torchs_device_ops_equal_the_portable_ops(case):
    """:class:`TorchOps` (what CUDA runs) on CPU tensors, where values can be compared (on the
    meta device, CI's stand-in for CUDA, they cannot)."""
    pytest.importorskip("torch")
    with xpnet.use_backend("torch", device="cpu"), xpnet.use_dtype("float64"):
        _compare(case, TorchOps())


def test_each_backend_gets_its_own_ops(xp):
    x = xpnet.backend.zeros((2,))
    torch_ops = TorchCpuOps if getattr(x.device, "type", None) == "cpu" else TorchOps
    expected = {"numpy": NumpyOps, "torch": torch_ops, "cupy": CupyOps}.get(xpnet.get_backend(), Ops)
    assert type(get_ops(x)) is expected


def test_torch_ops_are_chosen_by_the_tensors_device():
    torch = pytest.importorskip("torch")
    assert type(get_ops(torch.ones(2))) is TorchCpuOps
    assert type(get_ops(torch.ones(2, device="meta"))) is TorchOps
    assert type(get_ops(torch.ones(2))) is TorchCpuOps  # the per-type cache still asks the device


def test_every_op_has_a_row():
    """A method of Ops, or one a backend overrides, with no row in CASES fails here."""
    covered = {m for methods, _, _ in CASES.values() for m in methods}
    ops_methods = {name for name, _ in inspect.getmembers(Ops, inspect.isfunction)
                   if not name.startswith("__") and name not in ("_constant", "_zero", "_table",
                                                                 "_channel_major",
                                                                  "_add_taps")}
    overridden = {name for cls in (NumpyOps, CupyOps, TorchOps, TorchCpuOps, TapOps) for name in vars(cls)
                  if callable(vars(cls)[name]) and not name.startswith("__")}
    missing = (ops_methods | overridden) - covered
    assert not missing, f"ops without a row in CASES: {sorted(missing)}"
