"""Index tables for the portable gathers: im2col, its adjoint, and pooling windows.

The portable path does every window operation as one ``xp.take`` with a precomputed index
instead of a Python loop over the filter taps: a GPU launches one gather kernel instead of
``filter_h * filter_w`` strided copies. The tables depend only on shapes, so they are built
once on the host (NumPy, int64) and cached; :func:`on_device` keeps one copy per device, so a
train step reads them with no host-to-device copy after the first.

Conventions: ``sentinel`` is an index the caller guarantees to hold a neutral value (a zero
appended to the source, or -inf for max pooling), used for taps that fall into the padding
and for "no entry" slots in the adjoint tables.
"""

from __future__ import annotations

import functools

import numpy as np

_CACHE_SIZE = 64


def _out(size: int, k: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - k) // stride + 1


def _tap_sources(h, w, kh, kw, stride, pad):
    """(kh*kw, out_h*out_w) source pixel y*W + x of every tap of every window, -1 in padding."""
    oh, ow = _out(h, kh, stride, pad), _out(w, kw, stride, pad)
    ky, kx = np.divmod(np.arange(kh * kw), kw)
    i, j = np.divmod(np.arange(oh * ow), ow)
    y = i[None, :] * stride + ky[:, None] - pad
    x = j[None, :] * stride + kx[:, None] - pad
    inside = (y >= 0) & (y < h) & (x >= 0) & (x < w)
    return np.where(inside, y * w + x, -1)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def columns_index(n, h, w, kh, kw, stride, pad) -> np.ndarray:
    """Index into a (C, (N+1)*H*W) source (image N all zeros) giving the column buffer.

    ``take(src, idx, axis=1)`` is (C, kh*kw*N*out_h*out_w), i.e. columns (C*kh*kw, N*P) with
    rows (c, y, x) and columns (n, i, j): the layout of :func:`xpnet.functions.columns`.
    """
    src = _tap_sources(h, w, kh, kw, stride, pad)  # (K, P)
    per_image = np.arange(n)[None, :, None] * (h * w) + src[:, None, :]
    return np.where(src[:, None, :] >= 0, per_image, n * h * w).reshape(-1)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _adjoint(h, w, kh, kw, stride, pad):
    """For every pixel, the (tap, window) pairs that read it: ``(taps, windows)``, each
    (H*W, R), -1 where a pixel has fewer than R readers (R = ceil(kh/s) * ceil(kw/s))."""
    src = _tap_sources(h, w, kh, kw, stride, pad)
    k, p = src.shape
    readers = [[] for _ in range(h * w)]
    for tap, window in zip(*np.nonzero(src >= 0)):
        readers[src[tap, window]].append((tap, window))
    r = max(1, max(len(pairs) for pairs in readers))
    taps = np.full((h * w, r), -1, dtype=np.int64)
    windows = np.full((h * w, r), -1, dtype=np.int64)
    for pixel, pairs in enumerate(readers):
        for slot, (tap, window) in enumerate(pairs):
            taps[pixel, slot], windows[pixel, slot] = tap, window
    return taps, windows


def readers_per_pixel(h, w, kh, kw, stride, pad) -> int:
    """R: the most (tap, window) pairs that read one pixel."""
    return _adjoint(h, w, kh, kw, stride, pad)[0].shape[1]


@functools.lru_cache(maxsize=_CACHE_SIZE)
def add_columns_index(n, h, w, kh, kw, stride, pad, row_length) -> np.ndarray:
    """Index into columns laid out as (C, kh*kw*row_length), tap-major, whose entry
    ``tap*row_length + n*P + window`` is window ``window`` of image ``n``, and whose entry
    ``N*P`` (tap 0) is zero; ``take(cols, idx, axis=1)`` reshaped to (C, N, H, W, R) and summed
    over R is the adjoint of :func:`columns_index` (col2im)."""
    taps, windows = _adjoint(h, w, kh, kw, stride, pad)
    p = _out(h, kh, stride, pad) * _out(w, kw, stride, pad)
    idx = taps[None] * row_length + np.arange(n)[:, None, None] * p + windows[None]
    return np.where(taps[None] >= 0, idx, n * p).reshape(-1)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def pool_index(h, w, kh, kw, stride, pad) -> np.ndarray:
    """Index into a (..., H*W + 1) source (entry H*W the padding value) giving windows
    (..., out_h*out_w, kh*kw): window-major, taps row-major."""
    src = _tap_sources(h, w, kh, kw, stride, pad)
    return np.where(src >= 0, src, h * w).T.reshape(-1)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def unpool_index(h, w, kh, kw, stride, pad):
    """``(windows, taps)``, each (H*W*R,): for every pixel the windows that read it and which
    of their taps it is (-1: none, matched by no arg-max). Windows of missing slots are 0."""
    taps, windows = _adjoint(h, w, kh, kw, stride, pad)
    return np.maximum(windows, 0).reshape(-1), taps.reshape(-1)


class DeviceCache:
    """Host tables (and small constants) moved to a device once, kept per (namespace, device)."""

    def __init__(self, limit: int = 256):
        self._store: dict = {}
        self._limit = limit

    def get(self, xp, device, key, make):
        full = (xp.__name__, _device_key(device), key)
        value = self._store.get(full)
        if value is None:
            if len(self._store) >= self._limit:
                self._store.clear()
            value = self._store[full] = make()
        return value


def _device_key(device):
    try:
        hash(device)
        return device
    except TypeError:
        return str(device)
