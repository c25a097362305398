"""im2col / col2im: layout against a naive loop, adjointness, bad geometry (the NumPy twins are held
equal to the portable ops in tests/backend/test_ops_twins.py)."""

import numpy as np
import pytest

import xpnet
from xpnet.functions import add_columns, col2im, columns, conv_output_size, im2col
from xpnet.testing import assert_close

# (H, W, filter_h, filter_w, stride, pad): square and not, strides that do not divide the
# padded input (the book's slice stop would overrun), kernels as large as the padded input.
GEOMETRIES = [
    (5, 5, 3, 3, 1, 0),
    (6, 5, 3, 2, 2, 1),
    (7, 7, 3, 3, 2, 0),
    (5, 6, 2, 3, 3, 2),
    (4, 4, 6, 6, 1, 1),
    (5, 5, 1, 1, 1, 0),
]


def _naive_im2col(x, fh, fw, stride, pad):
    """The definition, one element at a time: row (n, i, j), column (c, y, x)."""
    n, c, h, w = x.shape
    img = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    col = np.empty((n * oh * ow, c * fh * fw), dtype=x.dtype)
    for idx in np.ndindex(n, oh, ow, c, fh, fw):
        b, i, j, ch, y, xx = idx
        col[(b * oh + i) * ow + j, (ch * fh + y) * fw + xx] = img[b, ch, i * stride + y, j * stride + xx]
    return col


@pytest.mark.parametrize("geom", GEOMETRIES, ids=str)
def test_im2col_puts_each_window_tap_where_the_book_does(xp, geom):
    h, w, fh, fw, stride, pad = geom
    host = np.random.default_rng(1).normal(size=(2, 3, h, w)).astype(np.float32)
    col = im2col(xpnet.asarray(host), fh, fw, stride, pad)
    assert_close(col, _naive_im2col(host, fh, fw, stride, pad), rtol=0, xp=xp, dtype=xp.float32)


@pytest.mark.parametrize("geom", GEOMETRIES, ids=str)
def test_col2im_is_the_adjoint_of_im2col(float64, geom):
    xp = float64
    h, w, fh, fw, stride, pad = geom
    rng = np.random.default_rng(2)
    x = xpnet.asarray(rng.normal(size=(2, 3, h, w)))
    col = im2col(x, fh, fw, stride, pad)
    y = xpnet.asarray(rng.normal(size=tuple(col.shape)))
    back = col2im(y, tuple(x.shape), fh, fw, stride, pad)
    assert back.dtype == xp.float64 and tuple(back.shape) == tuple(x.shape)
    lhs = float(xp.sum(col * y))
    rhs = float(xp.sum(x * back))
    assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12)


def test_col2im_keeps_float32(xp):
    col = xpnet.asarray(np.ones((2 * 3 * 3, 4 * 9), dtype=np.float32))
    out = col2im(col, (2, 4, 5, 5), 3, 3, stride=2, pad=1)
    assert out.dtype == xp.float32 and tuple(out.shape) == (2, 4, 5, 5)


def test_im2col_does_not_alias_its_input(xp):
    x = xpnet.asarray(np.arange(8, dtype=np.float32).reshape(2, 1, 2, 2))
    col = im2col(x, 1, 1)  # 1x1 kernel on one channel: the cheapest reshape would be a view
    col[...] = -1.0
    assert_close(x, np.arange(8, dtype=np.float32).reshape(2, 1, 2, 2), xp=xp)


@pytest.mark.parametrize("geom", GEOMETRIES[:3], ids=str)
def test_the_column_buffer_is_the_book_col_transposed(xp, geom):
    h, w, fh, fw, stride, pad = geom
    x = xpnet.asarray(np.random.default_rng(4).normal(size=(2, 3, h, w)).astype(np.float32))
    cols = columns(x, fh, fw, stride, pad)
    assert_close(cols, xpnet.to_numpy(im2col(x, fh, fw, stride, pad)).T, rtol=0, xp=xp, dtype=xp.float32)
    back = add_columns(cols, tuple(x.shape), fh, fw, stride, pad)
    assert_close(back, xpnet.to_numpy(col2im(xp.matrix_transpose(cols), tuple(x.shape), fh, fw, stride, pad)),
                 rtol=0, xp=xp, dtype=xp.float32)


def test_conv_output_size_is_an_int_that_sizes_im2col(xp):
    x = xpnet.asarray(np.zeros((2, 3, 9, 7), dtype=np.float32))
    oh, ow = conv_output_size(9, 3, 2, 1), conv_output_size(7, 2, 2, 1)
    assert isinstance(oh, int) and isinstance(ow, int)
    assert tuple(im2col(x, 3, 2, 2, 1).shape) == (2 * oh * ow, 3 * 3 * 2)


# ---- bad geometry: each raises a ValueError/TypeError naming the offending values ----------------

def test_kernel_larger_than_padded_input_names_kernel_input_and_pad(xp):
    x = xpnet.asarray(np.zeros((1, 1, 3, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"kernel size 6 .* input size 3 with pad 1"):
        im2col(x, 6, 6, stride=1, pad=1)


@pytest.mark.parametrize(("stride", "pad", "error", "message"), [
    (0, 0, ValueError, r"stride must be a positive integer, got 0"),
    (-2, 0, ValueError, r"stride must be a positive integer, got -2"),
    (1, -1, ValueError, r"pad must be a non-negative integer, got -1"),
    (1.5, 0, TypeError, r"stride must be an integer, got 1\.5"),
])
def test_bad_stride_or_pad_is_rejected(xp, stride, pad, error, message):
    x = xpnet.asarray(np.zeros((1, 1, 4, 4), dtype=np.float32))
    with pytest.raises(error, match=message):
        im2col(x, 2, 2, stride=stride, pad=pad)


def test_im2col_needs_4d_input(xp):
    x = xpnet.asarray(np.zeros((3, 4, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\), got shape \(3, 4, 4\)"):
        im2col(x, 2, 2)


def test_col2im_rejects_a_col_of_the_wrong_shape(xp):
    col = xpnet.asarray(np.zeros((10, 9), dtype=np.float32))
    with pytest.raises(ValueError, match=r"col has shape \(10, 9\).*needs \(9, 9\)"):
        col2im(col, (1, 1, 5, 5), 3, 3)
    with pytest.raises(ValueError, match=r"cols has shape \(10, 9\).*needs \(9, 9\)"):
        add_columns(col, (1, 1, 5, 5), 3, 3)
