"""In-place updates, float32 kept (state included), state_dict round trips (also through .npz
on the host, as a checkpoint does) continuing bit for bit, and load_state_dict's checks."""

import io
import math

import numpy as np
import pytest

import xpnet
from xpnet import optimizers as xo
from xpnet.backend import array_namespace, to_numpy

# every optimizer, and the forms/switches that change the state's layout
MAKERS = {
    "sgd": lambda: xo.SGD(lr=0.1),
    "momentum": lambda: xo.Momentum(lr=0.05),
    "momentum-torch": lambda: xo.Momentum(lr=0.05, form="torch"),
    "nesterov": lambda: xo.Nesterov(lr=0.05),
    "adagrad": lambda: xo.AdaGrad(lr=0.1),
    "rmsprop": lambda: xo.RMSprop(lr=0.01),
    "adadelta": lambda: xo.AdaDelta(),
    "adam": lambda: xo.Adam(lr=0.01),
    "adam-clip-schedule": lambda: xo.Adam(lr=0.01, clip_norm=1.0, lr_schedule=xo.CosineDecay(0.01, 6)),
    "adamw": lambda: xo.AdamW(lr=0.01),
    "adamax": lambda: xo.Adamax(),
    "nadam": lambda: xo.Nadam(),
}


def _params(rng, dtype):
    return {"W1": xpnet.asarray(rng.normal(size=(3, 4)), dtype=dtype),
            "b1": xpnet.asarray(rng.normal(size=(4,)), dtype=dtype)}


def _grads(rng, dtype, n):
    return [{"W1": xpnet.asarray(rng.normal(size=(3, 4)) * 3, dtype=dtype),
             "b1": xpnet.asarray(rng.normal(size=(4,)), dtype=dtype)} for _ in range(n)]


def _copy(params):
    return {k: array_namespace(v).asarray(v, copy=True) for k, v in params.items()}


def _through_npz(state):
    """What a checkpoint gives back: host NumPy arrays, scalars as 0-d arrays."""
    buf = io.BytesIO()
    np.savez(buf, **{k: to_numpy(v) if hasattr(v, "shape") else np.asarray(v) for k, v in state.items()})
    buf.seek(0)
    with np.load(buf) as f:
        return {k: f[k] for k in f.files}


def _assert_same_state(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert sorted(sa) == sorted(sb)
    for k in sa:
        if hasattr(sa[k], "shape"):
            a, b = to_numpy(sa[k]), to_numpy(sb[k])  # b may still be the loaded host array
            assert a.dtype == b.dtype, k
            np.testing.assert_array_equal(a, b, err_msg=k)
        else:
            assert sa[k] == sb[k], k


@pytest.mark.parametrize("name", list(MAKERS))
def test_update_changes_the_callers_arrays_in_place(xp, name):
    rng = np.random.default_rng(0)
    params = _params(rng, "float32")
    held = dict(params)  # a layer holding the same array objects
    before = {k: to_numpy(v).copy() for k, v in params.items()}
    opt = MAKERS[name]()
    for g in _grads(rng, "float32", 2):
        opt.update(params, g)
    for k in params:
        assert params[k] is held[k]
        assert not np.array_equal(to_numpy(held[k]), before[k]), f"{k} did not change"


@pytest.mark.parametrize("name", list(MAKERS))
def test_float32_parameters_and_state_stay_float32(xp, name):
    rng = np.random.default_rng(1)
    params = _params(rng, "float32")
    opt = MAKERS[name]()
    # NumPy float64 scalars as hyperparameters must not promote anything
    opt.lr = np.float64(opt.lr)
    assert type(opt.lr) is float
    if opt.lr_schedule is not None:
        base = opt.lr_schedule
        opt.lr_schedule = lambda t: np.float64(base(t))
    grads = _grads(rng, "float32", 3)
    for g in grads:
        opt.update(params, g)
    assert all(p.dtype == xp.float32 for p in params.values())
    for slot, arrays in opt.state.items():
        for k, a in arrays.items():
            assert array_namespace(a) is xp and a.dtype == xp.float32, f"{slot}/{k}: {a.dtype}"
    for k, v in opt.state_dict().items():
        assert (v.dtype == xp.float32) if hasattr(v, "shape") else isinstance(v, (int, float)), k


@pytest.mark.parametrize("via", ["direct", "npz"])
@pytest.mark.parametrize("name", list(MAKERS))
def test_state_round_trip_continues_bit_identically(xp, name, via):
    rng = np.random.default_rng(2)
    params = _params(rng, "float32")
    grads = _grads(rng, "float32", 8)
    opt = MAKERS[name]()
    for g in grads[:3]:
        opt.update(params, g)
    state = opt.state_dict()
    fresh = MAKERS[name]()
    fresh.load_state_dict(_through_npz(state) if via == "npz" else state)
    _assert_same_state(opt, fresh)
    twin = _copy(params)
    for g in grads[3:]:
        opt.update(params, g)
        fresh.update(twin, g)
    for k in params:
        assert twin[k].dtype == params[k].dtype
        np.testing.assert_array_equal(to_numpy(twin[k]), to_numpy(params[k]), err_msg=k)
    _assert_same_state(opt, fresh)


def test_state_dict_is_flat_and_a_snapshot(xp):
    rng = np.random.default_rng(3)
    params = _params(rng, "float32")
    grads = _grads(rng, "float32", 2)
    opt = xo.Adam(lr=0.01)
    opt.update(params, grads[0])
    state = opt.state_dict()
    assert sorted(state) == ["beta1", "beta2", "eps", "lr", "m/W1", "m/b1", "t", "v/W1", "v/b1"]
    assert state["t"] == 1 and isinstance(state["t"], int) and state["lr"] == 0.01
    saved = to_numpy(state["m/W1"]).copy()
    opt.update(params, grads[1])
    np.testing.assert_array_equal(to_numpy(state["m/W1"]), saved)  # not aliased to live state


def test_loaded_state_moves_onto_the_parameters_backend_eagerly_with_params(xp):
    rng = np.random.default_rng(4)
    params = _params(rng, "float32")
    opt = xo.Momentum(lr=0.1)
    opt.update(params, _grads(rng, "float32", 1)[0])
    host = _through_npz(opt.state_dict())
    fresh = xo.Momentum(lr=0.1)
    fresh.load_state_dict(host, params=params)
    v = fresh.v["W1"]  # the book's attribute name for the slot
    assert array_namespace(v) is xp and v.dtype == xp.float32 and tuple(v.shape) == (3, 4)


def test_nadam_scalar_state_survives_the_round_trip(xp):
    rng = np.random.default_rng(5)
    params = _params(rng, "float32")
    opt = xo.Nadam()
    for g in _grads(rng, "float32", 4):
        opt.update(params, g)
    fresh = xo.Nadam(momentum_decay=math.inf)
    fresh.load_state_dict(_through_npz(opt.state_dict()))
    assert fresh.mu_product == opt.mu_product and fresh.momentum_decay == 0.004 and fresh.t == 4


def test_load_rejects_unknown_missing_and_misshapen_entries(xp):
    rng = np.random.default_rng(6)
    params = _params(rng, "float32")
    opt = xo.Adam()
    opt.update(params, _grads(rng, "float32", 1)[0])
    good = opt.state_dict()
    with pytest.raises(ValueError, match="'u/W1'"):
        xo.Adam().load_state_dict({**good, "u/W1": good["v/W1"]})
    with pytest.raises(ValueError, match="missing 'beta2'"):
        xo.Adam().load_state_dict({k: v for k, v in good.items() if k != "beta2"})
    with pytest.raises(ValueError, match=r"'m/W1' has shape \(4,\)"):
        xo.Adam().load_state_dict({**good, "m/W1": good["m/b1"]}, params=params)
    with pytest.raises(ValueError, match="'m/W9' names no parameter"):
        xo.Adam().load_state_dict({**good, "m/W9": good["m/b1"]}, params=params)
    with pytest.raises(ValueError, match=r"'t' must be a non-negative integer, got -1"):
        xo.Adam().load_state_dict({**good, "t": -1})
    with pytest.raises(ValueError, match=r"beta1 must be in \[0, 1\), got 1.5"):
        xo.Adam().load_state_dict({**good, "beta1": 1.5})
    with pytest.raises(ValueError, match="'weight_decay'"):
        xo.Adam().load_state_dict(xo.AdamW().state_dict())  # AdamW's state is not Adam's
    with pytest.raises(ValueError, match="'v/W1'"):
        xo.Adamax().load_state_dict(good)  # Adam's v is not Adamax's u
    with pytest.raises(ValueError, match="'momentum_buffer/W1'"):
        xo.Momentum(form="book").load_state_dict(
            {"t": 1, "lr": 0.01, "momentum": 0.9, "momentum_buffer/W1": good["m/W1"]})


def test_lazily_loaded_state_is_shape_checked_at_first_update(xp):
    rng = np.random.default_rng(7)
    params = _params(rng, "float32")
    opt = xo.AdaGrad()
    opt.load_state_dict({"t": 2, "lr": 0.01, "eps": 1e-7, "h/W1": np.ones((4, 3), dtype=np.float32)})
    assert "h/W1" in opt.state_dict()  # held until its parameter is seen
    with pytest.raises(ValueError, match=r"'h/W1' has shape \(4, 3\)"):
        opt.update(params, _grads(rng, "float32", 1)[0])


def test_update_rejects_missing_or_misshapen_gradients(xp):
    rng = np.random.default_rng(8)
    params = _params(rng, "float32")
    g = _grads(rng, "float32", 1)[0]
    with pytest.raises(ValueError, match="no gradient for parameter 'b1'"):
        xo.SGD().update(params, {"W1": g["W1"]})
    with pytest.raises(ValueError, match=r"gradient 'W1' has shape \(4,\)"):
        xo.SGD().update(params, {"W1": g["b1"], "b1": g["b1"]})


def test_every_registered_optimizer_has_a_row_in_makers():
    """An optimizer in ``OPTIMIZERS`` without a row in MAKERS escapes the state round-trip: add one."""
    covered = {type(make()) for make in MAKERS.values()}
    missing = sorted(name for name, cls in xo.OPTIMIZERS.items() if cls not in covered)
    assert not missing, f"optimizers with no row in MAKERS: {missing}"
