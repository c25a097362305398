"""Named arrays to and from ``.npz``: host NumPy, no pickle, atomic replace.

:func:`save_arrays` writes to a temporary file in the target's directory, flushes and fsyncs
it, then ``os.replace``\\ s it over the target: a crash or an exception mid-save leaves the old
file untouched and no temporary file behind (except after a hard kill, when a hidden
``.<name>.*.tmp`` may remain; it is never read). Arrays of any backend are brought to the host
first, so the file does not depend on where it was written.
"""

from __future__ import annotations

import os
import secrets
import zipfile
import zlib

import numpy as np

from ..backend import to_numpy

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

    The file is written exactly at ``path`` (no ``.npz`` is appended).
    """
    host = {k: _to_host(k, v) for k, v in arrays.items()}
    write_atomically(path, lambda f: np.savez(f, allow_pickle=False, **host))


def write_atomically(path, write) -> None:
    """``write(f)`` into a temporary binary file next to ``path``, fsync, rename over ``path``."""
    path = os.fspath(path)
    folder, base = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, f".{base}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_dir(folder)


def _fsync_dir(folder: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_arrays(path) -> dict[str, np.ndarray]:
    """All arrays in the .npz at ``path``, as host NumPy arrays (pickled content is refused).

    Raises
    ------
    ValueError
        naming the file, when it is truncated, corrupt, or not an .npz archive.
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:  # our own handle: np.load leaks its own on a bad zip
            npz = np.load(f, allow_pickle=False)
            if not isinstance(npz, np.lib.npyio.NpzFile):
                raise ValueError("it holds a single .npy array, not a named .npz archive")
            with npz:
                return {k: npz[k] for k in npz.files}
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(f"cannot read {path}: not a valid .npz file (truncated or corrupt?): {exc}") from None
