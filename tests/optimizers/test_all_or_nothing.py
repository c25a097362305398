"""``Optimizer.update`` is all or nothing: a bad gradient, a state that does not fit, a failing
schedule raise a ValueError/TypeError naming the key *before* anything moves. Parameters, every
state array, the pending loaded state, ``t`` and ``last_grad_norm`` are compared bit for bit
before and after each failed call, on every optimizer and backend."""

from __future__ import annotations

import numpy as np
import pytest
from test_state import MAKERS

import xpnet
from xpnet import optimizers as xo
from xpnet.backend import get_backend, to_numpy
from xpnet.models import MultiLayerNet


def _params(dtype="float32"):
    rng = np.random.default_rng(3)
    return {k: xpnet.asarray(rng.normal(size=s), dtype=dtype)
            for k, s in (("W1", (3, 4)), ("b1", (4,)), ("W2", (4, 2)))}


def _grads(params, scale=0.5):
    rng = np.random.default_rng(4)
    return {k: xpnet.asarray(rng.normal(size=tuple(v.shape)) * scale, dtype=v.dtype)
            for k, v in params.items()}


def _bits(value):
    if hasattr(value, "shape"):
        a = to_numpy(value)
        return (str(a.dtype), a.shape, a.tobytes())
    return value


def snapshot(opt, params) -> dict:
    """Every bit update could change: parameters, state, pending state, scalars."""
    state = {slot: {k: _bits(v) for k, v in arrays.items()} for slot, arrays in opt.state.items()}
    return {
        "params": {k: _bits(v) for k, v in params.items()},
        "state": state,
        "pending": {k: _bits(v) for k, v in opt._pending.items()},
        "scalars": {n: getattr(opt, n) for n in ("t", *opt.hyperparameters, *opt.scalar_state)},
        "last_grad_norm": _bits(opt.last_grad_norm) if opt.last_grad_norm is not None else None,
    }


def _stepped(make, params):
    """An optimizer that has already done one good update (state exists)."""
    opt = make()
    opt.update(params, _grads(params))
    return opt


def _foreign(x):
    """``x`` on another CPU backend than its own (torch for NumPy, NumPy for the others)."""
    if get_backend() == "numpy":
        import torch

        return torch.asarray(to_numpy(x))
    return to_numpy(x)


def _complex(x):
    xp = xpnet.backend.array_namespace(x)
    return xp.astype(x, xp.complex64)


def _float64(x):
    xp = xpnet.backend.array_namespace(x)
    return xp.astype(x, xp.float64)


BAD_LAST_GRADIENT = {
    "complex64": (_complex, TypeError, r"gradient 'W2' has dtype .*complex64.*parameter has dtype .*float32"),
    "float64": (_float64, TypeError, r"gradient 'W2' has dtype .*float64.*parameter has dtype .*float32"),
    "other backend": (_foreign, TypeError, r"gradient 'W2' is a (numpy|torch) array .*move them onto one"),
    "shape": (lambda g: g[:3, :], ValueError, r"gradient 'W2' has shape \(3, 2\), parameter has \(4, 2\)"),
    "missing": (None, ValueError, r"no gradient for parameter 'W2' \(grads has \['W1', 'b1'\]\)"),
    "list": (lambda g: [1.0, 2.0], TypeError, r"gradient 'W2' is a list, but its parameter is an array"),
}


@pytest.mark.parametrize("bad", list(BAD_LAST_GRADIENT))
@pytest.mark.parametrize("name", list(MAKERS))
def test_a_bad_last_gradient_changes_nothing(xp, name, bad):
    change, error, message = BAD_LAST_GRADIENT[bad]
    params = _params()
    opt = _stepped(MAKERS[name], params)
    grads = _grads(params)
    if change is None:
        del grads["W2"]
    else:
        grads["W2"] = change(grads["W2"])
    before = snapshot(opt, params)
    with pytest.raises(error, match=message):
        opt.update(params, grads)
    assert snapshot(opt, params) == before


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam", "adamax", "nadam"])
def test_a_fresh_optimizer_with_foreign_gradients_creates_no_state_and_keeps_t(xp, name):
    params = _params()
    opt = MAKERS[name]()
    grads = {k: _foreign(g) for k, g in _grads(params).items()}
    before = snapshot(opt, params)
    with pytest.raises(TypeError, match="gradient 'W1' is a"):
        opt.update(params, grads)
    assert snapshot(opt, params) == before and opt.t == 0 and all(not s for s in opt.state.values())


@pytest.mark.parametrize("name", ["momentum", "adagrad", "adadelta", "adam", "adamax", "nadam"])
def test_an_optimizer_moved_to_a_network_of_another_shape_changes_nothing(xp, name):
    opt = _stepped(MAKERS[name], _params())
    other = {"W1": xpnet.backend.normal((5, 4)), "b1": xpnet.backend.zeros((4,)),
             "W2": xpnet.backend.normal((4, 2))}
    before = snapshot(opt, other)
    with pytest.raises(ValueError, match=r"parameter 'W1' has shape \(5, 4\), but optimizer state '\w+/W1' "
                                         r"has shape \(3, 4\)"):
        opt.update(other, _grads(other))
    assert snapshot(opt, other) == before and opt.t == 1


@pytest.mark.parametrize("name", ["adam", "adagrad", "momentum"])
def test_state_of_another_dtype_is_refused_before_the_update(xp, name):
    params = _params()
    opt = _stepped(MAKERS[name], params)
    params64 = {k: _float64(v) for k, v in params.items()}
    before = snapshot(opt, params64)
    with pytest.raises(ValueError, match=r"optimizer state '\w+/W1' does not fit its parameter: state 'W1'|"
                                         r"state '\w+/W1' has dtype"):
        opt.update(params64, _grads(params64))
    assert snapshot(opt, params64) == before


def test_pending_loaded_state_of_the_wrong_shape_fails_before_the_update(xp):
    params = _params()
    opt = xo.Adam()
    good = _stepped(xo.Adam, _params()).state_dict()
    good["m/W2"] = np.zeros((3, 3), dtype=np.float32)
    opt.load_state_dict({k: to_numpy(v) if hasattr(v, "shape") else v for k, v in good.items()})
    before = snapshot(opt, params)
    with pytest.raises(ValueError, match=r"parameter 'W2' has shape \(4, 2\), but the loaded optimizer state "
                                         r"'m/W2' has shape \(3, 3\)"):
        opt.update(params, _grads(params))
    assert snapshot(opt, params) == before


def test_a_failing_schedule_changes_nothing_not_even_the_clipping_norm(xp):
    params = _params()

    def schedule(step):
        if step >= 1:
            raise RuntimeError("schedule ran out")
        return 0.01

    opt = xo.Adam(clip_norm=0.1, lr_schedule=schedule)
    opt.update(params, _grads(params))
    before = snapshot(opt, params)
    with pytest.raises(RuntimeError, match="schedule ran out"):
        opt.update(params, _grads(params, scale=7.0))
    assert snapshot(opt, params) == before


def test_a_hyperparameter_set_around_the_checks_fails_before_the_update(xp):
    params = _params()
    opt = _stepped(xo.SGD, params)
    object.__setattr__(opt, "lr", float("nan"))
    before = snapshot(opt, params)
    with pytest.raises(ValueError, match="lr must be a number, got nan"):
        opt.update(params, _grads(params))
    assert snapshot(opt, params) == before


@pytest.mark.parametrize("params, grads, message", [
    ([1, 2], {}, r"update\(params, grads\) takes dicts of name -> array; params is a list"),
    ({}, None, r"update\(params, grads\) takes dicts of name -> array; grads is a NoneType"),
    ({}, [0.1], r"update\(params, grads\) takes dicts of name -> array; grads is a list"),
])
def test_update_with_something_other_than_dicts_names_it(params, grads, message):
    with pytest.raises(TypeError, match=message):
        xo.SGD().update(params, grads)


def test_an_integer_parameter_is_refused_naming_it(xp):
    params = {"n": xpnet.asarray(np.arange(3), dtype="int64")}
    with pytest.raises(TypeError, match=r"parameter 'n' has dtype .*int64.*real floating arrays only"):
        xo.SGD().update(params, {"n": xpnet.asarray(np.arange(3), dtype="int64")})


def test_a_complex_gradient_for_a_number_parameter_is_refused():
    params = {"x": 1.0, "y": 2.0}
    opt = xo.SGD(lr=0.1)
    with pytest.raises(TypeError, match="parameter 'y' is a number, but its gradient is a complex"):
        opt.update(params, {"x": 0.5, "y": 1j})
    assert params == {"x": 1.0, "y": 2.0} and opt.t == 0


@pytest.mark.parametrize("name", ["sgd", "adam", "adamax", "nadam"])
def test_the_flat_path_refuses_gradients_of_another_dtype_and_changes_nothing(xp, name):
    xpnet.seed(1)
    net = MultiLayerNet(4, [3], 2)
    x, t = xpnet.backend.normal((5, 4)), xpnet.asarray(np.array([0, 1, 1, 0, 1]))
    opt = MAKERS[name]()
    opt.update(net.params, net.gradient(x, t))
    with xpnet.backend.use_dtype("float64"):
        xpnet.seed(1)
        net64 = MultiLayerNet(4, [3], 2)
        grads64 = net64.gradient(xpnet.asarray(to_numpy(x), dtype="float64"), t)
    before = snapshot(opt, net.params)
    with pytest.raises(TypeError, match=r"gradient 'W1' has dtype .*float64.*float32"):
        opt.update(net.params, grads64)
    assert snapshot(opt, net.params) == before


@pytest.mark.parametrize("name", ["momentum", "adam", "adadelta"])
def test_the_flat_path_refuses_another_networks_state_and_changes_nothing(xp, name):
    xpnet.seed(1)
    small, large = MultiLayerNet(4, [3], 2), MultiLayerNet(4, [5], 2)
    t = xpnet.asarray(np.array([0, 1, 1, 0, 1]))
    x = xpnet.backend.normal((5, 4))
    opt = MAKERS[name]()
    opt.update(small.params, small.gradient(x, t))
    before = snapshot(opt, large.params)
    with pytest.raises(ValueError, match=r"parameter 'W1' has shape \(4, 5\), but optimizer state '\w+/W1' "
                                         r"has shape \(4, 3\)"):
        opt.update(large.params, large.gradient(x, t))
    assert snapshot(opt, large.params) == before


def test_load_state_dict_of_something_other_than_a_dict_names_it():
    with pytest.raises(TypeError, match=r"load_state_dict takes a dict \(from state_dict\(\)\), "
                                        r"got NoneType"):
        xo.Adam().load_state_dict(None)
    with pytest.raises(TypeError, match=r"load_state_dict's params must be a dict of arrays, got list"):
        xo.Adam().load_state_dict({"t": 0, "lr": 0.1, "beta1": 0.9, "beta2": 0.99, "eps": 1e-7}, params=[1])
