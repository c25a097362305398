"""im2col / col2im: convolution as one matrix product (the book's chapter 7), on every backend.

Layout. The column buffer is ``columns(x)``, shape (C*filter_h*filter_w, N*out_h*out_w): row
(c, y, x) is one filter tap, column (n, i, j) one output pixel. Then the convolution is one GEMM,
``W.reshape(FN, -1) @ columns(x)`` -> (FN, N*out_h*out_w), and the weight gradient another,
``dout2d @ columns(x).T``, with no per-sample loop, no batched intermediate and no transpose copy
of the buffer. The gather is fast because its inner loop runs along output rows, and col2im adds
(C, N, ...) slabs into a (C, N, H, W) image, returned as an (N, C, H, W) view.

The book's ``im2col(x)`` (N*out_h*out_w, C*filter_h*filter_w) is exactly ``columns(x).T``: it is
returned as that transposed view (same values and shape as the book, no second copy), and
``col2im(col)`` is ``add_columns(col.T)``.

Portable code uses only the array API standard:

- padding is ``full`` + slice assignment (so max pooling can pad with ``-inf``);
- the gather is ``filter_h * filter_w`` strided slices stacked once (never a loop per element);
- col2im adds ``filter_h * filter_w`` strided slices into a zero image with ``+=`` on a view, no
  scatter-add. Slice stops stay in bounds: the book's ``y:y + stride*out_h:stride`` can run past
  the end, which NumPy clamps and array-api-strict rejects; here it is ``y + stride*(out_h-1) + 1``.

On NumPy the gather is ``sliding_window_view`` and one reshape copy
(:func:`xpnet.backend.numpy_columns`), held equal to the portable twin by a test. col2im stays
portable everywhere: ``filter_h * filter_w`` strided adds touch each element once per tap, which is
what a scatter-free col2im can do at best; on NumPy its batch is split over the CPU's cores
(each thread adds its own images, so the sums are the same as on one thread).
"""

from __future__ import annotations

import operator

from ..backend import array_namespace, batch_parts, is_numpy_namespace, numpy_columns, run_parts


def _int(name: str, value, *, allow_zero: bool = False) -> int:
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
    """Output length along one axis, ``(input_size + 2*pad - filter_size) // stride + 1``.

    The book returns a float (``/``); this returns an int, and raises ``ValueError`` for a kernel
    larger than the padded input, a non-positive stride or a negative pad.
    """
    input_size = _int("input size", input_size)
    filter_size = _int("kernel size", filter_size)
    stride = _int("stride", stride)
    pad = _int("pad", pad, allow_zero=True)
    if filter_size > input_size + 2 * pad:
        raise ValueError(
            f"kernel size {filter_size} is larger than the padded input: input size {input_size} "
            f"with pad {pad} gives {input_size + 2 * pad}"
        )
    return (input_size + 2 * pad - filter_size) // stride + 1


def output_hw(input_shape, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0):
    """``(out_h, out_w)`` for an (N, C, H, W) input shape; ValueError for any other rank."""
    if len(input_shape) != 4:
        raise ValueError(f"input must have shape (N, C, H, W), got shape {tuple(input_shape)}")
    return (conv_output_size(input_shape[2], filter_h, stride, pad),
            conv_output_size(input_shape[3], filter_w, stride, pad))


def window_slices(filter_h: int, filter_w: int, stride: int, out_h: int, out_w: int):
    """One (rows, cols) slice pair per filter tap (y, x), row-major, over a padded image.

    Tap (y, x) of every window is ``img[..., rows, cols]``, shape (..., out_h, out_w); the stops
    are in bounds (``y + stride*(out_h-1) + 1``).
    """
    span_h, span_w = stride * (out_h - 1) + 1, stride * (out_w - 1) + 1
    return [(slice(y, y + span_h, stride), slice(x, x + span_w, stride))
            for y in range(filter_h) for x in range(filter_w)]


def pad_images(x, pad: int, value: float = 0.0):
    """``x`` with ``pad`` rows/columns of ``value`` around the last two axes (``x`` if pad is 0).

    x : array, shape (..., H, W) -> array, shape (..., H + 2*pad, W + 2*pad)
    """
    if pad == 0:
        return x
    xp = array_namespace(x)
    *lead, h, w = x.shape
    img = xp.full((*lead, h + 2 * pad, w + 2 * pad), value, dtype=x.dtype, device=x.device)
    img[..., pad:pad + h, pad:pad + w] = x
    return img


def add_taps(taps, size_hw, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0, img=None):
    """Sum tap k onto window position k of a zero image and cut off the padding.

    The adjoint of reading ``img[..., rows, cols]`` for each of :func:`window_slices`.

    Parameters
    ----------
    taps : iterable of ``filter_h*filter_w`` arrays, shape (..., out_h, out_w)
        Consumed one at a time (a generator keeps only one tap alive).
    size_hw : (H, W) of the unpadded image.
    img : array, shape (..., H + 2*pad, W + 2*pad), optional
        All zeros: the taps are added into it in place (e.g. one slice of a batch-wide buffer
        filled by several threads). Default: a new zero image.

    Returns
    -------
    array, shape (..., H, W)
    """
    h, w = size_hw
    for (rows, cols), tap in zip(_slices_for(size_hw, filter_h, filter_w, stride, pad), taps):
        if img is None:
            xp = array_namespace(tap)
            lead = tuple(tap.shape[:-2])
            img = xp.zeros((*lead, h + 2 * pad, w + 2 * pad), dtype=tap.dtype, device=tap.device)
        img[..., rows, cols] += tap
    return img if pad == 0 else img[..., pad:pad + h, pad:pad + w]


def _slices_for(size_hw, filter_h, filter_w, stride, pad):
    out_h, out_w = output_hw((1, 1, *size_hw), filter_h, filter_w, stride, pad)
    return window_slices(filter_h, filter_w, stride, out_h, out_w)


def _portable_columns(img, filter_h: int, filter_w: int, stride: int):
    """Portable twin of :func:`xpnet.backend.numpy_columns` (same shape, same values)."""
    xp = array_namespace(img)
    n, c, h, w = img.shape
    out_h, out_w = (h - filter_h) // stride + 1, (w - filter_w) // stride + 1
    taps = [xp.permute_dims(img[:, :, rows, cols], (1, 0, 2, 3))
            for rows, cols in window_slices(filter_h, filter_w, stride, out_h, out_w)]
    return xp.reshape(xp.stack(taps, axis=1), (c * filter_h * filter_w, n * out_h * out_w))


def columns(x, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0):
    """The column buffer: every filter window of ``x``, gathered in one copy.

    x : array, shape (N, C, H, W) -> array, shape (C*filter_h*filter_w, N*out_h*out_w),
    rows (c, y, x), columns (n, i, j); a new array, never a view of ``x``.
    """
    output_hw(tuple(x.shape), filter_h, filter_w, stride, pad)
    xp = array_namespace(x)
    img = pad_images(x, pad)
    if is_numpy_namespace(xp):
        return numpy_columns(img, filter_h, filter_w, stride)
    return _portable_columns(img, filter_h, filter_w, stride)


def add_columns(cols, input_shape, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0):
    """Adjoint of :func:`columns`: overlapping windows add up.

    cols : array, shape (C*filter_h*filter_w, N*out_h*out_w); input_shape : (N, C, H, W).
    Returns an array of shape (N, C, H, W), a view of a (C, N, H, W) buffer.
    """
    xp = array_namespace(cols)
    n, c, h, w = (int(s) for s in input_shape)
    out_h, out_w = output_hw((n, c, h, w), filter_h, filter_w, stride, pad)
    k = filter_h * filter_w
    expected = (c * k, n * out_h * out_w)
    if tuple(cols.shape) != expected:
        raise ValueError(
            f"cols has shape {tuple(cols.shape)}, but input shape {(n, c, h, w)} with a "
            f"{filter_h}x{filter_w} kernel, stride {stride}, pad {pad} needs {expected}"
        )
    cols = xp.reshape(cols, (c, k, n, out_h, out_w))
    parts = batch_parts(xp, n, c * k * out_h * out_w)
    if len(parts) == 1:
        img = add_taps((cols[:, j, ...] for j in range(k)), (h, w), filter_h, filter_w, stride, pad)
        return xp.permute_dims(img, (1, 0, 2, 3))
    full = xp.zeros((c, n, h + 2 * pad, w + 2 * pad), dtype=cols.dtype, device=cols.device)

    def part(a, b):  # images a..b, on its own thread: disjoint slices of ``full``
        add_taps((cols[:, j, a:b, ...] for j in range(k)), (h, w), filter_h, filter_w, stride, pad,
                 img=full[:, a:b, ...])

    run_parts(part, parts)
    img = full if pad == 0 else full[..., pad:pad + h, pad:pad + w]
    return xp.permute_dims(img, (1, 0, 2, 3))


def im2col(input_data, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0):
    """The book's im2col: one row per output pixel (n, i, j), one column per tap (c, y, x).

    input_data : array, shape (N, C, H, W) -> col : array, shape (N*out_h*out_w, C*filter_h*filter_w),
    the book's values; returned as the transposed view of :func:`columns`' buffer.
    """
    return array_namespace(input_data).matrix_transpose(columns(input_data, filter_h, filter_w, stride, pad))


def col2im(col, input_shape, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0):
    """The book's col2im, the adjoint of :func:`im2col`.

    col : array, shape (N*out_h*out_w, C*filter_h*filter_w); input_shape : (N, C, H, W)
    -> array, shape (N, C, H, W).
    """
    n, c, h, w = (int(s) for s in input_shape)
    out_h, out_w = output_hw((n, c, h, w), filter_h, filter_w, stride, pad)
    expected = (n * out_h * out_w, c * filter_h * filter_w)
    if tuple(col.shape) != expected:
        raise ValueError(
            f"col has shape {tuple(col.shape)}, but input shape {(n, c, h, w)} with a "
            f"{filter_h}x{filter_w} kernel, stride {stride}, pad {pad} needs {expected}"
        )
    cols = array_namespace(col).matrix_transpose(col)
    return add_columns(cols, (n, c, h, w), filter_h, filter_w, stride, pad)
