"""save_params / load_params / save_checkpoint / load_checkpoint on a stand-in network.

The network is the contract only (a ``params`` dict and a ``buffers`` dict of arrays); the
optimizer is a minimal Adam-shaped ``state_dict`` / ``load_state_dict`` pair.
"""

from __future__ import annotations

import numpy as np
import pytest

import xpnet
from xpnet.backend import array_namespace, to_numpy, use_backend
from xpnet.io import load_checkpoint, load_params, save_arrays, save_checkpoint, save_params

# W1 holds NaN and infinities on purpose (their bits must survive): loading warns about them
pytestmark = pytest.mark.filterwarnings("ignore:.*NaN or infinite values in:RuntimeWarning")

CPU_BACKENDS = ("numpy", "array_api_strict", "torch")
# Values whose bits a lossy path would change: NaN, infinities, -0.0, a subnormal, extremes.
SPECIAL = np.array([np.nan, np.inf, -np.inf, -0.0, 1e-45, 3.4028235e38, 1.0 / 3.0], dtype=np.float32)


class FakeNet:
    def __init__(self, params, buffers=None):
        self.params = params
        if buffers is not None:
            self.buffers = buffers


class FakeAdam:
    def __init__(self, lr=0.001):
        self.lr, self.iter, self.m = lr, 0, {}

    def state_dict(self):
        return {"lr": self.lr, "iter": self.iter, **{f"m/{k}": v for k, v in self.m.items()}}

    def load_state_dict(self, state):
        self.lr, self.iter = state["lr"], state["iter"]
        self.m = {k[2:]: v for k, v in state.items() if k.startswith("m/")}


def make_net(fill_random=True):
    """Params and BatchNorm-like buffers on the current backend (zeros unless ``fill_random``)."""
    draw = xpnet.backend.normal if fill_random else xpnet.backend.zeros
    w1 = draw((2, 7))
    if fill_random:
        w1[0, :] = xpnet.asarray(SPECIAL)
    params = {"W1": w1, "b1": draw((7,)), "W2": draw((7, 3)), "W64": draw((3,), dtype="float64")}
    buffers = {
        "BatchNorm1.running_mean": draw((7,)),
        "BatchNorm1.running_var": draw((7,)) + 1,
        "BatchNorm1.count": xpnet.asarray(np.int64(41 if fill_random else 0)),
    }
    return FakeNet(params, buffers)


def host(net) -> dict:
    return {f"{g}/{k}": to_numpy(v).copy() for g in ("params", "buffers") for k, v in getattr(net, g).items()}


def assert_same_bits(net, expected: dict):
    actual = host(net)
    assert sorted(actual) == sorted(expected)
    for key, value in expected.items():
        assert actual[key].dtype == value.dtype and actual[key].shape == value.shape, key
        assert actual[key].tobytes() == value.tobytes(), key


def test_load_params_restores_in_place(xp, tmp_path):
    net = make_net()
    saved, held = host(net), {**net.params, **net.buffers}
    save_params(tmp_path / "p.npz", net)
    for value in held.values():
        value[...] = 0
    load_params(tmp_path / "p.npz", net)
    assert all({**net.params, **net.buffers}[k] is held[k] for k in held)
    assert array_namespace(net.params["W1"]) is xp
    assert_same_bits(net, saved)


def test_checkpoint_round_trips_bit_exactly_across_backends(xp, tmp_path):
    """Saved on the fixture's backend, then loaded and re-saved on every CPU backend in turn."""
    source = make_net()
    original = host(source)
    path = tmp_path / "hop0.npz"
    save_checkpoint(path, source, epoch=1)
    for hop, name in enumerate(CPU_BACKENDS, start=1):
        with use_backend(name):
            target = make_net(fill_random=False)
            assert load_checkpoint(path, target) == {"epoch": 1}
            assert_same_bits(target, original)
            path = tmp_path / f"hop{hop}.npz"
            save_checkpoint(path, target, epoch=1)


def test_checkpoint_restores_optimizer_state_and_meta(xp, tmp_path):
    net, opt = make_net(), FakeAdam(lr=0.01)
    opt.iter, opt.m = 12, {k: v - 1 for k, v in net.params.items()}
    save_checkpoint(tmp_path / "c.npz", net, opt, epoch=3, best_acc=0.97, note="warm start", done=False)
    fresh_net, fresh_opt = make_net(fill_random=False), FakeAdam()
    meta = load_checkpoint(tmp_path / "c.npz", fresh_net, fresh_opt)
    assert meta == {"epoch": 3, "best_acc": 0.97, "note": "warm start", "done": False}
    assert (type(fresh_opt.lr), fresh_opt.lr, type(fresh_opt.iter), fresh_opt.iter) == (float, 0.01, int, 12)
    assert sorted(fresh_opt.m) == sorted(net.params)
    for key, value in fresh_opt.m.items():
        assert array_namespace(value) is xp and value.dtype == opt.m[key].dtype
        assert to_numpy(value).tobytes() == to_numpy(opt.m[key]).tobytes()
    assert_same_bits(fresh_net, host(net))


def test_load_params_reads_a_full_checkpoint(xp, tmp_path):
    net = make_net()
    save_checkpoint(tmp_path / "c.npz", net, FakeAdam(), epoch=2)
    target = make_net(fill_random=False)
    load_params(tmp_path / "c.npz", target)
    assert_same_bits(target, host(net))


def test_network_without_buffers_saves_params_only(xp, tmp_path):
    net = FakeNet({"W": xpnet.backend.normal((2, 2))})
    save_params(tmp_path / "p.npz", net)
    target = FakeNet({"W": xpnet.backend.zeros((2, 2))})
    load_params(tmp_path / "p.npz", target)
    assert to_numpy(target.params["W"]).tobytes() == to_numpy(net.params["W"]).tobytes()


def _drop(key):
    def edit(arrays):
        del arrays[key]
    return edit


def _put(key, value):
    def edit(arrays):
        arrays[key] = value
    return edit


@pytest.mark.parametrize(
    "edit, message",
    [
        (_drop("params/b1"), r"missing from the file: params/b1"),
        (_drop("buffers/BatchNorm1.running_var"), r"missing from the file: buffers/BatchNorm1\.running_var"),
        (_put("params/W3", np.zeros(2, np.float32)),
         r"unexpected in the file \(not in the model\): params/W3"),
        (_put("buffers/BatchNorm2.running_mean", np.zeros(7, np.float32)),
         r"unexpected .*buffers/BatchNorm2"),
        (_put("params/W2", np.zeros((3, 7), np.float32)),
         r"params/W2: shape \(3, 7\) in the file, \(7, 3\) in the model"),
        (_put("params/b1", np.zeros(7, np.float64)),
         r"params/b1: dtype float64 in the file, float32 in the model"),
        (_put("buffers/BatchNorm1.count", np.asarray(1.5)),
         r"BatchNorm1\.count: dtype float64 in the file, int64"),
        (_put("W1", np.zeros((2, 7), np.float32)), r"entries outside params/, buffers/.*: W1"),
    ],
    ids=["missing-param", "missing-buffer", "extra-param", "extra-buffer", "shape", "dtype",
         "buffer-dtype", "no-namespace"],
)
def test_mismatched_file_raises_and_leaves_the_network_unchanged(xp, tmp_path, edit, message):
    arrays = host(make_net())
    edit(arrays)
    path = tmp_path / "bad.npz"
    save_arrays(path, arrays)
    net = make_net()
    before = host(net)
    for load in (load_params, load_checkpoint):
        with pytest.raises(ValueError, match=rf"cannot load .*bad\.npz into FakeNet: .*{message}"):
            load(path, net)
        assert_same_bits(net, before)


def test_all_problems_are_listed_at_once(xp, tmp_path):
    arrays = host(make_net())
    del arrays["params/b1"]
    arrays["params/W2"] = np.zeros((1, 1), np.float32)
    save_arrays(tmp_path / "bad.npz", arrays)
    with pytest.raises(ValueError, match=r"missing from the file: params/b1; params/W2: shape \(1, 1\)"):
        load_params(tmp_path / "bad.npz", make_net())


def test_truncated_checkpoint_raises_naming_the_file_and_changes_nothing(xp, tmp_path):
    path = tmp_path / "ckpt.npz"
    save_checkpoint(path, make_net(), FakeAdam())
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) * 2 // 3])
    net, opt = make_net(), FakeAdam(lr=0.5)
    before = host(net)
    with pytest.raises(ValueError, match=r"cannot read .*ckpt\.npz: not a valid \.npz file"):
        load_checkpoint(path, net, opt)
    assert_same_bits(net, before)
    assert opt.lr == 0.5


def test_missing_optimizer_state_is_an_error_before_any_change(xp, tmp_path):
    save_checkpoint(tmp_path / "c.npz", make_net())
    net = make_net()
    before = host(net)
    with pytest.raises(ValueError, match=r"c\.npz holds none \(it was saved without an optimizer\)"):
        load_checkpoint(tmp_path / "c.npz", net, FakeAdam())
    assert_same_bits(net, before)


def test_optimizer_rejecting_its_state_leaves_the_network_unchanged(xp, tmp_path):
    class Picky(FakeAdam):
        def load_state_dict(self, state):
            raise ValueError(f"Picky cannot use lr={state['lr']}")

    save_checkpoint(tmp_path / "c.npz", make_net(), FakeAdam(lr=3.0))
    net = make_net()
    before = host(net)
    with pytest.raises(ValueError, match="Picky cannot use lr=3.0"):
        load_checkpoint(tmp_path / "c.npz", net, Picky())
    assert_same_bits(net, before)


def test_bad_meta_and_bad_networks_are_type_errors(xp, tmp_path):
    with pytest.raises(TypeError, match=r"checkpoint meta history=\[1, 2\]"):
        save_checkpoint(tmp_path / "c.npz", make_net(), history=[1, 2])
    with pytest.raises(TypeError, match="object has no 'params' dict"):
        save_params(tmp_path / "c.npz", object())
    assert not (tmp_path / "c.npz").exists()
