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

The work is the backend's (`xpnet.backend.get_ops`): the portable ops gather every
window with one ``take`` over a cached index table and add them back (col2im) with one gather of
each pixel's readers and one sum, no scatter and no loop over the filter taps; NumPy's use
``sliding_window_view`` and strided adds split over the CPU's cores. Tests hold them equal.
"""

from __future__ import annotations

from .._validation import check_int
from ..backend import array_namespace, get_ops


def _int(name: str, value, *, minimum: int = 1) -> int:
    """A size, stride or pad: TypeError for a non-integer, ValueError below ``minimum``."""
    return check_int(name, value, minimum=minimum, non_integer=TypeError)


def conv_output_size(input_size: int, filter_size: int, stride: int = 1, pad: int = 0) -> int:
    """Output length along one axis, ``(input_size + 2*pad - filter_size) // stride + 1``.

    The book returns a float (``/``); this returns an int, and raises ``ValueError`` for a kernel
    larger than the padded input, a non-positive stride or a negative pad.
    """
    input_size = _int("input size", input_size)
    filter_size = _int("kernel size", filter_size)
    stride = _int("stride", stride)
    pad = _int("pad", pad, minimum=0)
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


def columns(x, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0):
    """The column buffer: every filter window of ``x``, gathered in one copy.

    x : array, shape (N, C, H, W) -> array, shape (C*filter_h*filter_w, N*out_h*out_w),
    rows (c, y, x), columns (n, i, j); a new array, never a view of ``x``.
    """
    output_hw(tuple(x.shape), filter_h, filter_w, stride, pad)
    return get_ops(x).columns(x, filter_h, filter_w, stride, pad)


def add_columns(cols, input_shape, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0):
    """Adjoint of [`columns`][xpnet.functions.conv.columns]: overlapping windows add up.

    cols : array, shape (C*filter_h*filter_w, N*out_h*out_w); input_shape : (N, C, H, W).
    Returns an array of shape (N, C, H, W).
    """
    n, c, h, w = (int(s) for s in input_shape)
    out_h, out_w = output_hw((n, c, h, w), filter_h, filter_w, stride, pad)
    expected = (c * filter_h * filter_w, n * out_h * out_w)
    if tuple(cols.shape) != expected:
        raise ValueError(
            f"cols has shape {tuple(cols.shape)}, but input shape {(n, c, h, w)} with a "
            f"{filter_h}x{filter_w} kernel, stride {stride}, pad {pad} needs {expected}"
        )
    return get_ops(cols).add_columns(cols, (n, c, h, w), filter_h, filter_w, stride, pad)

def im2col(input_data, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0):
    """The book's im2col: one row per output pixel (n, i, j), one column per tap (c, y, x).

    input_data : array, shape (N, C, H, W) -> col : array, shape (N*out_h*out_w, C*filter_h*filter_w),
    the book's values; returned as the transposed view of [`columns`][xpnet.functions.conv.columns]' buffer.
    """
    return array_namespace(input_data).matrix_transpose(columns(input_data, filter_h, filter_w, stride, pad))


def col2im(col, input_shape, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0):
    """The book's col2im, the adjoint of [`im2col`][xpnet.functions.conv.im2col].

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
