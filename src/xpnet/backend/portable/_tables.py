"""Index tables for the portable gathers: im2col, its adjoint (col2im), and pooling windows.

The portable path does every window operation as one ``xp.take`` with a precomputed index
instead of a Python loop over the filter taps: a GPU launches one gather kernel instead of
``filter_h * filter_w`` strided copies. The tables depend only on shapes; they are computed on
the arrays' own device with integer arithmetic (no host data, so no host-to-device copy even on
the first step) and cached per device by `DeviceCache`.

Conventions: a *sentinel* is an index the caller guarantees to hold a neutral value (a zero image
appended to the source, or -inf for max pooling), read for taps that fall into the padding and
for the "no reader" slots of the adjoint tables.
"""

from __future__ import annotations

import math


def out_size(size: int, k: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - k) // stride + 1


def _tap_sources(xp, device, h, w, kh, kw, stride, pad):
    """(kh*kw, out_h*out_w): source pixel ``y*W + x`` of every tap of every window, -1 in padding."""
    oh, ow = out_size(h, kh, stride, pad), out_size(w, kw, stride, pad)
    k = xp.arange(kh * kw, device=device)
    q = xp.arange(oh * ow, device=device)
    y = (q // ow)[None, :] * stride + (k // kw)[:, None] - pad
    x = (q % ow)[None, :] * stride + (k % kw)[:, None] - pad
    inside = (y >= 0) & (y < h) & (x >= 0) & (x < w)
    return xp.where(inside, y * w + x, -1)


def columns_index(xp, device, n, h, w, kh, kw, stride, pad):
    """Index into a (C, M*H*W) source, M > N, whose image N is all zeros, giving the column buffer:
    ``take(src, idx, axis=1)`` is (C, kh*kw*N*P), i.e. columns (C*kh*kw, N*P), rows (c, y, x),
    columns (n, i, j)."""
    src = _tap_sources(xp, device, h, w, kh, kw, stride, pad)[:, None, :]  # (K, 1, P)
    per_image = xp.arange(n, device=device)[None, :, None] * (h * w) + src
    return xp.reshape(xp.where(src >= 0, per_image, n * h * w), (-1,))


def readers_per_pixel(kh, kw, stride) -> int:
    """R: the (tap, window) slots of each pixel in the adjoint tables (some may be empty)."""
    return math.ceil(kh / stride) * math.ceil(kw / stride)


def _readers(xp, device, h, w, kh, kw, stride, pad):
    """``(taps, windows)``, each (H*W, R): the (tap, window) pairs that read each pixel, -1 in
    empty slots. A pixel y is tap ky of window i when ``i*stride + ky - pad == y``: ky runs over
    the residue of ``y + pad`` modulo the stride, in steps of the stride."""
    oh, ow = out_size(h, kh, stride, pad), out_size(w, kw, stride, pad)

    def along(size, k, out):  # (size, ceil(k/stride)): tap and window per slot, and validity
        pos = xp.arange(size, device=device)[:, None]
        tap = (pos + pad) % stride + xp.arange(math.ceil(k / stride), device=device)[None, :] * stride
        window = (pos + pad - tap) // stride
        return tap, window, (tap < k) & (window >= 0) & (window < out)

    ty, wy, vy = along(h, kh, oh)
    tx, wx, vx = along(w, kw, ow)
    shape = (h * w, readers_per_pixel(kh, kw, stride))

    def grid(a, b):  # (H, Ry) and (W, Rx) -> (H*W, Ry*Rx): pixel (y, x), slot (ry, rx)
        return xp.reshape(a[:, None, :, None] + b[None, :, None, :], shape)

    valid = xp.reshape(vy[:, None, :, None] & vx[None, :, None, :], shape)
    taps = xp.where(valid, grid(ty * kw, tx), -1)
    windows = xp.where(valid, grid(wy * ow, wx), -1)
    return taps, windows


def add_columns_index(xp, device, n, h, w, kh, kw, stride, pad, row_length):
    """Index into columns laid out as (C, kh*kw*row_length), tap-major, whose entry
    ``tap*row_length + n*P + window`` is window ``window`` of image ``n`` and whose entry ``N*P``
    (tap 0) is zero: ``take(cols, idx, axis=1)`` reshaped to (C, N, H, W, R) and summed over R
    is the adjoint of `columns_index` (col2im)."""
    taps, windows = _readers(xp, device, h, w, kh, kw, stride, pad)
    p = out_size(h, kh, stride, pad) * out_size(w, kw, stride, pad)
    idx = taps[None, ...] * row_length + xp.arange(n, device=device)[:, None, None] * p + windows[None, ...]
    return xp.reshape(xp.where(taps[None, ...] >= 0, idx, n * p), (-1,))


def pool_index(xp, device, h, w, kh, kw, stride, pad, zero_tap: bool = False):
    """Index into a (..., H*W [+ 1 [+ 1]]) source (entry H*W the padding value) giving the windows
    (..., out_h*out_w, kh*kw): window-major, taps row-major. With ``zero_tap`` each window gets
    a first tap more, reading entry H*W + 1 (a zero: max pooling with its ReLU)."""
    src = _tap_sources(xp, device, h, w, kh, kw, stride, pad)
    windows = xp.permute_dims(xp.where(src >= 0, src, h * w), (1, 0))
    if zero_tap:
        zeros = xp.full((windows.shape[0], 1), h * w + 1, dtype=windows.dtype, device=device)
        windows = xp.concat([zeros, windows], axis=1)
    return xp.reshape(windows, (-1,))


def unpool_windows(xp, device, h, w, kh, kw, stride, pad):
    """(H*W*R,): for every pixel the windows that read it (0 in empty slots, see the taps)."""
    windows = _readers(xp, device, h, w, kh, kw, stride, pad)[1]
    return xp.reshape(xp.where(windows >= 0, windows, 0), (-1,))


def unpool_taps(xp, device, h, w, kh, kw, stride, pad, first_tap: int = 0):
    """(H*W*R,): which tap of those windows each pixel is, numbered from ``first_tap`` (1 when
    tap 0 is a zero tap); -1 in empty slots (no arg-max is -1)."""
    taps = _readers(xp, device, h, w, kh, kw, stride, pad)[0]
    if first_tap:
        taps = xp.where(taps >= 0, taps + first_tap, taps)
    return xp.reshape(taps, (-1,))


def tiles(h, w, kh, kw, stride, pad) -> bool:
    """Whether the windows tile the image: each pixel in exactly one window, no padding."""
    return stride == kh == kw and pad == 0 and h % kh == 0 and w % kw == 0


def tile_slots(xp, device, h, w, kh, kw):
    """(H*W,): for windows that tile the image, each pixel's (window, tap) slot ``p*K + k`` in
    (..., out_h*out_w, kh*kw) window-major rows."""
    y, x = xp.arange(h, device=device)[:, None], xp.arange(w, device=device)[None, :]
    window = (y // kh) * (w // kw) + x // kw
    tap = (y % kh) * kw + x % kw
    return xp.reshape(window * (kh * kw) + tap, (-1,))


class DeviceCache:
    """Tables and small constants made once per (namespace, device, key)."""

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
