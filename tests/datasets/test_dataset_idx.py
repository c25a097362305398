"""IDX parsing: headers validated, bad files rejected by name and removed from the cache."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from dataset_files import cache_files, idx_bytes, sha256

from xpnet.datasets._download import RemoteFile, fetch_parsed
from xpnet.datasets._idx import parse_idx, read_idx

IMAGES = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)


def test_uint8_images_round_trip(tmp_path):
    path = tmp_path / "imgs-idx3-ubyte.gz"
    path.write_bytes(idx_bytes(IMAGES))
    out = read_idx(path, ndim=3)
    assert out.dtype == np.uint8 and out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out, IMAGES)
    assert out.flags.writeable


def test_big_endian_int32_payload_is_read_in_native_order():
    values = np.array([1, -2, 70000], dtype=">i4")
    data = bytes([0, 0, 0x0C, 1]) + np.array([3], dtype=">u4").tobytes() + values.tobytes()
    out = parse_idx(data, "ints")
    assert out.dtype == np.dtype(np.int32) and out.dtype.isnative
    np.testing.assert_array_equal(out, [1, -2, 70000])


@pytest.mark.parametrize(
    "data, problem",
    [
        (b"", "bad magic"),
        (b"\x89PNG\r\n\x1a\n not an idx file", "bad magic"),
        (bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 5]), "unknown data type code 0x07"),
        (bytes([0, 0, 0x08, 3, 0, 0]), "shorter than its IDX header"),
        (gzip.decompress(idx_bytes(IMAGES))[:-5], r"truncated: header shape \(2, 3, 4\)"),
        (gzip.decompress(idx_bytes(IMAGES)) + b"\0", "longer than its header says"),
    ],
    ids=["empty", "png", "bad-type", "short-header", "truncated-payload", "trailing-bytes"],
)
def test_malformed_idx_is_rejected_naming_the_file(data, problem):
    with pytest.raises(ValueError, match=f"some-file-idx3.*{problem}"):
        parse_idx(data, "some-file-idx3")


def test_wrong_number_of_dimensions_is_rejected():
    labels = gzip.decompress(idx_bytes(np.zeros(5, np.uint8)))
    with pytest.raises(ValueError, match="labels-file: IDX header declares 1 dimensions, expected 3"):
        parse_idx(labels, "labels-file", ndim=3)


def test_broken_gzip_is_rejected_naming_the_file(tmp_path):
    path = tmp_path / "x-idx3-ubyte.gz"
    path.write_bytes(idx_bytes(IMAGES)[:-12])
    with pytest.raises(ValueError, match=r"x-idx3-ubyte\.gz is not a valid gzip file"):
        read_idx(path)


@pytest.mark.parametrize(
    "body, problem",
    [
        (gzip.compress(b"<html>mirror error page</html>"), "is not an IDX file"),
        (gzip.compress(gzip.decompress(idx_bytes(IMAGES))[:-7]), "is truncated"),
    ],
    ids=["non-idx", "truncated-idx"],
)
def test_bad_cached_file_raises_naming_it_and_is_removed(http_server, cache, body, problem):
    # The hash is the bad file's own, as if the known hash were wrong: parsing is the last guard.
    http_server.routes["/m/imgs-idx3-ubyte.gz"] = ("ok", body)
    remote = RemoteFile("imgs-idx3-ubyte.gz", sha256(body), (http_server.url + "/m/",))
    with pytest.raises(ValueError, match=rf"imgs-idx3-ubyte\.gz {problem}.*cached copy .* was removed"):
        fetch_parsed(remote, "ds", read_idx, timeout=2)
    assert cache_files(cache) == []
