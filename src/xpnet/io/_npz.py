"""Named arrays to and from ``.npz``: host NumPy, no pickle, atomic replace.

[`save_arrays`][xpnet.io._npz.save_arrays] writes through `write_atomically` (beside the
real target, links resolved, then renamed over it; non-regular targets refused). Arrays of any
backend are brought to the host first, so the file does not depend on where it was written.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib

import numpy as np

from ..backend import to_numpy
from ._atomic import write_atomically

_SCALARS = (bool, int, float, str, np.generic)


def _to_host(key, value) -> np.ndarray:
    if not isinstance(key, str) or not key:
        raise TypeError(f"array names must be non-empty strings, got {key!r}")
    if isinstance(value, _SCALARS):
        array = np.asarray(value)
    elif hasattr(value, "shape") and hasattr(value, "dtype"):
        array = to_numpy(value)
    else:
        raise TypeError(f"{key!r}: cannot save a {type(value).__name__}; expected an array or a "
                        "Python int, float, bool or str")
    if array.dtype.hasobject:
        raise TypeError(f"{key!r}: object arrays would need pickle, which xpnet never writes")
    return array


def save_arrays(path, arrays: dict) -> None:
    """Write ``arrays`` (name -> array of any backend, or Python scalar) to ``path`` as .npz.

    The file is written exactly at ``path`` (no ``.npz`` is appended). Errors name ``path``,
    never the temporary file.
    """
    host = {k: _to_host(k, v) for k, v in arrays.items()}
    write_atomically(path, lambda f: np.savez(f, allow_pickle=False, **host))


class _Unreadable(Exception):
    """Why a file is not a readable .npz (internal: load_arrays turns it into one ValueError)."""


_DAMAGED = " (the file is truncated or damaged: save it again)"
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError)
"""What zipfile raises on a damaged archive (RuntimeError: a flipped 'encrypted' flag)."""


def _array(npz, key: str) -> np.ndarray:
    name = repr(key) if key.isprintable() and len(key) <= 40 else "(a damaged name)"
    try:
        return npz[key]
    except zipfile.BadZipFile as exc:
        what = "fails its CRC-32 check" if "CRC" in str(exc) else "has a damaged zip entry"
        raise _Unreadable(f"array {name} {what}{_DAMAGED}") from None
    except _ZIP_ERRORS:
        raise _Unreadable(f"array {name} has a damaged zip entry{_DAMAGED}") from None
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise _Unreadable(f"array {name} holds Python objects, which would need pickle, and xpnet "
                              "never unpickles") from None
        raise _Unreadable(f"array {name} has a damaged .npy header{_DAMAGED}") from None
    except Exception:  # numpy parses the header with ast and tokenize; a flipped shape may ask for TBs
        raise _Unreadable(f"array {name} has a damaged .npy header{_DAMAGED}") from None


def _read(f) -> dict[str, np.ndarray]:
    magic = f.read(6)
    f.seek(0)
    if magic.startswith(b"\x93NUMPY"):
        raise _Unreadable("it holds a single .npy array, not a named .npz archive")
    if magic.startswith(b"\x80"):
        raise _Unreadable("it is a pickle, not a .npz archive (the book's params.pkl format? load it "
                          "with xpnet.io.load_book_params)")
    if not magic.startswith(b"PK"):
        raise _Unreadable("it is empty (0 bytes)" if not magic else
                          "it is not a .npz archive (no zip signature at its start)")
    try:
        npz = np.load(f, allow_pickle=False)
    except (ValueError, *_ZIP_ERRORS):
        raise _Unreadable(f"its zip directory is damaged or missing{_DAMAGED}") from None
    with npz:
        if len(npz.files) != _entries(f):
            raise _Unreadable(f"its zip directory is damaged{_DAMAGED}")
        return {k: _array(npz, k) for k in npz.files}


def _entries(f) -> int | None:
    """The entry count the zip's end record states (a damaged directory may list fewer)."""
    f.seek(0, os.SEEK_END)
    f.seek(max(f.tell() - 65_557, 0))  # the end record (22 bytes) and a comment of at most 64 KiB
    tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    return struct.unpack_from("<H", tail, at + 10)[0]


def load_arrays(path) -> dict[str, np.ndarray]:
    """All arrays in the .npz at ``path``, as host NumPy arrays (pickled content is refused).

    Raises
    ------
    ValueError
        naming the file and what is wrong with it, in one short line, when it is empty,
        truncated, damaged, or not an .npz archive.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot read {path}: it is a directory, not a .npz file")
    with open(path, "rb") as f:  # our own handle: np.load leaks its own on a bad zip
        try:
            return _read(f)
        except _Unreadable as exc:
            raise ValueError(f"cannot read {path}: not a valid .npz file: {exc}") from None
