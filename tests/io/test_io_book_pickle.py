"""The book's ``save_params`` pickles load into xpnet's convnets on every backend, and a pickle
that tries to run code is refused before it runs.

The pickles are written here in the book's format (``pickle.dump`` of a dict of float64 arrays);
the book's own files are not shipped. Predictions after loading are checked against an
independent forward pass written with ``torch.nn.functional``.
"""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from xpnet.backend import to_numpy
from xpnet.io import BookUnpickler, PickleRefusedError, load_book_params, read_book_pickle
from xpnet.models import DeepConvNet, SimpleConvNet

torch = pytest.importorskip("torch")  # a run without torch (XPNET_TEST_BACKENDS) skips this module
F = torch.nn.functional

DEEP_PADS = (1, 1, 1, 2, 1, 1)  # the book's DeepConvNet conv_param_1..6


def book_params(network, seed=0) -> dict:
    """Random float64 arrays with the network's names and shapes (what the book's pickle holds)."""
    rng = np.random.default_rng(seed)
    return {k: rng.normal(0.0, 0.1, size=tuple(v.shape)) for k, v in network.params.items()}


def write_pickle(path, params, protocol=pickle.DEFAULT_PROTOCOL, numpy1=False):
    data = pickle.dumps(params, protocol=protocol)
    if numpy1:  # what NumPy 1.x writes: numpy.core, not numpy._core
        data = data.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
        assert b"numpy.core.multiarray" in data
    path.write_bytes(data)
    return path


def torch_simple(p, x):
    t = {k: torch.from_numpy(v) for k, v in p.items()}
    h = F.max_pool2d(F.relu(F.conv2d(x, t["W1"], t["b1"])), 2, 2)
    h = F.relu(h.flatten(1) @ t["W2"] + t["b2"])
    return h @ t["W3"] + t["b3"]


def torch_deep(p, x):
    t = {k: torch.from_numpy(v) for k, v in p.items()}
    h = x
    for i, pad in enumerate(DEEP_PADS, 1):
        h = F.relu(F.conv2d(h, t[f"W{i}"], t[f"b{i}"], padding=pad))
        if i % 2 == 0:
            h = F.max_pool2d(h, 2, 2)
    h = F.relu(h.flatten(1) @ t["W7"] + t["b7"]) * 0.5  # the book's Dropout at test time: x * (1 - 0.5)
    return (h @ t["W8"] + t["b8"]) * 0.5


@pytest.mark.parametrize("make, reference", [(SimpleConvNet, torch_simple), (DeepConvNet, torch_deep)],
                         ids=["SimpleConvNet", "DeepConvNet"])
def test_book_pickle_loads_and_predicts_like_an_independent_forward(xp, tmp_path, make, reference):
    network = make()
    params = book_params(network)
    load_book_params(write_pickle(tmp_path / "params.pkl", params), network)
    for key, value in params.items():
        assert type(network.params[key]) is type(xp.asarray(0.0))
        assert "float32" in str(network.params[key].dtype)
        np.testing.assert_allclose(to_numpy(network.params[key]), value.astype(np.float32), rtol=0, atol=0)
    x = np.random.default_rng(1).uniform(0.0, 1.0, size=(4, 1, 28, 28))
    expected = reference(params, torch.from_numpy(x)).numpy()
    got = to_numpy(network.predict(xp.asarray(x, dtype=xp.float32), train_flg=False))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5 * np.abs(expected).max())


# NumPy 1.x files are made from NumPy 2 ones by renaming numpy._core to numpy.core, which only
# the text GLOBAL opcode of protocols 0-3 allows (4 and 5 frame and length-prefix the names);
# the book's files are protocol 3. find_class itself is checked for every name below.
@pytest.mark.parametrize("protocol, numpy1", [(p, False) for p in range(6)] + [(p, True) for p in range(4)])
def test_every_pickle_protocol_of_numpy_1_and_2_is_read(tmp_path, protocol, numpy1):
    arrays = {"W1": np.arange(12.0).reshape(3, 4), "b1": np.zeros(4, np.float32),
              "Wt": np.arange(6.0).reshape(2, 3).T, "n": np.arange(3, dtype=np.int64)}
    data = pickle.dumps(arrays, protocol=protocol)
    if numpy1:
        data = data.replace(b"numpy._core", b"numpy.core")
    (tmp_path / "a.pkl").write_bytes(data)
    loaded = read_book_pickle(tmp_path / "a.pkl")
    assert sorted(loaded) == sorted(arrays)
    for key, value in arrays.items():
        assert loaded[key].dtype == value.dtype
        np.testing.assert_array_equal(loaded[key], value)


@pytest.mark.parametrize("module", ["numpy.core", "numpy._core"])
def test_both_numpy_module_spellings_resolve_to_the_array_rebuilders(tmp_path, module):
    path = tmp_path / "x.pkl"
    path.write_bytes(pickle.dumps({}))
    with open(path, "rb") as f:
        unpickler = BookUnpickler(f)
        rebuild = unpickler.find_class(f"{module}.multiarray", "_reconstruct")
        frombuffer = unpickler.find_class(f"{module}.numeric", "_frombuffer")
    assert rebuild(np.ndarray, (0,), b"b").shape == (0,)
    np.testing.assert_array_equal(frombuffer(bytearray(8), np.dtype("f4"), (2,), "C"), np.zeros(2, "f4"))


class _RunsCode:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


class _Evals:
    def __reduce__(self):
        return (eval, ("__import__('os').getcwd()",))


@pytest.mark.parametrize("payload", ["os.system", "builtins.eval"])
def test_a_pickle_that_tries_to_run_code_is_refused_and_nothing_runs(tmp_path, payload):
    marker = tmp_path / "ran"
    evil = _RunsCode(f"touch {marker}") if payload == "os.system" else _Evals()
    path = tmp_path / "params.pkl"
    path.write_bytes(pickle.dumps({"W1": np.zeros(3), "b1": evil}))
    network = SimpleConvNet()
    before = {k: to_numpy(v).copy() for k, v in network.params.items()}
    with pytest.raises(PickleRefusedError,
                       match=r"refused to load the global (posix|os|nt)\.system|builtins\.eval"):
        load_book_params(path, network)
    assert not marker.exists()
    for key, value in before.items():
        np.testing.assert_array_equal(to_numpy(network.params[key]), value)


def test_codecs_encode_is_admitted_only_for_latin1(tmp_path):
    path = tmp_path / "p.pkl"
    # protocol 0 text: _codecs.encode('abc', 'rot13') as the value
    path.write_bytes(b"c_codecs\nencode\n(Vabc\nVrot13\ntR.")
    with pytest.raises(PickleRefusedError, match="only latin1"):
        read_book_pickle(path)


@pytest.mark.parametrize("content, message", [
    ([np.zeros(3)], "holds a list, not the book's dict"),
    ({1: np.zeros(3)}, "key 1 is a int"),
    ({"W1": [1.0, 2.0]}, "'W1' is a list, expected a NumPy array"),
    ({"W1": np.array([None, 1], dtype=object)}, "'W1' has dtype object"),
])
def test_anything_but_a_dict_of_numeric_arrays_is_refused(tmp_path, content, message):
    path = tmp_path / "p.pkl"
    path.write_bytes(pickle.dumps(content))
    with pytest.raises(ValueError, match=message):
        read_book_pickle(path)


def test_not_a_pickle_or_truncated_names_the_file(tmp_path):
    path = tmp_path / "params.pkl"
    path.write_bytes(pickle.dumps({"W1": np.zeros(100)})[:50])
    with pytest.raises(ValueError, match=r"cannot read .*params\.pkl: not a valid pickle"):
        read_book_pickle(path)
    path.write_bytes(b"PK\x03\x04 an npz, not a pickle")
    with pytest.raises(ValueError, match="not a valid pickle"):
        read_book_pickle(path)


@pytest.mark.parametrize("change, message", [
    (lambda p: p.pop("W3"), "missing from the file: W3"),
    (lambda p: p.update(W9=np.zeros(2)), "unexpected in the file .*W9"),
    (lambda p: p.update(W2=np.zeros((100, 100))),
     r"W2: shape \(100, 100\) in the file, \(4320, 100\) in the model"),
    (lambda p: p.update(b1=np.zeros(30, dtype=np.int64)),
     "b1: dtype int64 in the file, float32 in the model"),
])
def test_a_file_that_does_not_fit_changes_nothing(xp, tmp_path, change, message):
    network = SimpleConvNet()
    before = {k: to_numpy(v).copy() for k, v in network.params.items()}
    params = book_params(network)
    change(params)
    with pytest.raises(ValueError, match=message):
        load_book_params(write_pickle(tmp_path / "params.pkl", params), network)
    for key, value in before.items():
        np.testing.assert_array_equal(to_numpy(network.params[key]), value)


class _HugeArray:
    """A few bytes of pickle asking NumPy for a 256 TiB array."""

    def __init__(self, through_reconstruct):
        self.through_reconstruct = through_reconstruct

    def __reduce__(self):
        if self.through_reconstruct:
            from numpy._core.multiarray import _reconstruct

            return (_reconstruct, (np.ndarray, (2**45,), np.dtype("f8")))
        return (np.ndarray, ((2**45,), np.dtype("f8")))


@pytest.mark.parametrize("through_reconstruct", [True, False], ids=["_reconstruct", "ndarray"])
def test_an_array_larger_than_the_file_is_refused_before_it_is_allocated(tmp_path, through_reconstruct):
    path = tmp_path / "huge.pkl"
    path.write_bytes(pickle.dumps({"W1": _HugeArray(through_reconstruct)}, protocol=2))
    expected = (r"an array of shape \(35184372088832,\) \(281,474,976,710,656 bytes\) is larger than the file"
                if through_reconstruct else r"refused to call numpy.ndarray directly")
    with pytest.raises(PickleRefusedError, match=rf"cannot load .*huge\.pkl: {expected}"):
        read_book_pickle(path)
