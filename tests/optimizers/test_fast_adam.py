"""Adam's NumPy flat update equals the portable per-parameter update bit for bit.

The portable twin runs on array-api-strict (NumPy underneath, the same float32 operations in
the same order, one parameter at a time), so the two must agree exactly, step after step,
including across a state_dict round trip that replaces the state arrays.
"""

import numpy as np
import pytest

import xpnet
from xpnet import optimizers as xo
from xpnet.backend import to_numpy

SHAPES = {"W1": (7, 5), "b1": (5,), "W2": (5, 3), "b2": (3,), "scale": ()}
MAKERS = {
    "adam-book": lambda: xo.Adam(lr=0.01),
    "adam-torch": lambda: xo.Adam(lr=0.01, form="torch"),
    "adamw": lambda: xo.AdamW(lr=0.01, weight_decay=0.1),
}


def _run(backend, make, steps, reload_at=None):
    rng = np.random.default_rng(3)
    host_params = {k: rng.standard_normal(s).astype(np.float32) for k, s in SHAPES.items()}
    host_grads = [{k: rng.standard_normal(s).astype(np.float32) for k, s in SHAPES.items()}
                  for _ in range(steps)]
    with xpnet.use_backend(backend):
        params = {k: xpnet.asarray(v, copy=True) for k, v in host_params.items()}
        opt = make()
        for i, g in enumerate(host_grads):
            if i == reload_at:
                state = {k: (to_numpy(v) if hasattr(v, "shape") else v) for k, v in opt.state_dict().items()}
                opt = make()
                opt.load_state_dict(state, params)
            opt.update(params, {k: xpnet.asarray(v) for k, v in g.items()})
        v = {k: to_numpy(a) for k, a in opt.state["v"].items()}
        return {k: to_numpy(p) for k, p in params.items()}, v


@pytest.mark.parametrize("name", MAKERS)
@pytest.mark.parametrize("reload_at", [None, 2])
def test_flat_numpy_update_equals_portable_twin_bit_for_bit(name, reload_at):
    fast_p, fast_v = _run("numpy", MAKERS[name], 4, reload_at)
    slow_p, slow_v = _run("array_api_strict", MAKERS[name], 4, reload_at)
    for key in SHAPES:
        assert fast_p[key].dtype == np.float32 and fast_p[key].shape == SHAPES[key]
        np.testing.assert_array_equal(fast_p[key], slow_p[key])
        np.testing.assert_array_equal(fast_v[key], slow_v[key])


def test_flat_path_is_taken_and_state_stays_per_key_views():
    with xpnet.use_backend("numpy"):
        params = {k: xpnet.backend.normal(s) for k, s in SHAPES.items()}
        opt = xo.Adam()
        opt.update(params, {k: xpnet.backend.normal(s) for k, s in SHAPES.items()})
        assert opt._flat is not None  # the fast path ran
        for key, shape in SHAPES.items():
            assert opt.m[key].shape == shape and np.shares_memory(opt.m[key], opt._flat["buffers"][0])


def test_nadam_and_adamax_keep_the_portable_path():
    with xpnet.use_backend("numpy"):
        for opt in (xo.Nadam(), xo.Adamax()):
            params = {"w": xpnet.backend.normal((3,))}
            opt.update(params, {"w": xpnet.backend.normal((3,))})
            assert getattr(opt, "_flat", None) is None
