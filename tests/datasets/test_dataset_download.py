"""The download path against a real HTTP server on 127.0.0.1: hashes, mirrors, cache, failures."""

from __future__ import annotations

import io
import logging
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


def test_a_failed_download_into_a_new_cache_creates_no_directories(tmp_path, monkeypatch, closed_port):
    root = tmp_path / "no" / "such" / "cache"
    monkeypatch.setenv("XPNET_DATA", str(root))
    remote = RemoteFile("data.bin", sha256(BODY), (closed_port + "/a/",))
    with pytest.raises(DownloadError):
        fetch(remote, "ds", timeout=2)
    assert list(tmp_path.iterdir()) == []


def test_offline_error_is_a_few_short_lines_with_whole_words(cache, closed_port):
    remote = RemoteFile("data.bin", sha256(BODY), (closed_port + "/a/", closed_port + "/b/"))
    with pytest.raises(DownloadError) as info:
        fetch(remote, "ds", timeout=2)
    lines = str(info.value).splitlines()
    assert lines[0] == "could not download data.bin:"
    assert lines[1:3] == [f"  {closed_port}/a/data.bin: connection failed: connection refused",
                          f"  {closed_port}/b/data.bin: connection failed: connection refused"]
    assert lines[3] == f"To use it offline, put data.bin in {cache / 'ds'} (or point XPNET_DATA at a " \
                       "directory holding it)."
    assert len(lines) == 4


def test_a_damaged_cached_copy_is_named_with_its_sha256_when_offline(cache, closed_port):
    (cache / "ds").mkdir(parents=True)
    (cache / "ds" / "data.bin").write_bytes(b"stale")
    remote = RemoteFile("data.bin", sha256(BODY), (closed_port + "/a/",))
    with pytest.raises(DownloadError) as info:
        fetch(remote, "ds", timeout=2)
    message = str(info.value)
    assert "the copy in the cache fails its SHA-256 check" in message.splitlines()[0]
    assert f"{cache / 'ds' / 'data.bin'} has SHA-256 {sha256(b'stale')[7:]}," in message
    assert f"not the expected {sha256(BODY)[7:]}: it is damaged" in message
    assert "put data.bin in" not in message
    assert (cache / "ds" / "data.bin").read_bytes() == b"stale"  # the user's file is left alone


def test_pooch_log_lines_are_silenced_and_one_log_record_reports_a_download(http_server, cache, capfd,
                                                                             pooch_records, caplog):
    http_server.routes["/m2/data.bin"] = ("ok", BODY)
    with caplog.at_level(logging.INFO, logger="xpnet.datasets"):
        fetch(_remote(http_server, "m1", "m2"), "ds", timeout=2)
    assert pooch_records == []
    assert capfd.readouterr().err == ""  # through the logger, not printed
    host = http_server.url.removeprefix("http://")
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("xpnet.datasets._download", logging.INFO,
         f"downloaded data.bin (0.0 MB) from {host} into {cache / 'ds'}")]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="xpnet.datasets"):
        fetch(_remote(http_server, "m1", "m2"), "ds", timeout=2)  # from the cache: nothing said
    assert caplog.records == [] and capfd.readouterr().err == ""


def test_xpnet_data_naming_a_file_is_said_plainly_and_nothing_is_tried(tmp_path, monkeypatch, closed_port):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XPNET_DATA", str(blocker))
    remote = RemoteFile("data.bin", sha256(BODY), (closed_port + "/m1/",))
    with pytest.raises(DownloadError) as info:
        fetch(remote, "ds", timeout=2)
    message = str(info.value)
    assert message == (f"cannot use the data cache {blocker / 'ds'}: {blocker} (XPNET_DATA) is a file, not a "
                       "directory; point XPNET_DATA at a directory (it is created if missing)")
    assert blocker.read_text() == "not a directory"
