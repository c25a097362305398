"""The layer contract, one table row per layer and configuration (thinc's TEST_CASES style).

Every row runs on every backend through: a float64 gradient check, float32 in -> float32 out
(forward, backward and parameter gradients), input shape restored by backward, and no mutation of
the caller's ``x``, ``t`` or ``dout`` by forward or backward. Adding a layer means adding a row: a
test fails for a layer of ``xpnet.layers.__all__`` that has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

import xpnet
import xpnet.layers
from xpnet.backend import array_namespace, choice, normal
from xpnet.gradient_check import gradient_check
from xpnet.layers import (
    LRN,
    Affine,
    BatchNormalization,
    Convolution,
    Dropout,
    Flatten,
    Layer,
    MaxPoolReLU,
    Pooling,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
    Tanh,
)

GRAD_TOL = 1e-6


def _labels(xp, n, c):
    return choice(c, n)


def _one_hot(xp, n, c):
    t = choice(c, n)
    return xp.astype(xp.arange(c, dtype=xp.int64)[None, :] == t[:, None], xpnet.backend.default_float(xp))


@dataclass(frozen=True)
class Case:
    """One layer under test: how to build it on the current backend and what to feed it."""

    id: str
    make: Callable[[], object]
    x_shape: tuple
    out_shape: tuple
    targets: Callable | None = None  # (xp, N, C) -> t, for loss layers
    train_flg: bool = True
    off_kink: bool = False  # move |x| >= 0.1 so ReLU's kink at 0 is never straddled


def _conv(w_shape, stride=1, pad=0):
    return lambda: Convolution(normal(w_shape, std=0.3), normal((w_shape[0],)), stride=stride, pad=pad)


def _batchnorm(channels):
    return lambda: BatchNormalization(1.0 + normal((channels,), std=0.1), normal((channels,), std=0.1))


CASES = [
    Case("affine-2d", lambda: Affine(normal((6, 4), std=0.5), normal((4,))), (3, 6), (3, 4)),
    Case("affine-4d", lambda: Affine(normal((12, 5), std=0.5), normal((5,))), (2, 3, 2, 2), (2, 5)),
    Case("relu", Relu, (4, 5), (4, 5), off_kink=True),
    Case("sigmoid", Sigmoid, (4, 5), (4, 5)),
    Case("tanh", Tanh, (4, 5), (4, 5)),
    Case("softmax-loss-labels", SoftmaxWithLoss, (4, 5), (), targets=_labels),
    Case("softmax-loss-one-hot", SoftmaxWithLoss, (4, 5), (), targets=_one_hot),
    Case("dropout-inverted-train", lambda: Dropout(0.4), (4, 5), (4, 5)),
    Case("dropout-inverted-test", lambda: Dropout(0.4), (4, 5), (4, 5), train_flg=False),
    Case("dropout-book-train", lambda: Dropout(0.4, inverted=False), (4, 5), (4, 5)),
    Case("dropout-book-test", lambda: Dropout(0.4, inverted=False), (4, 5), (4, 5), train_flg=False),
    Case("flatten", Flatten, (2, 3, 2, 2), (2, 12)),
    Case("convolution-pad", _conv((3, 2, 3, 3), pad=1), (2, 2, 5, 5), (2, 3, 5, 5)),
    Case("convolution-stride", _conv((3, 2, 3, 3), stride=2), (2, 2, 5, 5), (2, 3, 2, 2)),
    Case("pooling-max", lambda: Pooling(2, 2, stride=2), (2, 3, 4, 4), (2, 3, 2, 2)),
    Case("pooling-max-overlapping", lambda: Pooling(3, 3, stride=2, pad=1), (2, 2, 5, 5), (2, 2, 3, 3)),
    Case("pooling-avg", lambda: Pooling(2, 2, stride=2, mode="avg"), (2, 3, 4, 4), (2, 3, 2, 2)),
    Case("max-pool-relu", lambda: MaxPoolReLU(Pooling(2, 2, stride=2), Relu()), (2, 3, 4, 4), (2, 3, 2, 2),
         off_kink=True),
    Case("max-pool-relu-overlapping", lambda: MaxPoolReLU(Pooling(3, 3, stride=2, pad=1), Relu()),
         (2, 2, 5, 5), (2, 2, 3, 3), off_kink=True),
    Case("batchnorm-train", _batchnorm(5), (4, 5), (4, 5)),
    Case("batchnorm-spatial-train", _batchnorm(3), (2, 3, 2, 2), (2, 3, 2, 2)),
    Case("lrn", lambda: LRN(size=3), (2, 4, 3, 3), (2, 4, 3, 3)),
]
CASE_PARAMS = [pytest.param(c, id=c.id) for c in CASES]


def _inputs(xp, case):
    """(x, extra forward args) on the current backend and default dtype."""
    x = normal(case.x_shape)
    if case.off_kink:
        x = xp.where(x >= 0, x + 0.1, x - 0.1)
    extra = (case.targets(xp, case.x_shape[0], case.x_shape[-1]),) if case.targets else ()
    return x, extra


def _run(case, layer, x, extra, dout=None):
    out = layer.forward(x, *extra, train_flg=case.train_flg)
    dx = layer.backward(dout if dout is not None else (1 if case.targets else out * 0.5 + 1.0))
    return out, dx


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_backward_matches_float64_numerical_gradient(float64, case):
    layer = case.make()
    x, extra = _inputs(float64, case)
    errors = gradient_check(layer, x, *extra, train_flg=case.train_flg)
    assert set(errors) == {"x", *layer.params}
    assert max(errors.values()) <= GRAD_TOL, errors


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_float32_in_float32_out_and_shapes(xp, case):
    layer = case.make()
    x, extra = _inputs(xp, case)
    out, dx = _run(case, layer, x, extra)
    assert array_namespace(out) is xp and array_namespace(dx) is xp
    assert out.dtype == xp.float32 and dx.dtype == xp.float32
    assert tuple(out.shape) == case.out_shape and tuple(dx.shape) == case.x_shape
    for name, g in layer.grads.items():
        assert g.dtype == xp.float32 and g.shape == layer.params[name].shape, name


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_never_mutates_the_callers_arrays(xp, case):
    layer = case.make()
    x, extra = _inputs(xp, case)
    saved = [xpnet.to_numpy(a).copy() for a in (x, *extra)]
    out = layer.forward(x, *extra, train_flg=case.train_flg)
    for before, a in zip(saved, (x, *extra)):
        np.testing.assert_array_equal(xpnet.to_numpy(a), before)  # forward left them alone
    dout = normal(tuple(out.shape))
    saved.append(xpnet.to_numpy(dout).copy())
    layer.backward(dout)
    for before, a in zip(saved, (x, *extra, dout)):
        np.testing.assert_array_equal(xpnet.to_numpy(a), before)  # and so did backward


def test_every_public_layer_has_a_row():
    """A layer in ``xpnet.layers.__all__`` without a row here escapes the contract: add one."""
    public = {getattr(xpnet.layers, name) for name in xpnet.layers.__all__}
    layers = {cls for cls in public if isinstance(cls, type) and issubclass(cls, Layer) and cls is not Layer}
    covered = {type(case.make()) for case in CASES}
    missing = sorted(cls.__name__ for cls in layers - covered)
    assert not missing, f"layers with no row in CASES: {missing}"


