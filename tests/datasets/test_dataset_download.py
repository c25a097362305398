"""The download path against a real HTTP server on 127.0.0.1: hashes, mirrors, cache, failures."""

from __future__ import annotations

import io
import time

import platformdirs
import pytest
from dataset_files import cache_files, sha256

from xpnet.datasets import _download
from xpnet.datasets._download import DownloadError, RemoteFile, data_dir, fetch

BODY = bytes(range(256)) * 64  # 16 KiB, several chunks


def _remote(server, *mirrors, body=BODY, name="data.bin"):
    return RemoteFile(name, sha256(body), tuple(f"{server.url}/{m}/" for m in mirrors))


def test_matching_hash_is_downloaded_into_the_cache(http_server, cache):
    http_server.routes["/m1/data.bin"] = ("ok", BODY)
    path = fetch(_remote(http_server, "m1"), "ds", timeout=2)
    assert path == cache / "ds" / "data.bin"
    assert path.read_bytes() == BODY
    assert http_server.requests == ["/m1/data.bin"]
    assert cache_files(cache) == ["ds/data.bin"]


def test_hash_mismatch_is_rejected_and_leaves_no_file(http_server, cache):
    http_server.routes["/m1/data.bin"] = ("ok", BODY[:-1] + b"X")
    with pytest.raises(DownloadError, match=r"m1/data\.bin: hash mismatch"):
        fetch(_remote(http_server, "m1"), "ds", timeout=2)
    assert cache_files(cache) == []
    assert http_server.requests == ["/m1/data.bin"]


def test_first_mirror_404_then_second_mirror_succeeds(http_server, cache):
    http_server.routes["/m2/data.bin"] = ("ok", BODY)
    path = fetch(_remote(http_server, "m1", "m2"), "ds", timeout=2)
    assert path.read_bytes() == BODY
    assert http_server.requests == ["/m1/data.bin", "/m2/data.bin"]


def test_interrupted_transfer_leaves_no_partial_file(http_server, cache):
    http_server.routes["/m1/data.bin"] = ("truncate", BODY)
    with pytest.raises(DownloadError, match=r"m1/data\.bin"):
        fetch(_remote(http_server, "m1"), "ds", timeout=2)
    assert cache_files(cache) == []


def test_interrupted_mirror_falls_through_to_a_good_one(http_server, cache):
    http_server.routes["/m1/data.bin"] = ("truncate", BODY)
    http_server.routes["/m2/data.bin"] = ("ok", BODY)
    path = fetch(_remote(http_server, "m1", "m2"), "ds", timeout=2)
    assert path.read_bytes() == BODY
    assert cache_files(cache) == ["ds/data.bin"]


def test_second_call_is_served_from_the_cache(http_server, cache):
    http_server.routes["/m1/data.bin"] = ("ok", BODY)
    remote = _remote(http_server, "m1")
    first = fetch(remote, "ds", timeout=2)
    second = fetch(remote, "ds", timeout=2)
    assert first == second
    assert http_server.requests == ["/m1/data.bin"]


def test_cached_file_with_wrong_hash_is_downloaded_again(http_server, cache):
    http_server.routes["/m1/data.bin"] = ("ok", BODY)
    (cache / "ds").mkdir(parents=True)
    (cache / "ds" / "data.bin").write_bytes(b"stale")
    path = fetch(_remote(http_server, "m1"), "ds", timeout=2)
    assert path.read_bytes() == BODY
    assert http_server.requests == ["/m1/data.bin"]


def test_file_placed_by_hand_is_used_without_network(cache, closed_port):
    (cache / "ds").mkdir(parents=True)
    (cache / "ds" / "data.bin").write_bytes(BODY)
    remote = RemoteFile("data.bin", sha256(BODY), (closed_port + "/m1/",))
    assert fetch(remote, "ds", timeout=2).read_bytes() == BODY


def test_offline_fails_fast_and_says_where_to_put_the_file(cache, closed_port):
    remote = RemoteFile("data.bin", sha256(BODY), (closed_port + "/a/", closed_port + "/b/"))
    start = time.perf_counter()
    with pytest.raises(DownloadError, match="connection failed") as info:
        fetch(remote, "ds", timeout=2)
    assert time.perf_counter() - start < 5
    message = str(info.value)
    assert "/a/data.bin" in message and "/b/data.bin" in message
    assert str(cache / "ds") in message and "XPNET_DATA" in message
    assert cache_files(cache) == []


def test_cache_root_is_xpnet_data_else_the_platform_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XPNET_DATA", str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.delenv("XPNET_DATA")
    assert str(data_dir()) == platformdirs.user_cache_dir("xpnet")


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("tty", [True, False])
def test_progress_bar_only_when_stderr_is_a_terminal(http_server, cache, monkeypatch, tty):
    http_server.routes["/m1/data.bin"] = ("ok", BODY)
    stream = _Terminal() if tty else io.StringIO()
    monkeypatch.setattr(_download.sys, "stderr", stream)
    fetch(_remote(http_server, "m1"), "ds", timeout=2)
    assert ("100%" in stream.getvalue()) is tty
