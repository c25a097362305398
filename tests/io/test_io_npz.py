"""save_arrays / load_arrays / assign_arrays: atomic writes, no pickle, check-then-copy."""

from __future__ import annotations

import itertools
import os
import zipfile

import numpy as np
import pytest

import xpnet
from xpnet.backend import array_namespace, to_numpy
from xpnet.io import _npz, assign_arrays, load_arrays, save_arrays


def _arrays():
    return {"W": xpnet.backend.normal((3, 2)), "b": xpnet.backend.zeros((2,)), "step": 7, "lr": 0.5}


def test_arrays_of_any_backend_come_back_as_host_numpy(xp, tmp_path):
    arrays = _arrays()
    path = tmp_path / "a.npz"
    save_arrays(path, arrays)
    loaded = load_arrays(path)
    assert sorted(loaded) == ["W", "b", "lr", "step"]
    assert type(loaded["W"]) is np.ndarray and loaded["W"].dtype == np.float32
    np.testing.assert_array_equal(loaded["W"], to_numpy(arrays["W"]))
    assert (loaded["step"].dtype, loaded["step"].shape, loaded["step"].item()) == (np.int64, (), 7)
    assert (loaded["lr"].dtype, loaded["lr"].item()) == (np.float64, 0.5)


def test_file_is_written_exactly_at_the_given_path(xp, tmp_path):
    save_arrays(tmp_path / "params.pkl", _arrays())
    assert os.listdir(tmp_path) == ["params.pkl"]
    assert zipfile.is_zipfile(tmp_path / "params.pkl")


def _old_file(tmp_path):
    path = tmp_path / "ckpt.npz"
    save_arrays(path, {"old": np.arange(3)})
    return path, path.read_bytes()


@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()], ids=["error", "interrupt"])
def test_crash_while_writing_keeps_the_old_file_and_no_temp_file(xp, tmp_path, monkeypatch, failure):
    path, before = _old_file(tmp_path)

    def half_written_savez(file, *args, **kwargs):
        file.write(b"PK\x03\x04 partial")
        raise failure

    monkeypatch.setattr(_npz.np, "savez", half_written_savez)
    with pytest.raises(type(failure)):
        save_arrays(path, _arrays())
    assert os.listdir(tmp_path) == ["ckpt.npz"]
    assert path.read_bytes() == before


def test_failed_rename_keeps_the_old_file_and_no_temp_file(xp, tmp_path, monkeypatch):
    path, before = _old_file(tmp_path)

    def failing_replace(src, dst):
        raise OSError(f"cannot rename {src} to {dst}")

    monkeypatch.setattr(_npz.os, "replace", failing_replace)
    with pytest.raises(OSError, match="cannot rename"):
        save_arrays(path, _arrays())
    assert os.listdir(tmp_path) == ["ckpt.npz"]
    assert path.read_bytes() == before


def test_values_that_would_need_pickle_are_refused(tmp_path):
    with pytest.raises(TypeError, match="'bad': object arrays would need pickle"):
        save_arrays(tmp_path / "x.npz", {"bad": np.array([{}, 1], dtype=object)})
    with pytest.raises(TypeError, match="'cfg': cannot save a dict"):
        save_arrays(tmp_path / "x.npz", {"cfg": {"a": 1}})
    assert not (tmp_path / "x.npz").exists()


def test_pickled_content_is_never_loaded(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, bad=np.array([{}, 1], dtype=object))
    with pytest.raises(ValueError, match=r"cannot read .*evil\.npz.*pickle"):
        load_arrays(path)


@pytest.mark.parametrize(
    "content",
    [b"", b"not a zip", "half", "flipped"],
    ids=["empty", "garbage", "truncated", "bit-flip"],
)
def test_corrupt_files_raise_value_error_naming_the_file(tmp_path, content):
    good = tmp_path / "good.npz"
    save_arrays(good, {"W": np.arange(1000, dtype=np.float32)})
    raw = good.read_bytes()
    if content == "half":
        content = raw[: len(raw) // 2]
    elif content == "flipped":
        middle = len(raw) // 2
        content = raw[:middle] + bytes([raw[middle] ^ 0xFF]) + raw[middle + 1:]
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"cannot read .*bad\.npz: not a valid \.npz file"):
        load_arrays(path)


def test_a_single_npy_is_not_mistaken_for_a_checkpoint(tmp_path):
    path = tmp_path / "one.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(ValueError, match=r"one\.npy.*single \.npy array"):
        load_arrays(path)


def test_assign_copies_in_place_keeping_references(xp, tmp_path):
    target = {"W": xpnet.backend.zeros((3, 2)), "n": xpnet.asarray(np.int64(0))}
    held = dict(target)
    source = {"net/W": np.arange(6, dtype=np.float32).reshape(3, 2), "net/n": np.asarray(5),
              "other": np.ones(1)}
    assign_arrays(target, source, prefix="net/")
    assert all(target[k] is held[k] for k in target)
    assert array_namespace(target["W"]) is xp
    np.testing.assert_array_equal(to_numpy(target["W"]), source["net/W"])
    assert to_numpy(target["n"]).item() == 5


def test_assign_reports_every_problem_and_writes_nothing(xp):
    target = {"W": xpnet.backend.normal((3, 2)), "b": xpnet.backend.normal((2,)),
              "c": xpnet.backend.normal((1,))}
    before = {k: to_numpy(v).copy() for k, v in target.items()}
    source = {"W": np.zeros((2, 3), np.float32), "b": np.zeros(2, np.float64), "z": np.zeros(1)}
    with pytest.raises(ValueError) as info:
        assign_arrays(target, source)
    message = str(info.value)
    assert "missing from the file: c" in message and "unexpected in the file (not in the model): z" in message
    assert "W: shape (2, 3) in the file, (3, 2) in the model" in message
    assert "b: dtype float64 in the file, float32 in the model" in message
    for k, v in target.items():
        np.testing.assert_array_equal(to_numpy(v), before[k])


def test_garbage_is_called_not_an_npz_archive_without_pickle_advice(tmp_path):
    path = tmp_path / "garbage.npz"
    path.write_bytes(b"hello, this is not an npz file at all" * 3)
    with pytest.raises(ValueError) as info:
        load_arrays(path)
    message = str(info.value)
    assert message == (f"cannot read {path}: not a valid .npz file: it is not a .npz archive "
                       "(no zip signature at its start)")
    assert "allow_pickle" not in message


def test_every_bit_flip_loads_the_same_arrays_or_raises_one_short_line(tmp_path):
    """Flip one of three bits in each byte of a small file: a clean ValueError naming the file (no raw
    header bytes, no other exception type), or, for a flip in unchecked zip metadata, the same arrays."""
    good = tmp_path / "good.npz"
    arrays = {"W": np.arange(40, dtype=np.float32).reshape(4, 10), "step": np.int64(3)}
    save_arrays(good, arrays)
    raw = good.read_bytes()
    path = tmp_path / "flip.npz"
    outcomes = set()
    for pos, bit in itertools.product(range(len(raw)), (0x01, 0x10, 0x80)):
        path.write_bytes(raw[:pos] + bytes([raw[pos] ^ bit]) + raw[pos + 1:])
        try:
            loaded = load_arrays(path)
        except ValueError as exc:
            message, prefix = str(exc), f"cannot read {path}: not a valid .npz file: "
            assert message.startswith(prefix), message
            assert len(message) - len(str(path)) < 140, message
            assert "\\x" not in message and "b'" not in message, message
            assert "\n" not in message and "descr" not in message, message
            outcomes.add(message[len(prefix):].split(" (")[0])
        else:
            assert sorted(loaded) == ["W", "step"]
            np.testing.assert_array_equal(loaded["W"], arrays["W"])
    assert "array 'W' fails its CRC-32 check" in outcomes
    assert "its zip directory is damaged" in outcomes


def test_saving_to_a_directory_is_refused_naming_it(xp, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(IsADirectoryError, match=r"cannot save to '\.': it is a directory; give a file name "
                                                r"such as '\./params\.npz'"):
        save_arrays(".", _arrays())
    assert os.listdir(tmp_path) == []


def test_saving_into_a_missing_directory_names_it_and_creates_nothing(xp, tmp_path):
    target = tmp_path / "no" / "such" / "ckpt.npz"
    with pytest.raises(FileNotFoundError, match=rf"cannot save to '{target}': the directory "
                                                rf"'{target.parent}' does not exist"):
        save_arrays(target, _arrays())
    assert os.listdir(tmp_path) == []


def test_a_failed_save_names_the_users_path_not_the_temporary_file(xp, tmp_path, monkeypatch):
    path, before = _old_file(tmp_path)

    def disk_full(src, dst):
        raise OSError(28, "No space left on device", src)

    monkeypatch.setattr(_npz.os, "replace", disk_full)
    with pytest.raises(OSError) as info:
        save_arrays(path, _arrays())
    assert str(info.value) == f"cannot save to '{path}': No space left on device"
    assert info.value.errno == 28
    assert os.listdir(tmp_path) == ["ckpt.npz"] and path.read_bytes() == before
