"""CIFAR-10: batches validated, pickles restricted, the book's format, bad archives removed."""

from __future__ import annotations

import io
import os
import pickle
import tarfile

import numpy as np
import pytest
from dataset_files import cache_files, sha256

from xpnet.datasets import cifar10, load_cifar10
from xpnet.datasets._download import RemoteFile

ROWS = 4
NAMES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def _batch(seed, rows=ROWS, **override):
    rng = np.random.default_rng(seed)
    batch = {
        b"batch_label": b"training batch",
        b"labels": [int(v) for v in rng.integers(0, 10, rows)],
        b"data": rng.integers(0, 256, (rows, 3072), dtype=np.uint8),
        b"filenames": [b"img.png"] * rows,
    }
    batch.update({k.encode(): v for k, v in override.items()})
    return {k: v for k, v in batch.items() if v is not None}


def _tar_bytes(batches: dict) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, obj in batches.items():
            raw = obj if isinstance(obj, bytes) else pickle.dumps(obj, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return buffer.getvalue()


def _write(tmp_path, batches) -> str:
    path = tmp_path / "cifar-10-python.tar.gz"
    path.write_bytes(_tar_bytes(batches))
    return path


def test_batches_concatenate_in_order(tmp_path):
    batches = {name: _batch(i) for i, name in enumerate(NAMES)}
    x_train, t_train, x_test, t_test = cifar10.read_cifar10_tar(_write(tmp_path, batches), rows=ROWS)
    expected = (np.uint8, (5 * ROWS, 3, 32, 32), (ROWS, 3, 32, 32))
    assert (x_train.dtype, x_train.shape, x_test.shape) == expected
    assert (t_train.dtype, t_train.shape) == (np.int64, (5 * ROWS,))
    np.testing.assert_array_equal(x_train[ROWS:2 * ROWS].reshape(ROWS, -1), batches["data_batch_2"][b"data"])
    np.testing.assert_array_equal(t_test, batches["test_batch"][b"labels"])


@pytest.mark.parametrize(
    "bad, problem",
    [
        (_batch(9, labels=None), r"missing key\(s\) \['labels'\]"),
        (_batch(9, data=np.zeros((ROWS, 3071), np.uint8)),
         r"'data' must be uint8 of shape \(4, 3072\), got uint8 \(4, 3071\)"),
        (_batch(9, data=np.zeros((ROWS, 3072), np.float32)), r"'data' must be uint8"),
        (_batch(9, labels=[0, 1, 2]), r"'labels' must be 4 integers"),
        (_batch(9, labels=[0, 1, 2, 10]), r"labels must be in 0\.\.9, found 0\.\.10"),
        ([1, 2, 3], "holds a list, not a dict"),
        (b"not a pickle at all", "is not a CIFAR-10 batch"),
    ],
    ids=["no-labels", "short-rows", "float-data", "label-count", "label-range", "not-dict", "garbage"],
)
def test_invalid_batch_is_rejected_naming_it(tmp_path, bad, problem):
    batches = {name: _batch(i) for i, name in enumerate(NAMES)}
    batches["data_batch_3"] = bad
    with pytest.raises(ValueError, match=f"data_batch_3.*{problem}"):
        cifar10.read_cifar10_tar(_write(tmp_path, batches), rows=ROWS)


class _Exploit:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_pickle_with_foreign_globals_is_refused_not_run(tmp_path):
    batches = {name: _batch(i) for i, name in enumerate(NAMES)}
    batches["test_batch"] = {b"data": _Exploit(), b"labels": [0] * ROWS}
    with pytest.raises(ValueError, match=r"test_batch is not a CIFAR-10 batch: UnpicklingError: global "
                                         r"(posix|os|nt)\.system is not allowed"):
        cifar10.read_cifar10_tar(_write(tmp_path, batches), rows=ROWS)


def test_missing_batch_and_non_tar_files_are_rejected(tmp_path):
    batches = {name: _batch(i) for i, name in enumerate(NAMES[:-1])}
    with pytest.raises(ValueError, match="is not the CIFAR-10 python archive: no test_batch"):
        cifar10.read_cifar10_tar(_write(tmp_path, batches), rows=ROWS)
    path = tmp_path / "junk.tar.gz"
    path.write_bytes(b"\x1f\x8b junk")
    with pytest.raises(ValueError, match=r"junk\.tar\.gz is not a readable tar\.gz archive"):
        cifar10.read_cifar10_tar(path, rows=ROWS)


def _serve(server, monkeypatch, body):
    server.routes["/kriz/cifar-10-python.tar.gz"] = ("ok", body)
    remote = RemoteFile("cifar-10-python.tar.gz", sha256(body), (server.url + "/kriz/",))
    monkeypatch.setattr(cifar10, "CIFAR10", remote)
    monkeypatch.setattr(cifar10, "BATCH_ROWS", ROWS)


def test_load_cifar10_gives_the_book_format(http_server, cache, monkeypatch):
    batches = {name: _batch(i) for i, name in enumerate(NAMES)}
    _serve(http_server, monkeypatch, _tar_bytes(batches))
    (x_train, t_train), (x_test, t_test) = load_cifar10()
    assert (x_train.dtype, x_train.shape, x_test.shape) == (np.float32, (20, 3, 32, 32), (4, 3, 32, 32))
    np.testing.assert_array_equal(x_test.reshape(ROWS, -1) * np.float32(255), batches["test_batch"][b"data"])
    (x_flat, _), (_, t_hot) = load_cifar10(normalize=False, flatten=True, one_hot_label=True)
    assert (x_flat.dtype, x_flat.shape) == (np.uint8, (20, 3072))
    assert (t_hot.dtype, t_hot.shape) == (np.float32, (4, 10))
    np.testing.assert_array_equal(t_hot.argmax(axis=1), t_test)
    assert http_server.requests == ["/kriz/cifar-10-python.tar.gz"]  # second call: cache


def test_corrupt_cached_archive_is_removed(http_server, cache, monkeypatch):
    batches = {name: _batch(i) for i, name in enumerate(NAMES)}
    batches["data_batch_1"] = _batch(0, labels=[99] * ROWS)
    _serve(http_server, monkeypatch, _tar_bytes(batches))
    with pytest.raises(ValueError,
                       match=r"data_batch_1: labels must be in 0\.\.9.*cached copy .* was removed"):
        load_cifar10()
    assert cache_files(cache) == []
