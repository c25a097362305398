"""MNIST loaders: the embedded split, the book's formats, sources, and the offline messages."""

from __future__ import annotations

import hashlib
import logging
from importlib import resources

import numpy as np
import pytest
from dataset_files import idx_bytes, sha256

from xpnet.backend import use_dtype
from xpnet.datasets import DownloadError, load_fashion_mnist, load_mnist, mnist
from xpnet.datasets._download import RemoteFile

LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
FIRST_LABELS = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


@pytest.fixture(scope="module")
def embedded_raw():
    return load_mnist(normalize=False, source="embedded")


def test_embedded_normalized_shapes_and_dtypes():
    (x_train, t_train), (x_test, t_test) = load_mnist(source="embedded")
    assert (x_train.dtype, x_train.shape) == (np.float32, (8000, 784))
    assert (t_train.dtype, t_train.shape) == (np.int64, (8000,))
    assert (x_test.dtype, x_test.shape) == (np.float32, (2000, 784))
    assert (t_test.dtype, t_test.shape) == (np.int64, (2000,))
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0 and x_train.max() > 0.99


def test_embedded_raw_pixels_are_uint8_and_normalize_divides_by_255(embedded_raw):
    (raw_train, _), (raw_test, _) = embedded_raw
    (x_train, _), _ = load_mnist(normalize=True, source="embedded")
    assert raw_train.dtype == np.uint8 and raw_test.shape == (2000, 784)
    np.testing.assert_array_equal(x_train, raw_train.astype(np.float32) / np.float32(255))


def test_embedded_labels_are_the_official_test_set(embedded_raw):
    (_, t_train), (_, t_test) = embedded_raw
    assert t_train[:10].tolist() == FIRST_LABELS
    assert np.bincount(np.concatenate([t_train, t_test]), minlength=10).tolist() == LABEL_COUNTS
    assert set(np.unique(t_test).tolist()) == set(range(10))


def test_one_hot_labels_are_float32_rows_of_the_plain_labels(embedded_raw):
    (_, t_plain), (_, t_plain_test) = embedded_raw
    (_, t_train), (_, t_test) = load_mnist(one_hot_label=True, source="embedded")
    assert (t_train.dtype, t_train.shape, t_test.shape) == (np.float32, (8000, 10), (2000, 10))
    np.testing.assert_array_equal(t_train.sum(axis=1), 1.0)
    np.testing.assert_array_equal(t_train.argmax(axis=1), t_plain)
    np.testing.assert_array_equal(t_test.argmax(axis=1), t_plain_test)


def test_a_float64_setting_gives_float64_pixels_and_one_hot_rows(embedded_raw):
    """A float64 network (``DL_DTYPE=float64``) gets float64 data, as the book's scripts feed
    ``load_mnist``'s arrays straight to it; the pixels are the same values."""
    (raw_train, _), _ = embedded_raw
    with use_dtype("float64"):
        (x_train, t_train), _ = load_mnist(one_hot_label=True, source="embedded")
    assert x_train.dtype == np.float64 and t_train.dtype == np.float64
    np.testing.assert_array_equal(x_train, raw_train / 255.0)


def test_flatten_false_gives_one_channel_images(embedded_raw):
    (flat, _), _ = embedded_raw
    (x_train, _), (x_test, _) = load_mnist(normalize=False, flatten=False, source="embedded")
    assert x_train.shape == (8000, 1, 28, 28) and x_test.shape == (2000, 1, 28, 28)
    np.testing.assert_array_equal(x_train.reshape(8000, 784), flat)


def test_return_source_names_the_embedded_test_set():
    _, used = load_mnist(source="embedded", return_source=True)
    assert used.kind == "embedded"
    assert "MNIST *test* digits" in str(used) and "first 8,000" in str(used)


def test_unknown_source_is_rejected():
    with pytest.raises(ValueError, match="unknown MNIST source 'internet'"):
        load_mnist(source="internet")


def test_embedded_files_are_verified_against_their_sha256(monkeypatch):
    monkeypatch.setitem(mnist.EMBEDDED_SHA256, "t10k-labels-idx1-ubyte.gz", "0" * 64)
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte\.gz is corrupt"):
        load_mnist(source="embedded")


def test_shipped_sha256sums_and_attribution_match_the_code():
    folder = resources.files("xpnet") / "data" / "mnist"
    listed = dict(line.split()[::-1] for line in folder.joinpath("SHA256SUMS").read_text().splitlines())
    assert listed == mnist.EMBEDDED_SHA256
    for name, digest in listed.items():
        assert hashlib.sha256(folder.joinpath(name).read_bytes()).hexdigest() == digest
    readme = folder.joinpath("README.md").read_text()
    assert "CC BY-SA 3.0" in readme and "LeCun" in readme


# --- full MNIST through the download path, served locally as a tiny stand-in -------------------

def _serve_small_mnist(server, monkeypatch, attr="MNIST", n_train=6, n_test=4):
    rng = np.random.default_rng(0)
    arrays = {
        "train_img": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_label": np.arange(n_train, dtype=np.uint8) % 10,
        "test_img": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_label": (np.arange(n_test, dtype=np.uint8) + 3) % 10,
    }
    files = {}
    for key, array in arrays.items():
        body = idx_bytes(array)
        name = f"{key}.gz"
        server.routes[f"/mnist/{name}"] = ("ok", body)
        files[key] = RemoteFile(name, sha256(body), (server.url + "/mnist/",))
    monkeypatch.setattr(mnist, attr, mnist.IdxDataset("MNIST", "mnist", files))
    return arrays


def _offline_mnist(monkeypatch, closed_port):
    files = {k: RemoteFile(r.name, r.known_hash, (closed_port + "/",)) for k, r in mnist.MNIST.files.items()}
    monkeypatch.setattr(mnist, "MNIST", mnist.IdxDataset("MNIST", "mnist", files))


@pytest.mark.parametrize("source", ["download", "auto"])
def test_full_mnist_is_used_when_it_can_be_fetched(http_server, cache, monkeypatch, source):
    arrays = _serve_small_mnist(http_server, monkeypatch)
    ((x_train, t_train), (x_test, t_test)), used = load_mnist(
        normalize=False, flatten=False, source=source, return_source=True)
    assert used.kind == "download" and str(cache / "mnist") in str(used)
    assert x_train.shape == (6, 1, 28, 28) and x_test.shape == (4, 1, 28, 28)
    np.testing.assert_array_equal(x_train[:, 0], arrays["train_img"])
    np.testing.assert_array_equal(t_test, arrays["test_label"])
    assert t_train.dtype == np.int64


def test_plain_load_mnist_offline_says_how_to_fix_it(cache, monkeypatch, closed_port):
    _offline_mnist(monkeypatch, closed_port)
    with pytest.raises(DownloadError) as info:
        load_mnist()
    message = str(info.value)
    assert "XPNET_DATA" in message and str(cache / "mnist") in message
    assert "source='embedded'" in message


def test_auto_falls_back_to_embedded_with_a_notice(cache, monkeypatch, closed_port, caplog, pooch_records):
    _offline_mnist(monkeypatch, closed_port)
    with caplog.at_level(logging.WARNING, logger="xpnet.datasets"):
        ((x_train, _), (x_test, _)), used = load_mnist(source="auto", return_source=True)
    assert used.kind == "embedded" and x_train.shape == (8000, 784) and x_test.shape == (2000, 784)
    assert "full MNIST is not available" in caplog.text and "embedded MNIST test set" in caplog.text
    assert pooch_records == []  # no "Downloading data from ..." lines before the notice
    assert not cache.exists()  # the failed download left no directories behind


def test_mismatched_image_and_label_counts_are_rejected(http_server, cache, monkeypatch):
    _serve_small_mnist(http_server, monkeypatch)
    labels = idx_bytes(np.zeros(5, np.uint8))  # 5 labels for 6 images
    http_server.routes["/mnist/train_label.gz"] = ("ok", labels)
    files = dict(mnist.MNIST.files, train_label=RemoteFile("train_label.gz", sha256(labels),
                                                             (http_server.url + "/mnist/",)))
    monkeypatch.setattr(mnist, "MNIST", mnist.IdxDataset("MNIST", "mnist", files))
    with pytest.raises(ValueError, match=r"train_label\.gz holds 5 labels but train_img\.gz holds 6"):
        load_mnist()


def test_fashion_mnist_has_the_mnist_format(http_server, cache, monkeypatch):
    arrays = _serve_small_mnist(http_server, monkeypatch, attr="FASHION_MNIST")
    (x_train, t_train), (x_test, t_test) = load_fashion_mnist(one_hot_label=True)
    assert (x_train.dtype, x_train.shape, x_test.shape) == (np.float32, (6, 784), (4, 784))
    assert (t_train.dtype, t_train.shape) == (np.float32, (6, 10))
    np.testing.assert_array_equal(t_test.argmax(axis=1), arrays["test_label"])


def test_known_hashes_are_sha256_for_every_file():
    for dataset in (mnist.MNIST, mnist.FASHION_MNIST):
        for remote in dataset.files.values():
            algorithm, digest = remote.known_hash.split(":")
            assert algorithm == "sha256" and len(digest) == 64
            assert len(remote.mirrors) >= 2
