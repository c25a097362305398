"""``save_params(path)`` with a ``.pkl`` name writes the book's ``params.pkl``: a pickled dict of
NumPy arrays, read back here the way the book's ``SimpleConvNet.load_params`` does it
(``pickle.load`` and ``self.params[key] = val``)."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

import xpnet
from xpnet.backend import to_numpy
from xpnet.io import save_checkpoint, save_params
from xpnet.models import MultiLayerNetExtend, SimpleConvNet


def _convnet():
    return SimpleConvNet((1, 6, 6), {"filter_num": 2, "filter_size": 3, "pad": 1, "stride": 1},
                         hidden_size=4, output_size=3, weight_init_std=0.3)


@pytest.mark.parametrize("name", ["params.pkl", "params.PICKLE"])
def test_pkl_name_writes_the_books_pickle_of_numpy_params(xp, tmp_path, name):
    xpnet.seed(0)
    net = _convnet()
    path = tmp_path / name
    net.save_params(str(path))
    with open(path, "rb") as f:
        params = pickle.load(f)
    assert type(params) is dict and sorted(params) == sorted(net.params)
    for key, value in params.items():
        assert type(value) is np.ndarray
        np.testing.assert_array_equal(value, to_numpy(net.params[key]))
    # the book's load_params: self.params[key] = val (xpnet's params rebind the layers too)
    xpnet.seed(1)
    other = _convnet()
    for key, val in params.items():
        other.params[key] = xpnet.asarray(val)
    x = xpnet.asarray(np.random.default_rng(0).standard_normal((2, 1, 6, 6)))
    np.testing.assert_array_equal(to_numpy(other.predict(x)), to_numpy(net.predict(x)))
    assert os.listdir(tmp_path) == [name], "no temporary file is left behind"


def test_pkl_name_refuses_a_network_with_buffers_and_leaves_the_old_file(xp, tmp_path):
    net = MultiLayerNetExtend(6, [5], 3, use_batchnorm=True)
    path = tmp_path / "params.pkl"
    path.write_bytes(b"old")
    with pytest.raises(ValueError, match=r"only params.*buffers \(BatchNorm1\.running_mean, "
                                         r"BatchNorm1\.running_var\); save to a \.npz name"):
        save_params(path, net)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["params.pkl"]


def test_npz_name_is_unchanged_by_the_pickle_writer(xp, tmp_path):
    net = MultiLayerNetExtend(6, [5], 3, use_batchnorm=True)
    net.save_params(str(tmp_path / "params.npz"))
    with np.load(tmp_path / "params.npz", allow_pickle=False) as npz:
        assert "buffers/BatchNorm1.running_mean" in npz.files


def test_checkpoint_to_a_pkl_name_is_refused(xp, tmp_path):
    with pytest.raises(ValueError, match=r"checkpoints are \.npz"):
        save_checkpoint(tmp_path / "ckpt.pkl", _convnet())
    assert os.listdir(tmp_path) == []
