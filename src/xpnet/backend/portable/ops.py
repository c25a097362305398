"""The portable ops: array API standard only, written for few operations per call.

Every method here is the reference that a backend's faster twin (`xpnet.backend.numpy`,
`xpnet.backend.torch`, `xpnet.backend.cupy`) is held equal to by
``tests/backend/test_ops_twins.py``. They are written for a GPU, where each array operation is
a kernel launch: window operations (im2col, col2im, pooling) are one ``take`` over a cached
index table (`_tables`) instead of a loop over filter taps, and no method reads a value
back to the host.

Memory layout is the ops' business: what a forward returns as ``ctx`` is handed back to the
matching backward unchanged, and the layers never look inside.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from .._namespace import array_namespace, default_float
from .._packed import packed
from . import _tables

#: Zero images appended to a channel-major copy of a batch (the sentinel that padding and
#: missing windows read). Two, not one: NumPy's ``concatenate`` lays its result out as its inputs
#: agree to, and a one-image block agrees with any order, so a batch-major input (a pooling
#: output) gave a batch-major result whose ``reshape`` then copied it once more; two C-ordered
#: images make it choose C order. CuPy's result is always C order; this costs it one image.
SENTINEL_IMAGES = 2


class ConvContext(NamedTuple):
    """What a convolution's forward keeps for its backward: ``kept``, the big buffers (here the
    column buffer; NumPy's ops keep others), in a list so that backward can drop them before it
    makes dx (one column-sized buffer alive at a time); ``x_shape``, the input's shape."""

    kept: list
    x_shape: tuple


class PoolContext(NamedTuple):
    """What a pooling forward keeps: ``winner``, the winning tap of each window (None for
    average pooling), and ``geometry``, ``(x_shape, pool_h, pool_w, stride, pad)``."""

    winner: object
    geometry: tuple


class PoolReluContext(NamedTuple):
    """Max pooling then ReLU run as the two ops they are: each one's own context."""

    pool: tuple
    relu: object


class Ops:
    """Portable implementations; subclasses override where their backend has a faster twin."""

    name = "portable"

    def __init__(self) -> None:
        self._cache = _tables.DeviceCache()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    # -- cached device constants --------------------------------------------------------
    def _table(self, xp, device, make, *args):
        """``make(xp, device, *args)``, an index table of `_tables`, built once per device."""
        return self._cache.get(xp, device, (make.__name__, args), lambda: make(xp, device, *args))

    def _constant(self, xp, value, shape, dtype, device):
        """A cached array of ``shape`` filled with ``value`` (zeros for sentinels, 0-d scalars)."""
        key = ("full", value, tuple(shape), dtype)
        return self._cache.get(xp, device, key, lambda: xp.full(shape, value, dtype=dtype, device=device))

    def _zero(self, xp, like):
        """A 0-d zero of ``like``'s dtype on its device: a scalar operand that costs no
        host-to-device copy (a Python ``0.0`` may become a new device tensor on every call)."""
        return self._constant(xp, 0.0, (), like.dtype, like.device)

    def zero_like(self, x):
        """A cached 0-d zero of ``x``'s dtype on its device (for ``where`` and ``maximum``)."""
        return self.scalar_like(x, 0.0)

    def scalar_like(self, x, value: float):
        """A cached 0-d ``value`` of ``x``'s dtype on its device (no host-to-device copy per call)."""
        return self._constant(array_namespace(x), float(value), (), x.dtype, x.device)

    def class_indices(self, xp, num_classes: int, dtype, device):
        """``arange(num_classes)`` as a cached (1, C) row of ``dtype`` (labels compare against it)."""
        def make():
            return xp.reshape(xp.arange(num_classes, dtype=dtype, device=device), (1, -1))

        return self._cache.get(xp, device, ("classes", num_classes, dtype), make)

    def _take(self, xp, x, indices, axis: int):
        """``xp.take``: elements of ``x`` at the (non-negative) ``indices`` along ``axis``."""
        return xp.take(x, indices, axis=axis)

    # -- labels -------------------------------------------------------------------------
    def on_host(self, x) -> bool:
        """Whether ``x`` lives in host memory, where reading a value costs no device wait (here:
        a torch CPU tensor, or an array on its library's default device, as array-api-strict's
        CPU; a simulated or real accelerator is not)."""
        device = x.device
        if hasattr(device, "type"):
            return device.type == "cpu"
        info = getattr(array_namespace(x), "__array_namespace_info__", None)
        return info is None or device == info().default_device()

    def check_labels(self, t, num_classes: int, *, read: bool = False):
        """Integer labels ``t`` (N,) against ``0..num_classes-1``, where the check is free.

        On the host: ValueError naming the first bad label, at once (one read when all are
        fine); returns None. On a device, reading would make the host wait for it (torch's
        CUDA kernels assert on the device instead of raising): nothing is read, and the 0-d
        bool flag returned, True when a label is out of range, goes to
        [`poison_loss`][xpnet.backend.portable.ops.Ops.poison_loss].
        ``read=True`` reads on a device too (a transfer someone scheduled: data arrival).
        """
        xp = array_namespace(t)
        bad = xp.any((t < 0) | (t >= num_classes))
        if not (read or self.on_host(t)):
            return bad
        if bool(bad):
            lo, hi = int(xp.min(t)), int(xp.max(t))
            raise ValueError(f"label {lo if lo < 0 else hi} is out of range for {num_classes} classes "
                             f"(expected 0 <= t < {num_classes})")
        return None

    def poison_loss(self, loss, bad):
        """``loss``, or NaN where the flag ``bad`` of
[`check_labels`][xpnet.backend.portable.ops.Ops.check_labels] is set (no read)."""
        xp = array_namespace(loss)
        return xp.where(bad, self.scalar_like(loss, math.nan), loss)

    # -- flat buffers -------------------------------------------------------------------
    def views(self, data, spans, shapes):
        """``[reshape(data[a:b], shape) ...]``: views of a 1-D buffer (no copy)."""
        xp = array_namespace(data)
        return [xp.reshape(data[a:b], shape) for (a, b), shape in zip(spans, shapes)]

    def concat_flat(self, arrays):
        """Every array flattened and concatenated into one new 1-D array (one operation)."""
        xp = array_namespace(*arrays)
        return xp.concat([xp.reshape(a, (-1,)) for a in arrays])

    # -- ReLU ---------------------------------------------------------------------------
    def relu_forward(self, x):
        """``(max(x, 0), state)``; ``state`` is what
[`relu_backward`][xpnet.backend.portable.ops.Ops.relu_backward] needs."""
        xp = array_namespace(x)
        out = xp.maximum(x, self._zero(xp, x))
        return out, out

    def relu_backward(self, dout, state):
        """``dout`` where the forward's input was > 0, else 0."""
        xp = array_namespace(state)
        if not hasattr(dout, "shape"):
            dout = xp.asarray(dout, dtype=state.dtype, device=state.device)
        return xp.where(state > 0, dout, self._zero(xp, state))

    # -- dropout ------------------------------------------------------------------------
    def dropout_forward(self, x, keep, scale: float):
        """``(where(keep, x * scale, 0), state)``: one ``where`` when ``scale`` is 1, else one
        ``where`` making a 0/scale gain (kept for backward) and one product."""
        xp = array_namespace(x)
        zero = self._zero(xp, x)
        if scale == 1.0:
            return xp.where(keep, x, zero), keep
        gain = xp.where(keep, self._constant(xp, scale, (), x.dtype, x.device), zero)
        return x * gain, gain

    def dropout_backward(self, dout, state):
        """The gradient through the forward's mask (``state``: the mask itself or the gain)."""
        xp = array_namespace(state)
        if state.dtype != xp.bool:
            return dout * state
        if not hasattr(dout, "shape"):  # a Python number: the mask as 0/1 times it
            return xp.astype(state, default_float(xp)) * dout
        return xp.where(state, dout, self._zero(xp, dout))

    # -- affine -------------------------------------------------------------------------
    def affine_forward(self, x2d, W, b):
        """``(x2d @ W + b, ctx)``; ``ctx`` is the input, kept for ``dW``."""
        out = x2d @ W
        out += b  # in place: out is ours, fresh from the GEMM
        return out, x2d

    def affine_backward(self, dout, W, ctx, *, input_grad: bool = True):
        """``(dx or None, dW, db)`` from the forward's ``ctx``; ``dx = dout @ W.T``, shape (N, D)."""
        xp = array_namespace(dout, W)
        x2d = ctx
        dW, db = xp.matrix_transpose(x2d) @ dout, xp.sum(dout, axis=0)
        return (dout @ xp.matrix_transpose(W) if input_grad else None), dW, db

    # -- im2col / col2im ----------------------------------------------------------------
    def _channel_major(self, xp, x):
        """(C, (N+2)*H*W): ``x`` channel-major with zero images appended (the sentinel)."""
        n, c, h, w = x.shape
        zero = self._constant(xp, 0.0, (c, SENTINEL_IMAGES, h, w), x.dtype, x.device)
        return xp.reshape(xp.concat([xp.permute_dims(x, (1, 0, 2, 3)), zero], axis=1), (c, -1))

    def columns(self, x, filter_h: int, filter_w: int, stride: int, pad: int):
        """Column buffer of ``x`` (N, C, H, W): (C*fh*fw, N*out_h*out_w), rows (c, y, x),
        columns (n, i, j); padding reads the zero image. Two operations for any kernel."""
        xp = array_namespace(x)
        n, c, h, w = x.shape
        idx = self._table(xp, x.device, _tables.columns_index, n, h, w, filter_h, filter_w, stride, pad)
        cols = self._take(xp, self._channel_major(xp, x), idx, axis=1)
        return xp.reshape(cols, (c * filter_h * filter_w, -1))

    def _add_taps(self, xp, cols, input_shape, filter_h, filter_w, stride, pad, row_length):
        """col2im of (C*K, row_length) columns whose entry N*P of tap 0 is zero: one gather of
        every (tap, window) pair reading each pixel, and one sum. Returns (N, C, H, W)."""
        n, c, h, w = input_shape
        idx = self._table(xp, cols.device, _tables.add_columns_index, n, h, w, filter_h, filter_w,
                          stride, pad, row_length)
        r = _tables.readers_per_pixel(filter_h, filter_w, stride)
        gathered = self._take(xp, xp.reshape(cols, (c, -1)), idx, axis=1)
        img = _sum_readers(xp, xp.reshape(gathered, (c, n, h, w, r)))
        return xp.permute_dims(img, (1, 0, 2, 3))

    def add_columns(self, cols, input_shape, filter_h: int, filter_w: int, stride: int, pad: int):
        """Adjoint of [`columns`][xpnet.backend.portable.ops.Ops.columns] (col2im): overlapping windows add
up."""
        xp = array_namespace(cols)
        zero = self._constant(xp, 0.0, (cols.shape[0], 1), cols.dtype, cols.device)
        padded = xp.concat([cols, zero], axis=1)
        return self._add_taps(xp, padded, input_shape, filter_h, filter_w, stride, pad, padded.shape[1])

    # -- convolution --------------------------------------------------------------------
    def conv2d_forward(self, x, W, b, stride: int, pad: int):
        """``(out, ctx)``: out (N, FN, out_h, out_w) = correlation of ``x`` with ``W`` plus ``b``."""
        xp = array_namespace(x, W)
        fn, c, fh, fw = W.shape
        n = x.shape[0]
        col = self.columns(x, fh, fw, stride, pad)
        out = xp.reshape(W, (fn, c * fh * fw)) @ col
        out += xp.reshape(b, (fn, 1))  # in place: out is ours, fresh from the GEMM
        oh, ow = _out_hw(x.shape, fh, fw, stride, pad)
        out = xp.permute_dims(xp.reshape(out, (fn, n, oh, ow)), (1, 0, 2, 3))
        return out, ConvContext([col], tuple(x.shape))

    def conv2d_backward(self, dout, W, ctx, stride: int, pad: int, *, input_grad: bool = True):
        """``(dx or None, dW, db)`` from the forward's ``ctx``.

        ``dout`` is copied once into rows (FN, (N+2)*P) with zero images at the end; ``dW`` and
        ``dcol`` are one GEMM each, and col2im reads the zero image for "no window here".
        """
        xp = array_namespace(dout, W)
        (col,), x_shape = ctx
        ctx.kept.clear()  # the column buffer dies with dW, before dcol is made (one alive at a time)
        fn, c, fh, fw = W.shape
        n, _, oh, ow = dout.shape
        p = oh * ow
        zero = self._constant(xp, 0.0, (fn, SENTINEL_IMAGES, oh, ow), dout.dtype, dout.device)
        rows = xp.reshape(xp.concat([xp.permute_dims(dout, (1, 0, 2, 3)), zero], axis=1), (fn, -1))
        db = xp.sum(rows, axis=1)
        dW = xp.reshape(rows[:, :n * p] @ xp.matrix_transpose(col), tuple(W.shape))
        del col
        if not input_grad:
            return None, dW, db
        dcol = xp.matrix_transpose(xp.reshape(W, (fn, c * fh * fw))) @ rows
        return self._add_taps(xp, dcol, x_shape, fh, fw, stride, pad, (n + SENTINEL_IMAGES) * p), dW, db

    # -- pooling ------------------------------------------------------------------------
    def pool2d_forward(self, x, pool_h: int, pool_w: int, stride: int, pad: int, mode: str):
        """``(out, ctx)``: max or average over every window; max keeps the first maximum's tap
        (row-major), as torch and the book's argmax. Padding: -inf for max, 0 for avg (counted)."""
        xp = array_namespace(x)
        n, c, oh, ow = (*x.shape[:2], *_out_hw(x.shape, pool_h, pool_w, stride, pad))
        geometry = (tuple(x.shape), pool_h, pool_w, stride, pad)
        windows = self._windows(xp, x, pool_h, pool_w, stride, pad, -math.inf if mode == "max" else 0.0)
        if mode == "avg":
            return xp.reshape(xp.mean(windows, axis=-1), (n, c, oh, ow)), PoolContext(None, geometry)
        arg = xp.argmax(windows, axis=-1)
        return xp.reshape(xp.max(windows, axis=-1), (n, c, oh, ow)), PoolContext(arg, geometry)

    def pool2d_backward(self, dout, ctx):
        """dx (N, C, H, W): each pixel gathers the ``dout`` of the windows that read it (and,
        for max, whose winning tap it was), then one sum."""
        arg, geometry = ctx
        if arg is not None:
            return self._max_pool_backward(dout, arg, geometry, first_tap=0)
        xp = array_namespace(dout)
        (n, c, h, w), pool_h, pool_w, stride, pad = geometry
        p = dout.shape[2] * dout.shape[3]
        windows = self._table(xp, dout.device, _tables.unpool_windows, h, w, pool_h, pool_w, stride, pad)
        taps = self._table(xp, dout.device, _tables.unpool_taps, h, w, pool_h, pool_w, stride, pad)
        r = _tables.readers_per_pixel(pool_h, pool_w, stride)
        got = self._take(xp, xp.reshape(dout, (n, c, p)), windows, axis=2)
        # avg: every reader shares equally; padding slots (tap -1) get nothing
        share = self._cache.get(xp, dout.device, ("avg-share", h, w, pool_h, pool_w, stride, pad, dout.dtype),
                                lambda: xp.astype(taps >= 0, dout.dtype) / (pool_h * pool_w))
        return _sum_readers(xp, xp.reshape(got * share, (n, c, h, w, r)))

    def max_pool_relu_forward(self, x, pool_h: int, pool_w: int, stride: int, pad: int):
        """``(relu(maxpool(x)), ctx)`` in one pass: the max of every window and a zero tap.

        The zero tap comes first, so a window whose max is 0 or less takes it and passes no
        gradient back, as ReLU's mask would (``x > 0``); otherwise the first maximum wins, as in
        [`pool2d_forward`][xpnet.backend.portable.ops.Ops.pool2d_forward]. The gather reads one sentinel pair,
        ``[-inf, 0]``, for padding
        and for the zero tap: one ``concat`` where ReLU would cost three operations.
        """
        xp = array_namespace(x)
        n, c, oh, ow = (*x.shape[:2], *_out_hw(x.shape, pool_h, pool_w, stride, pad))
        windows = self._windows(xp, x, pool_h, pool_w, stride, pad, -math.inf, zero_tap=True)
        arg = xp.argmax(windows, axis=-1)  # 0: the zero tap; j + 1: tap j
        out = xp.reshape(xp.max(windows, axis=-1), (n, c, oh, ow))
        return out, PoolContext(arg, (tuple(x.shape), pool_h, pool_w, stride, pad))

    def max_pool_relu_backward(self, dout, ctx):
        """dx (N, C, H, W) of [`max_pool_relu_forward`][xpnet.backend.portable.ops.Ops.max_pool_relu_forward]:
as max pooling's, with tap j
        counted as j + 1 (the zero tap, 0, is nobody's pixel)."""
        arg, geometry = ctx
        return self._max_pool_backward(dout, arg, geometry, first_tap=1)

    def _windows(self, xp, x, pool_h, pool_w, stride, pad, fill: float, *, zero_tap: bool = False):
        """(N, C, out_h*out_w, K) every window of ``x``, padding read as ``fill``; with
        ``zero_tap`` a first tap reading 0 in every window (K + 1 taps). One gather, plus one
        ``concat`` of the sentinel values when there is padding or a zero tap."""
        n, c, h, w = x.shape
        src = xp.reshape(x, (n, c, h * w))
        if pad or zero_tap:
            values = (fill, 0.0) if zero_tap else (fill,)

            def make_sentinels():
                return xp.concat([xp.full((n, c, 1), v, dtype=x.dtype, device=x.device) for v in values],
                                 axis=2)

            key = ("pool-sentinels", values, n, c, x.dtype)
            sentinels = self._cache.get(xp, x.device, key, make_sentinels)
            src = xp.concat([src, sentinels], axis=2)
        idx = self._table(xp, x.device, _tables.pool_index, h, w, pool_h, pool_w, stride, pad, zero_tap)
        taps = pool_h * pool_w + zero_tap
        return xp.reshape(self._take(xp, src, idx, axis=2), (n, c, -1, taps))

    def _max_pool_backward(self, dout, arg, geometry, *, first_tap: int):
        """dx of max pooling whose window taps are numbered from ``first_tap`` in ``arg`` (1 when
        tap 0 is a zero tap): each pixel takes the ``dout`` of the windows it won."""
        xp = array_namespace(dout)
        x_shape, pool_h, pool_w, stride, pad = geometry
        n, c, h, w = x_shape
        p = dout.shape[2] * dout.shape[3]
        if _tables.tiles(h, w, pool_h, pool_w, stride, pad):
            # each pixel in one window: dout into each window's winning slot, one gather back
            k = pool_h * pool_w
            numbers = self._cache.get(xp, dout.device, ("tap-numbers", first_tap, k), lambda: xp.reshape(
                xp.arange(first_tap, first_tap + k, device=dout.device), (1, k)))
            slots = xp.where(xp.reshape(arg, (n, c, p, 1)) == numbers, xp.reshape(dout, (n, c, p, 1)),
                             self._zero(xp, dout))
            index = self._table(xp, dout.device, _tables.tile_slots, h, w, pool_h, pool_w)
            return xp.reshape(self._take(xp, xp.reshape(slots, (n, c, p * k)), index, axis=2), tuple(x_shape))
        geometry_hw = (h, w, pool_h, pool_w, stride, pad)
        windows = self._table(xp, dout.device, _tables.unpool_windows, *geometry_hw)
        taps = self._table(xp, dout.device, _tables.unpool_taps, *geometry_hw, first_tap)
        r = _tables.readers_per_pixel(pool_h, pool_w, stride)
        got = self._take(xp, xp.reshape(dout, (n, c, p)), windows, axis=2)
        won = self._take(xp, xp.reshape(arg, (n, c, p)), windows, axis=2) == taps
        got = xp.where(won, got, self._zero(xp, dout))
        return _sum_readers(xp, xp.reshape(got, (n, c, h, w, r)))

    # -- optimizers ---------------------------------------------------------------------
    def adam_step(self, p, g, m, v, *, beta1: float, beta2: float, eps: float, scale: float,
                  divisor: float = 1.0, decay: float = 1.0, grad_scale: float = 0.0) -> None:
        """One Adam step in place (the moments are the true exponential averages)::

            m += (1-beta1)·(g - m);  v = beta2·v + (1-beta2)·g²;  d = sqrt(v)/divisor + eps
            p *= decay;  p -= grad_scale · g / d;  p -= scale · m / d

        (``grad_scale`` is Nadam's gradient term, 0 for Adam and AdamW.)

        ``g`` may be an array or gradients not yet packed (`PackedArrays`).
        """
        xp = array_namespace(p)
        g = packed(g)  # gradients packed on demand (one concat)
        if decay != 1.0:
            p *= decay
        diff = g - m
        diff *= 1.0 - beta1
        m += diff
        v *= beta2
        sq = g * g
        sq *= 1.0 - beta2
        v += sq
        d = xp.sqrt(v)
        if divisor != 1.0:
            d /= divisor
        d += eps
        if grad_scale != 0.0:
            step_g = g / d
            step_g *= grad_scale
            p -= step_g
        step = m / d
        step *= scale
        p -= step


def max_pool_then_relu_forward(ops, x, pool_h: int, pool_w: int, stride: int, pad: int):
    """[`Ops.max_pool_relu_forward`][xpnet.backend.portable.ops.Ops.max_pool_relu_forward] as the two ops it
fuses, for backends whose pooling
    and ReLU are fast paths of their own (NumPy, torch on the CPU): the same values."""
    pooled, pool_ctx = ops.pool2d_forward(x, pool_h, pool_w, stride, pad, "max")
    out, relu_state = ops.relu_forward(pooled)
    return out, PoolReluContext(pool_ctx, relu_state)


def max_pool_then_relu_backward(ops, dout, ctx):
    pool_ctx, relu_state = ctx
    return ops.pool2d_backward(ops.relu_backward(dout, relu_state), pool_ctx)


def _sum_readers(xp, gathered, axis: int = -1):
    """Sum over the readers ``axis``; with one reader per pixel a free reshape instead."""
    if gathered.shape[axis] == 1:
        kept = [s for i, s in enumerate(gathered.shape) if i != axis % gathered.ndim]
        return xp.reshape(gathered, tuple(kept))
    return xp.sum(gathered, axis=axis)


def _out_hw(shape, kh, kw, stride, pad):
    return _tables.out_size(shape[2], kh, stride, pad), _tables.out_size(shape[3], kw, stride, pad)
