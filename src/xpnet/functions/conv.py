"""im2col / col2im: convolution and pooling as dense array operations, on every backend.

``im2col(x)`` has one row per output pixel ``(n, i, j)`` and one column per filter tap
``(c, y, x)``, the book's order, so ``im2col(x) @ W.reshape(FN, -1).T`` is the convolution.
``col2im`` is its adjoint: it adds every column entry back onto the pixel it came from.

Portable code uses only the array API standard:

- padding is ``full`` + slice assignment (so max pooling can pad with ``-inf``);
- the gather is ``filter_h * filter_w`` strided slices stacked once (never a loop per element);
- col2im adds ``filter_h * filter_w`` strided slices into a zero image with ``+=`` on a view,
  no scatter-add. Slice stops stay in bounds: the book's ``y:y + stride*out_h:stride`` can run past
  the end, which NumPy clamps and array-api-strict rejects; here the stop is
  ``y + stride*(out_h - 1) + 1``.

On NumPy the gather is ``sliding_window_view`` and one reshape copy
(:func:`xpnet.backend.numpy_windows`), held equal to the portable twin by a test. col2im stays
portable everywhere: its ``filter_h * filter_w`` strided adds already touch each element once per
tap, which is what a scatter-free col2im can do at best.

:func:`windows` and :func:`add_windows` are the general forms (any pad value, pooling's
channels-first layout) behind the book's two thin names; ``layers.pooling`` uses them directly.
"""

from __future__ import annotations

import operator

from ..backend import array_namespace, is_numpy_namespace, numpy_windows


def _positive_int(name: str, value, *, allow_zero: bool = False) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    try:
        v = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r}") from None
    if v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'non-negative' if allow_zero else 'positive'}, got {v}")
    return v


def conv_output_size(input_size: int, filter_size: int, stride: int = 1, pad: int = 0) -> int:
    """Output length of a convolution or pooling along one axis: ``(in + 2*pad - k)//stride + 1``.

    The book returns a float (``/``); this returns an int, and raises ``ValueError`` for a kernel
    larger than the padded input, a non-positive stride or a negative pad.
    """
    input_size = _positive_int("input size", input_size)
    filter_size = _positive_int("kernel size", filter_size)
    stride = _positive_int("stride", stride)
    pad = _positive_int("pad", pad, allow_zero=True)
    if filter_size > input_size + 2 * pad:
        raise ValueError(
            f"kernel size {filter_size} is larger than the padded input: input size {input_size} "
            f"with pad {pad} gives {input_size + 2 * pad}"
        )
    return (input_size + 2 * pad - filter_size) // stride + 1


def _check_images(x, what: str = "input") -> None:
    if x.ndim != 4:
        raise ValueError(f"{what} must have shape (N, C, H, W), got shape {tuple(x.shape)}")


def pad_images(x, pad: int, value: float = 0.0):
    """``x`` with ``pad`` rows/columns of ``value`` around H and W; ``x`` itself when ``pad == 0``.

    x : array, shape (N, C, H, W) -> array, shape (N, C, H + 2*pad, W + 2*pad)
    """
    if pad == 0:
        return x
    xp = array_namespace(x)
    n, c, h, w = x.shape
    img = xp.full((n, c, h + 2 * pad, w + 2 * pad), value, dtype=x.dtype, device=x.device)
    img[:, :, pad:pad + h, pad:pad + w] = x
    return img


def _portable_windows(img, filter_h: int, filter_w: int, stride: int, *, channels_last: bool):
    """Portable twin of :func:`xpnet.backend.numpy_windows` (same shapes, same values)."""
    xp = array_namespace(img)
    out_h = (img.shape[2] - filter_h) // stride + 1
    out_w = (img.shape[3] - filter_w) // stride + 1
    span_h, span_w = stride * (out_h - 1) + 1, stride * (out_w - 1) + 1
    taps = []
    for y in range(filter_h):
        for x in range(filter_w):
            tap = img[:, :, y:y + span_h:stride, x:x + span_w:stride]
            taps.append(xp.permute_dims(tap, (0, 2, 3, 1)) if channels_last else tap)
    return xp.stack(taps, axis=-1)


def windows(x, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0, *,
            value: float = 0.0, channels_last: bool = True):
    """Every filter window of ``x``, padded with ``value``, gathered in one copy.

    Parameters
    ----------
    x : array, shape (N, C, H, W)
    channels_last : bool
        ``True``: shape (N, out_h, out_w, C, filter_h*filter_w), whose reshape to 2-D is im2col.
        ``False``: shape (N, C, out_h, out_w, filter_h*filter_w), so a reduction over the last
        axis is already in (N, C, out_h, out_w) order (pooling).
    """
    _check_images(x)
    conv_output_size(x.shape[2], filter_h, stride, pad)
    conv_output_size(x.shape[3], filter_w, stride, pad)
    xp = array_namespace(x)
    img = pad_images(x, pad, value)
    if is_numpy_namespace(xp):
        return numpy_windows(img, filter_h, filter_w, stride, channels_last=channels_last)
    return _portable_windows(img, filter_h, filter_w, stride, channels_last=channels_last)


def add_windows(cols, input_shape, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0):
    """Adjoint of :func:`windows`: add each window's values back onto the input pixels.

    Parameters
    ----------
    cols : array, shape (N, C, filter_h, filter_w, out_h, out_w)
        Any strides, including a ``broadcast_to`` view (average pooling).
    input_shape : tuple (N, C, H, W)
        Shape of the unpadded input; the padding border is cut off at the end.

    Returns
    -------
    array, shape (N, C, H, W)
    """
    xp = array_namespace(cols)
    n, c, h, w = input_shape
    out_h, out_w = cols.shape[4], cols.shape[5]
    span_h, span_w = stride * (out_h - 1) + 1, stride * (out_w - 1) + 1
    img = xp.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=cols.dtype, device=cols.device)
    for y in range(filter_h):
        for x in range(filter_w):
            img[:, :, y:y + span_h:stride, x:x + span_w:stride] += cols[:, :, y, x, :, :]
    if pad == 0:
        return img
    return img[:, :, pad:pad + h, pad:pad + w]


def im2col(input_data, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0):
    """The book's im2col: one row per output pixel, one column per (channel, filter tap).

    Parameters
    ----------
    input_data : array, shape (N, C, H, W)

    Returns
    -------
    col : array, shape (N*out_h*out_w, C*filter_h*filter_w), C-order rows (n, i, j) and
        columns (c, y, x) as in the book; a new array, never a view of ``input_data``.
    """
    xp = array_namespace(input_data)
    cols = windows(input_data, filter_h, filter_w, stride, pad, channels_last=True)
    n, out_h, out_w, c, k = cols.shape
    return xp.reshape(cols, (n * out_h * out_w, c * k))


def col2im(col, input_shape, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0):
    """The book's col2im: the adjoint of :func:`im2col` (overlapping windows add up).

    Parameters
    ----------
    col : array, shape (N*out_h*out_w, C*filter_h*filter_w)
    input_shape : tuple (N, C, H, W)

    Returns
    -------
    array, shape (N, C, H, W)
    """
    xp = array_namespace(col)
    n, c, h, w = (int(s) for s in input_shape)
    out_h = conv_output_size(h, filter_h, stride, pad)
    out_w = conv_output_size(w, filter_w, stride, pad)
    expected = (n * out_h * out_w, c * filter_h * filter_w)
    if tuple(col.shape) != expected:
        raise ValueError(
            f"col has shape {tuple(col.shape)}, but input shape {(n, c, h, w)} with a "
            f"{filter_h}x{filter_w} kernel, stride {stride}, pad {pad} needs {expected}"
        )
    cols = xp.reshape(col, (n, out_h, out_w, c, filter_h, filter_w))
    cols = xp.permute_dims(cols, (0, 3, 4, 5, 1, 2))
    return add_windows(cols, (n, c, h, w), filter_h, filter_w, stride, pad)
