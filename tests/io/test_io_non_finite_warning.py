"""Loading weights that hold NaN or infinities (a network saved after its training diverged)
warns, naming the arrays; finite weights load silently."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import xpnet
from xpnet.backend import to_numpy
from xpnet.io import load_book_params, load_checkpoint, load_params, save_checkpoint, save_params
from xpnet.models import MultiLayerNet


def _net(seed=0):
    xpnet.seed(seed)
    return MultiLayerNet(4, [3], 2)


def _poisoned(tmp_path, save):
    net = _net()
    xp = xpnet.backend.array_namespace(net.params["W1"])
    net.params["W1"][...] = xp.nan
    net.params["b2"][0] = xp.inf
    path = tmp_path / "diverged.npz"
    save(path, net)
    return path, {k: to_numpy(v).copy() for k, v in net.params.items()}


@pytest.mark.parametrize("load, save", [
    (load_params, save_params),
    (lambda path, net: load_checkpoint(path, net), lambda path, net: save_checkpoint(path, net, epoch=3)),
])
def test_loading_nan_weights_warns_naming_the_arrays_and_still_loads_them(xp, tmp_path, load, save):
    path, saved = _poisoned(tmp_path, save)
    net = _net(seed=1)
    with pytest.warns(RuntimeWarning, match=r"diverged\.npz: NaN or infinite values in params/W1 \(all 12\), "
                                            r"params/b2 \(1 of 2\); a network with them predicts NaN"):
        load(path, net)
    for key, value in saved.items():  # the file's bits, as saved
        assert to_numpy(net.params[key]).tobytes() == value.tobytes(), key


def test_finite_weights_load_without_a_warning(xp, tmp_path):
    save_params(tmp_path / "ok.npz", _net())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_params(tmp_path / "ok.npz", _net(seed=1))


def test_the_books_pickle_with_nan_warns_too(xp, tmp_path):
    params = {k: to_numpy(v).astype(np.float64) for k, v in _net().params.items()}
    params["W2"][1, 0] = np.nan
    with open(tmp_path / "params.pkl", "wb") as f:
        pickle.dump(params, f)
    with pytest.warns(RuntimeWarning, match=r"params\.pkl: NaN or infinite values in W2 \(1 of 6\)"):
        load_book_params(tmp_path / "params.pkl", _net(seed=1))


def test_each_loader_given_the_other_format_says_which_loader_to_use(tmp_path):
    save_params(tmp_path / "w.npz", _net())
    params = {k: to_numpy(v) for k, v in _net().params.items()}
    (tmp_path / "w.pkl").write_bytes(pickle.dumps(params))
    with pytest.raises(ValueError, match=r"w\.npz: not a valid pickle .*: it is a \.npz archive .* "
                                         r"load it with xpnet\.io\.load_params"):
        load_book_params(tmp_path / "w.npz", _net())
    with pytest.raises(ValueError, match=r"w\.pkl: not a valid \.npz file: it is a pickle, .* "
                                         r"load it with xpnet\.io\.load_book_params"):
        load_params(tmp_path / "w.pkl", _net())


def test_a_directory_given_to_a_loader_is_named(tmp_path):
    with pytest.raises(IsADirectoryError, match=rf"cannot read {tmp_path}: it is a directory, not a \.npz"):
        load_params(tmp_path, _net())
    with pytest.raises(IsADirectoryError, match=rf"cannot read {tmp_path}: it is a directory, not a pickle"):
        load_book_params(tmp_path, _net())


def test_a_checkpoint_of_something_that_is_no_optimizer_is_refused(tmp_path):
    with pytest.raises(TypeError, match=r"cannot checkpoint a object as the optimizer: it has no state_dict"):
        save_checkpoint(tmp_path / "c.npz", _net(), object())
    assert not (tmp_path / "c.npz").exists()
