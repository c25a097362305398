"""A checkpoint's optimizer state must agree with the network it is loaded with: every state
array names a parameter and has its shape and dtype, checked before anything is assigned. A
refused checkpoint leaves the network and the optimizer exactly as they were (compared bit for
bit)."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet
from xpnet import optimizers as xo
from xpnet.backend import to_numpy
from xpnet.io import load_arrays, load_checkpoint, save_arrays, save_checkpoint
from xpnet.models import MultiLayerNet


def _trained():
    xpnet.seed(0)
    net = MultiLayerNet(4, [3], 2)
    opt = xo.Adam(lr=0.01)
    x, t = xpnet.backend.normal((6, 4)), xpnet.asarray(np.array([0, 1, 1, 0, 1, 0]))
    for _ in range(2):
        opt.update(net.params, net.gradient(x, t))
    return net, opt, (x, t)


def _bits(value):
    if hasattr(value, "shape"):
        a = to_numpy(value)
        return (str(a.dtype), a.shape, a.tobytes())
    return value


def _snapshot(net, opt):
    return ({k: _bits(v) for k, v in net.params.items()},
            {k: _bits(v) for k, v in opt.state_dict().items()},
            dict(opt._pending), opt.t)


def _edited_checkpoint(tmp_path, edit):
    net, opt, _ = _trained()
    path = tmp_path / "c.npz"
    save_checkpoint(path, net, opt, epoch=2)
    arrays = load_arrays(path)
    edit(arrays)
    save_arrays(path, arrays)
    return path


EDITS = {
    "moment of another shape": (lambda a: a.__setitem__("optimizer/m/W1", np.zeros((3, 3), np.float32)),
                                r"optimizer state 'm/W1' has shape \(3, 3\), "
                                r"but its parameter has shape \(4, 3\)"),
    "state for no parameter": (lambda a: a.__setitem__("optimizer/m/W99", np.zeros((3,), np.float32)),
                               r"optimizer state 'm/W99' names no parameter"),
    "moment of another dtype": (lambda a: a.__setitem__("optimizer/v/b1", np.zeros((3,), np.float64)),
                                r"optimizer state 'v/b1' has dtype float64, "
                                r"but its parameter has dtype float32"),
}


@pytest.mark.parametrize("fresh", [True, False], ids=["fresh-optimizer", "used-optimizer"])
@pytest.mark.parametrize("edit", list(EDITS))
def test_optimizer_state_that_does_not_fit_is_refused_and_changes_nothing(xp, tmp_path, edit, fresh):
    change, message = EDITS[edit]
    path = _edited_checkpoint(tmp_path, change)
    xpnet.seed(5)
    net = MultiLayerNet(4, [3], 2)
    opt = xo.Adam(lr=0.01)
    if not fresh:
        _, _, (x, t) = _trained()
        opt.update(net.params, net.gradient(x, t))
    before = _snapshot(net, opt)
    with pytest.raises(ValueError, match=rf"cannot load the optimizer state in .*c\.npz: {message}"):
        load_checkpoint(path, net, opt)
    assert _snapshot(net, opt) == before


def test_a_good_checkpoint_loads_every_moment_now_and_continues_bit_for_bit(xp, tmp_path):
    net, opt, (x, t) = _trained()
    save_checkpoint(tmp_path / "c.npz", net, opt)
    xpnet.seed(9)
    net2, opt2 = MultiLayerNet(4, [3], 2), xo.Adam(lr=0.01)
    load_checkpoint(tmp_path / "c.npz", net2, opt2)
    assert opt2._pending == {} and opt2.t == 2
    opt.update(net.params, net.gradient(x, t))
    opt2.update(net2.params, net2.gradient(x, t))
    for k in net.params:
        assert to_numpy(net.params[k]).tobytes() == to_numpy(net2.params[k]).tobytes(), k
