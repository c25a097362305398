"""Small dataset files built in the tests: IDX bytes, hashes, cache listings."""

from __future__ import annotations

import gzip
import hashlib

import numpy as np


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def idx_bytes(array: np.ndarray) -> bytes:
    """``array`` (uint8) in IDX format, gzip-compressed, as the MNIST mirrors serve it."""
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    return gzip.compress(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes(), mtime=0)


def cache_files(root) -> list[str]:
    """Every file under the cache root (temporary ones included), relative names."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []
