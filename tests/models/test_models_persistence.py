"""Model checkpoints through xpnet.io: round trip with BatchNorm running statistics; a file that
does not fit (missing or extra key, wrong shape) raises naming the key and changes nothing."""

from __future__ import annotations

import numpy as np
import pytest
from model_checks import batch

import xpnet
from xpnet.backend import to_numpy
from xpnet.models import AlexNet, MultiLayerNetExtend


def _trained_bn_net(seed: int):
    """A BN net whose running statistics are no longer the zeros of construction."""
    xpnet.seed(seed)
    net = MultiLayerNetExtend(6, [5, 4], 3, use_batchnorm=True, use_dropout=True)
    x, t = batch((6,), 8, 3, seed=seed)
    net.gradient(x, t)
    return net


def _host_state(net) -> dict:
    return {**{f"params/{k}": to_numpy(v).copy() for k, v in net.params.items()},
            **{f"buffers/{k}": to_numpy(v).copy() for k, v in net.buffers.items()}}


def _assert_state(net, expected: dict) -> None:
    got = _host_state(net)
    assert sorted(got) == sorted(expected)
    for k, v in expected.items():
        np.testing.assert_array_equal(got[k], v, err_msg=k)


def test_round_trip_restores_params_and_running_stats(xp, tmp_path):
    src = _trained_bn_net(seed=1)
    assert float(xp.sum(xp.abs(src.buffers["BatchNorm1.running_var"]))) > 0, "stats moved off zero"
    path = tmp_path / "net.npz"
    src.save_params(path)
    dst = _trained_bn_net(seed=2)
    layer_W = dst.layers["Affine1"].W
    dst.load_params(path)
    _assert_state(dst, _host_state(src))
    assert dst.layers["Affine1"].W is layer_W, "loading writes into the layers' arrays in place"
    x, _ = batch((6,), 4, 3, seed=9)
    np.testing.assert_array_equal(to_numpy(dst.predict(x)), to_numpy(src.predict(x)))


def test_round_trip_alexnet_with_bn(xp, tmp_path):
    src = AlexNet((1, 28, 28), width=1 / 16, use_batchnorm=True, use_lrn=True)
    path = tmp_path / "alex.npz"
    src.save_params(path)
    dst = AlexNet((1, 28, 28), width=1 / 16, use_batchnorm=True, use_lrn=True)
    dst.load_params(path)
    _assert_state(dst, _host_state(src))


def _rewrite(path, out, change):
    with np.load(path) as f:
        arrays = dict(f)
    change(arrays)
    np.savez(out, **arrays)
    return out


BAD = {
    "missing key": (lambda a: a.pop("params/gamma2"), r"missing from the file: params/gamma2"),
    "extra key": (lambda a: a.update({"params/W9": np.zeros((2, 2), np.float32)}), r"params/W9"),
    "wrong shape": (lambda a: a.update({"params/W2": np.zeros((5, 3), np.float32)}),
                    r"params/W2: shape \(5, 3\) in the file, \(5, 4\) in the model"),
    "wrong buffer shape": (lambda a: a.update({"buffers/BatchNorm1.running_var": np.zeros(7, np.float32)}),
                           r"buffers/BatchNorm1.running_var: shape \(7,\) in the file, \(5,\) in the model"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_checkpoint_raises_and_leaves_model_unchanged(xp, tmp_path, case):
    change, match = BAD[case]
    good = tmp_path / "good.npz"
    _trained_bn_net(seed=1).save_params(good)
    bad = _rewrite(good, tmp_path / "bad.npz", change)
    net = _trained_bn_net(seed=2)
    before = _host_state(net)
    with pytest.raises(ValueError, match=match):
        net.load_params(bad)
    _assert_state(net, before)
