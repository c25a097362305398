"""Every file xpnet writes goes beside the real target and is renamed over it: a symbolic link
keeps pointing where it did and its target gets the new content; a target that is not a regular
file (a FIFO, a socket, a device) is refused naming the path and is left as it was."""

from __future__ import annotations

import os
import socket
import stat

import numpy as np
import pytest

import xpnet
from xpnet.backend import to_numpy
from xpnet.cli.main import write_json
from xpnet.io import load_arrays, save_checkpoint, save_params
from xpnet.io._atomic import regular_target, write_atomically
from xpnet.optimizers import Adam
from xpnet.training.search import _append, read_results


class Net:
    def __init__(self):
        self.params = {"W": xpnet.backend.normal((3, 2)), "b": xpnet.backend.zeros((2,))}


def _figure(path):
    from xpnet.plotting import save_figure
    from xpnet.plotting._base import new_figure

    save_figure(new_figure(1, 1)[0], path, dpi=20)


WRITERS = {
    "npz": lambda path: save_params(path, Net()),
    "pkl": lambda path: save_params(path, Net()),
    "checkpoint": lambda path: save_checkpoint(path, Net(), Adam(), epoch=1),
    "figure": _figure,
    "json": lambda path: write_json({"a": 1.0}, path),
    "raw": lambda path: write_atomically(path, lambda f: f.write(b"new")),
}
SUFFIX = {"npz": ".npz", "pkl": ".pkl", "checkpoint": ".npz", "figure": ".png", "json": ".json",
          "raw": ".bin"}


@pytest.mark.parametrize("kind", list(WRITERS))
def test_a_save_through_a_link_changes_the_target_and_keeps_the_link(xp, tmp_path, kind):
    real_dir = tmp_path / "store"
    real_dir.mkdir()
    target = real_dir / f"weights{SUFFIX[kind]}"
    target.write_bytes(b"old content")
    link = tmp_path / f"link{SUFFIX[kind]}"
    link.symlink_to(target)
    WRITERS[kind](link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() != b"old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == [link.name, "store"]
    assert sorted(p.name for p in real_dir.iterdir()) == [target.name]  # no temporary file left


def test_a_link_chain_and_a_dangling_link_write_the_final_target(xp, tmp_path):
    final = tmp_path / "final.npz"
    (tmp_path / "b.npz").symlink_to(final)  # dangling until written
    (tmp_path / "a.npz").symlink_to(tmp_path / "b.npz")
    net = Net()
    save_params(tmp_path / "a.npz", net)
    assert (tmp_path / "a.npz").is_symlink() and (tmp_path / "b.npz").is_symlink()
    assert final.is_file() and not final.is_symlink()
    np.testing.assert_array_equal(load_arrays(final)["params/W"], to_numpy(net.params["W"]))


def _fifo(path):
    os.mkfifo(path)


def _socket(path):
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    return s


@pytest.mark.parametrize("kind", list(WRITERS))
@pytest.mark.parametrize("node", ["fifo", "socket"])
def test_a_target_that_is_not_a_regular_file_is_refused_and_left_alone(xp, tmp_path, kind, node):
    path = tmp_path / f"n{SUFFIX[kind]}"
    keep = _fifo(path) if node == "fifo" else _socket(path)
    try:
        expected = "a FIFO" if node == "fifo" else "a socket"
        with pytest.raises(OSError, match=rf"'{path}': it is {expected}.*, not a regular file"):
            WRITERS[kind](path)
        mode = os.lstat(path).st_mode
        assert (stat.S_ISFIFO(mode) if node == "fifo" else stat.S_ISSOCK(mode))
        assert [p.name for p in tmp_path.iterdir()] == [path.name]
    finally:
        if keep is not None:
            keep.close()


def test_a_link_to_a_fifo_is_refused_naming_both(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "w.npz").symlink_to(tmp_path / "pipe")
    link = rf"'{tmp_path / 'w.npz'}' \(a link to '{tmp_path / 'pipe'}'\)"
    with pytest.raises(OSError, match=link + ": it is a FIFO"):
        save_params(tmp_path / "w.npz", Net())
    assert (tmp_path / "w.npz").is_symlink() and stat.S_ISFIFO(os.stat(tmp_path / "pipe").st_mode)


def test_a_device_is_refused_before_anything_is_written():
    # only the check: nothing is written whatever it answers, so this is safe even as root
    with pytest.raises(OSError, match=r"'/dev/null': it is a character device, not a regular file"):
        regular_target("/dev/null")


def test_an_empty_file_name_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="the file name is empty"):
        write_atomically("", lambda f: f.write(b"x"))


def test_a_replaced_file_keeps_its_permission_bits(xp, tmp_path):
    path = tmp_path / "w.npz"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    save_params(path, Net())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_a_writer_may_ask_for_the_temporary_path(tmp_path):
    def write(tmp):
        assert os.path.dirname(tmp) == str(tmp_path) and os.path.getsize(tmp) == 0
        with open(tmp, "wb") as f:
            f.write(b"by name")

    assert write_atomically(tmp_path / "x.bin", write, to_path=True) == str(tmp_path / "x.bin")
    assert (tmp_path / "x.bin").read_bytes() == b"by name"
    assert [p.name for p in tmp_path.iterdir()] == ["x.bin"]


def test_search_results_append_to_a_links_target_and_refuse_a_fifo(tmp_path):
    target = tmp_path / "real.jsonl"
    target.write_text('{"trial": 0}\n')
    link = tmp_path / "r.jsonl"
    link.symlink_to(target)
    _append(link, {"trial": 1})
    assert link.is_symlink() and read_results(target) == [{"trial": 0}, {"trial": 1}]
    os.mkfifo(tmp_path / "p.jsonl")
    with pytest.raises(OSError, match=r"cannot append to '.*p\.jsonl': it is a FIFO"):
        _append(tmp_path / "p.jsonl", {"trial": 2})
