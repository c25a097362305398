"""Weights as safetensors when the name ends in ``.safetensors``: read back by xpnet on any backend
and by torch's own ``safetensors.torch`` loader, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet
from xpnet.backend import to_numpy
from xpnet.io import load_checkpoint, load_params, save_checkpoint, save_params
from xpnet.models import MultiLayerNetExtend
from xpnet.optimizers import Adam

pytest.importorskip("safetensors")


def _net():
    return MultiLayerNetExtend(12, [8, 6], 3, use_batchnorm=True)


def _trained(xp):
    """A network whose params, BatchNorm statistics and Adam state all differ from a fresh one's."""
    net, opt = _net(), Adam(lr=0.01)
    x = xpnet.backend.normal((10, 12))
    t = xpnet.asarray(np.arange(10) % 3)
    for _ in range(3):
        grads = net.gradient(x, t)
        opt.update(net.params, grads)
    return net, opt


def _host(arrays):
    return {k: to_numpy(v).copy() for k, v in arrays.items()}


def test_safetensors_round_trip_on_every_backend(xp, tmp_path):
    net, _ = _trained(xp)
    path = tmp_path / "model.safetensors"
    save_params(path, net)
    assert path.read_bytes()[8:9] == b"{"  # a safetensors header, not a zip archive
    fresh = _net()
    load_params(path, fresh)
    for group in ("params", "buffers"):
        want, got = _host(getattr(net, group)), _host(getattr(fresh, group))
        assert want.keys() == got.keys()
        for k in want:
            np.testing.assert_array_equal(got[k], want[k], err_msg=k)
            assert got[k].dtype == want[k].dtype


def test_torch_safetensors_loader_reads_the_weights(xp, tmp_path):
    torch = pytest.importorskip("torch")
    st_torch = pytest.importorskip("safetensors.torch")
    net, _ = _trained(xp)
    path = tmp_path / "model.safetensors"
    save_params(path, net)
    tensors = st_torch.load_file(str(path))
    expected = {f"params/{k}": v for k, v in _host(net.params).items()}
    expected.update({f"buffers/{k}": v for k, v in _host(net.buffers).items()})
    assert set(tensors) == set(expected)
    for k, v in expected.items():
        assert tensors[k].dtype == torch.float32, k
        np.testing.assert_array_equal(tensors[k].numpy(), v, err_msg=k)
    # and the other way: a file torch wrote loads into the network
    tensors["params/W1"] = tensors["params/W1"] * 2
    other = tmp_path / "from-torch.safetensors"
    st_torch.save_file(tensors, str(other))
    load_params(other, net)
    np.testing.assert_array_equal(to_numpy(net.params["W1"]), 2 * expected["params/W1"])


def test_checkpoint_with_optimizer_and_meta_round_trips(xp, tmp_path):
    net, opt = _trained(xp)
    path = tmp_path / "ckpt.safetensors"
    save_checkpoint(path, net, opt, epoch=3, note="after 3 steps", best=0.5)
    fresh, fresh_opt = _net(), Adam(lr=0.01)
    meta = load_checkpoint(path, fresh, fresh_opt)
    assert meta == {"epoch": 3, "note": "after 3 steps", "best": 0.5}
    want, got = opt.state_dict(), fresh_opt.state_dict()
    assert want.keys() == got.keys()
    for k in want:
        np.testing.assert_array_equal(_value(got[k]), _value(want[k]), err_msg=k)
        assert type(got[k]) is type(want[k]) or hasattr(want[k], "shape"), k


def _value(v):
    return to_numpy(v) if hasattr(v, "shape") else np.asarray(v)


def test_npz_stays_the_default_for_other_names(tmp_path):
    net, _ = _trained(None)
    path = tmp_path / "model.weights"
    save_params(path, net)
    assert path.read_bytes()[:2] == b"PK"


def test_damaged_safetensors_file_is_a_value_error_naming_it(tmp_path):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    net = _net()
    before = _host(net.params)
    with pytest.raises(ValueError, match=r"bad\.safetensors.*not a valid \.safetensors file"):
        load_params(path, net)
    assert all(np.array_equal(v, before[k]) for k, v in _host(net.params).items())
