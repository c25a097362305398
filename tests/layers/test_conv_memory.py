"""A convolution holds at most one column buffer at a time; on NumPy, none at all.

The portable ops' forward keeps its column buffer for the weight gradient; backward must drop it
before it allocates the column-shaped input gradient, so the memory held during backward never
reaches two column buffers. NumPy's ops, for fewer than 128
filters, never build a whole column buffer (blocks of it, gathered and multiplied while in
cache): forward keeps the padded batch-last image and backward gathers the blocks again from it;
only the book's dcol (FN > C) is column-sized. NumPy reports its data allocations to
tracemalloc, so the peak is measured exactly on the NumPy backend; other backends check the
retained attributes.
"""

import tracemalloc

import numpy as np
import pytest

import xpnet
from xpnet.backend import normal
from xpnet.layers import Convolution

# 3x3 kernel over 8 channels: the column buffer (72 x N*H*W floats) dwarfs image and weights.
# FN = 16 > C: dx by the book's dcol + col2im; FN = 4 <= C: by the transposed convolution (on
# NumPy blocked, on the portable ops through a column buffer of FN*9 rows, half the forward's).
N, C, H, W, FN = 4, 8, 16, 16, 16
PATHS = {"dcol + col2im": (16, 2.0), "transposed conv": (4, 1.5)}  # FN, bound in column buffers


def _layer(fn=FN):
    return Convolution(normal((fn, C, 3, 3), std=0.1), normal((fn,)), stride=1, pad=1)


def _itemsize():
    return np.dtype(xpnet.backend.get_dtype_name()).itemsize  # DL_DTYPE=float64 runs too


def _column_bytes():
    return C * 9 * N * H * W * _itemsize()


@pytest.fixture(params=["whole buffer", "blocked"])
def numpy_conv_path(request, monkeypatch):
    """NumPy's two convolution paths: this small layer goes through the whole column buffer by
    default; with the size floor at 0 it goes block by block, as large layers do."""
    if request.param == "blocked":
        monkeypatch.setattr("xpnet.backend.numpy.ops.BLOCKED_MIN_ITEMS", 0)
    return request.param


@pytest.mark.parametrize("path", PATHS)
def test_backward_peak_stays_below_one_extra_column_buffer(path, numpy_conv_path, monkeypatch):
    fn, bound = PATHS[path]
    # one thread: the warm-up below makes the block buffer of the thread that the traced run
    # uses (with a pool, another worker could take the part and make its own, traced)
    monkeypatch.setenv("XPNET_NUM_THREADS", "1")
    with xpnet.use_backend("numpy"):
        layer, x = _layer(fn), normal((N, C, H, W))
        dout = xpnet.backend.ones((N, fn, H, W))
        layer.forward(x)  # once untraced: the blocked path's per-thread block buffers are made here
        layer.backward(dout)  # and kept (a block each, tested below), not made per step
        tracemalloc.start()
        try:
            layer.forward(x)
            tracemalloc.reset_peak()
            dx = layer.backward(dout)
            _, peak = tracemalloc.get_traced_memory()  # all the layer holds, from before forward
        finally:
            tracemalloc.stop()
    assert tuple(dx.shape) == (N, C, H, W)
    assert layer._ctx is None  # backward dropped what forward kept
    # what forward kept (a column buffer, or NumPy's padded image) and, at its peak, dcol or the
    # transposed product's columns (one block per thread on NumPy), dx and small arrays (1.8 and
    # 0.7 column buffers on NumPy here); a second column buffer alive alongside breaks it
    assert peak < bound * _column_bytes(), (peak, _column_bytes())


def test_forward_keeps_at_most_one_column_buffer_and_nothing_column_sized_else(xp, numpy_conv_path):
    layer = _layer()
    x = normal((N, C, H, W))
    layer.forward(x)
    held = {**vars(layer), **{f"kept[{i}]": v for i, v in enumerate(layer._ctx.kept)}}
    col = layer._ctx.kept[0]  # the column buffer (portable, and NumPy's whole-buffer path), or None
    sizes = {name: int(np.prod(value.shape)) * _itemsize() for name, value in held.items()
             if hasattr(value, "shape")}
    big = [name for name, size in sizes.items() if size >= _column_bytes()]
    if col is None:  # NumPy, blocked: the padded image is what backward gathers from
        assert xpnet.get_backend() == "numpy" and numpy_conv_path == "blocked" and big == []
        assert max(sizes.values()) <= C * (H + 2) * (W + 2) * N * _itemsize()
    else:
        assert len(big) == 1 and held[big[0]] is col
        assert tuple(col.shape) == (C * 9, N * H * W)


def test_peak_check_catches_a_backward_that_builds_the_whole_column_buffer(monkeypatch):
    """The bound above can fail: a backward that gathers every column at once breaks it."""
    from xpnet.backend.numpy import _fast_conv

    original = _fast_conv.conv_weight_grad_hwn

    def whole_buffer(rows, img, fh, fw, stride):
        blocks = _fast_conv._Blocks(img, fh, fw, stride, _fast_conv.MIN_COLUMNS)
        whole = np.concatenate([cols.copy() for cols, _, _ in blocks.columns(0, len(blocks.blocks))], axis=1)
        assert whole.shape == (blocks.k, rows.shape[1])
        return original(rows, img, fh, fw, stride)

    monkeypatch.setattr("xpnet.backend.numpy.ops.conv_weight_grad_hwn", whole_buffer)
    monkeypatch.setattr("xpnet.backend.numpy.ops.BLOCKED_MIN_ITEMS", 0)
    for path in PATHS:
        with pytest.raises(AssertionError, match=r"^\(\d+, \d+\)"):  # the peak assertion, not another
            test_backward_peak_stays_below_one_extra_column_buffer(path, "blocked", monkeypatch)


def test_the_blocked_path_keeps_one_block_buffer_per_thread_at_most(monkeypatch):
    """The block buffers that the blocked path keeps from call to call (no page faults per step)
    hold one block per thread, of the largest block seen."""
    from xpnet.backend.numpy import _fast_conv

    monkeypatch.setattr("xpnet.backend.numpy.ops.BLOCKED_MIN_ITEMS", 0)
    monkeypatch.setattr(_fast_conv._workspace, "buffers", {}, raising=False)  # what earlier tests grew
    with xpnet.use_backend("numpy"):
        layer, x = _layer(4), normal((N, C, H, W))
        layer.backward(layer.forward(x))
    dtype = np.dtype(xpnet.backend.get_dtype_name())
    img = _fast_conv._hwn_image(np.zeros((N, C, H, W), dtype), 1)
    largest = max(blocks.k * blocks.pixels * blocks.n
                  for blocks in (_fast_conv._Blocks(img, 3, 3, 1, _fast_conv.MIN_COLUMNS),
                                 _fast_conv._Blocks(img, 3, 3, 1, _fast_conv.GRAD_MIN_COLUMNS)))
    held = _fast_conv._workspace.buffers[dtype]
    assert held.size <= largest and held.size < C * 9 * N * H * W
