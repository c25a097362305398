"""The IDX format of MNIST and Fashion-MNIST, parsed with every header field checked.

An IDX file is ``00 00 <type> <ndim>``, then ``ndim`` big-endian uint32 sizes, then exactly
``prod(sizes)`` big-endian items. A file that breaks any of this (wrong magic, unknown type, a
payload shorter or longer than the header says, a broken gzip stream) raises ValueError naming the
file, so a truncated download can never be read as a smaller dataset.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib

import numpy as np

_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def parse_idx(data: bytes, name: str, *, ndim: int | None = None) -> np.ndarray:
    """The array stored in the IDX bytes ``data`` (already decompressed).

    ``name`` is used only in error messages; ``ndim``, when given, is the number of dimensions
    the file must declare (3 for images, 1 for labels).
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{name} is not an IDX file: bad magic number {data[:4].hex() or 'empty'}")
    code, dims = data[2], data[3]
    if code not in _TYPES:
        raise ValueError(f"{name} is not an IDX file: unknown data type code 0x{code:02x}")
    if dims == 0 or (ndim is not None and dims != ndim):
        want = f"{ndim}" if ndim is not None else "at least 1"
        raise ValueError(f"{name}: IDX header declares {dims} dimensions, expected {want}")
    header = 4 + 4 * dims
    if len(data) < header:
        raise ValueError(f"{name} is truncated: {len(data)} bytes, shorter than its IDX header")
    shape = tuple(int(s) for s in np.frombuffer(data, dtype=">u4", count=dims, offset=4))
    dtype = _TYPES[code]
    expected = math.prod(shape) * dtype.itemsize
    if len(data) - header != expected:
        state = "truncated" if len(data) - header < expected else "longer than its header says"
        raise ValueError(
            f"{name} is {state}: header shape {shape} needs {expected} payload bytes, "
            f"found {len(data) - header}"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=True)


def decompress(raw: bytes, name: str) -> bytes:
    """Gunzip ``raw``; a damaged or truncated gzip stream raises ValueError naming ``name``."""
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{name} is not a valid gzip file (corrupt or truncated): {exc}") from None


def read_idx(path, *, ndim: int | None = None) -> np.ndarray:
    """Read an IDX file from disk, gunzipping it when its name ends in ``.gz``."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read()
    data = decompress(raw, path) if path.endswith(".gz") else raw
    return parse_idx(data, path, ndim=ndim)
