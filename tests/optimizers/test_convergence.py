"""Every optimizer converges on a parabola and moves toward (1, 1) on Rosenbrock (optax's
contract tests), on every backend, float64. Learning rates are per optimizer, as in practice."""

import numpy as np
import pytest

import xpnet
from xpnet import optimizers as xo
from xpnet.backend import to_numpy

CENTRE, CURVATURE = [1.0, -2.0], [1.0, 4.0]

PARABOLA = {
    "sgd": lambda: xo.SGD(lr=0.1),
    "momentum": lambda: xo.Momentum(lr=0.05),
    "nesterov": lambda: xo.Nesterov(lr=0.05),
    "nesterov-torch": lambda: xo.Nesterov(lr=0.05, form="torch"),
    "adagrad": lambda: xo.AdaGrad(lr=0.5),
    "rmsprop": lambda: xo.RMSprop(lr=0.01, decay_rate=0.9),
    "adadelta": lambda: xo.AdaDelta(lr=1.0, rho=0.9, eps=1e-4),
    "adam": lambda: xo.Adam(lr=0.05),
    "adam-torch": lambda: xo.Adam(lr=0.05, form="torch"),
    "adamw": lambda: xo.AdamW(lr=0.05, weight_decay=1e-4),
    "adamax": lambda: xo.Adamax(lr=0.05),
    "nadam": lambda: xo.Nadam(lr=0.05),
}

ROSENBROCK = {
    "sgd": lambda: xo.SGD(lr=1.5e-3),
    "momentum": lambda: xo.Momentum(lr=2e-4),
    "nesterov": lambda: xo.Nesterov(lr=2e-4),
    "adagrad": lambda: xo.AdaGrad(lr=0.5),
    "rmsprop": lambda: xo.RMSprop(lr=3e-3),
    "adadelta": lambda: xo.AdaDelta(lr=1.0),
    "adam": lambda: xo.Adam(lr=0.02),
    "adamw": lambda: xo.AdamW(lr=0.02, weight_decay=1e-4),
    "adamax": lambda: xo.Adamax(lr=0.1),
    "nadam": lambda: xo.Nadam(lr=0.02),
}


@pytest.mark.parametrize("name", list(PARABOLA))
def test_converges_on_a_parabola(float64, name):
    c, a = xpnet.asarray(CENTRE), xpnet.asarray(CURVATURE)
    params = {"w": xpnet.asarray([4.0, 3.0])}
    opt = PARABOLA[name]()
    for _ in range(1000):
        opt.update(params, {"w": 2.0 * a * (params["w"] - c)})
    np.testing.assert_allclose(to_numpy(params["w"]), CENTRE, atol=1e-3)


def _rosenbrock(w):
    x, y = w[0], w[1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


@pytest.mark.parametrize("name", list(ROSENBROCK))
def test_moves_toward_the_rosenbrock_minimum(float64, name):
    start = np.array([-1.2, 1.0])
    params = {"x": xpnet.asarray([start[0]]), "y": xpnet.asarray([start[1]])}
    opt = ROSENBROCK[name]()
    for _ in range(2000):
        x, y = params["x"], params["y"]
        r = y - x * x
        opt.update(params, {"x": -2.0 * (1.0 - x) - 400.0 * x * r, "y": 200.0 * r})
    end = np.concatenate([to_numpy(params["x"]), to_numpy(params["y"])])
    assert np.linalg.norm(end - 1.0) < 0.3 * np.linalg.norm(start - 1.0), end
    assert _rosenbrock(end) < 0.02 * _rosenbrock(start), end


@pytest.mark.parametrize("table_name, table", [("PARABOLA", PARABOLA), ("ROSENBROCK", ROSENBROCK)])
def test_every_registered_optimizer_has_a_row(table_name, table):
    """An optimizer in ``OPTIMIZERS`` without a row here escapes the convergence contract: add one."""
    covered = {type(make()) for make in table.values()}
    missing = sorted(name for name, cls in xo.OPTIMIZERS.items() if cls not in covered)
    assert not missing, f"optimizers with no row in {table_name}: {missing}"
