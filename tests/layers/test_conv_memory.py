"""A convolution holds at most one column buffer at a time.

Forward keeps its column buffer for the weight gradient; backward must drop it before it
allocates the column-shaped input gradient, so the peak during backward stays below the
memory held after forward plus one more column buffer. NumPy reports its data allocations to
tracemalloc, so the peak is measured exactly on the NumPy backend (array-api-strict runs on
NumPy too); other backends check the retained attributes.
"""

import tracemalloc

import numpy as np
import pytest

import xpnet
from xpnet.backend import normal
from xpnet.layers import Convolution

# 3x3 kernel over 8 channels: the column buffer (72 x N*H*W floats) dwarfs image and weights.
# FN = 16 > C: dx by the book's dcol + col2im; FN = 4 <= C: by the transposed convolution, whose
# column buffer (FN*9 rows) is half the forward's.
N, C, H, W, FN = 4, 8, 16, 16, 16
PATHS = {"dcol + col2im": (16, 1.5), "transposed conv": (4, 0.5)}  # FN, bound in column buffers


def _layer(fn=FN):
    return Convolution(normal((fn, C, 3, 3), std=0.1), normal((fn,)), stride=1, pad=1)


def _column_bytes():
    return C * 9 * N * H * W * 4


@pytest.mark.parametrize("path", PATHS)
def test_backward_peak_stays_below_one_extra_column_buffer(path):
    fn, bound = PATHS[path]
    with xpnet.use_backend("numpy"):
        layer, x = _layer(fn), normal((N, C, H, W))
        dout = xpnet.backend.ones((N, fn, H, W))
        tracemalloc.start()
        try:
            layer.forward(x)
            held, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            dx = layer.backward(dout)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert tuple(dx.shape) == (N, C, H, W)
    assert layer.col is None
    # dcol (one column buffer) or columns(dout) (half of one) plus the padded image and small
    # arrays; keeping the forward's buffer alive alongside would add all of that on top
    assert peak - held < bound * _column_bytes(), (peak - held, _column_bytes())


def test_forward_keeps_exactly_one_column_buffer_and_nothing_column_sized_else(xp):
    layer = _layer()
    layer.forward(normal((N, C, H, W)))
    held = {**vars(layer), **{f"_ctx[{i}]": v for i, v in enumerate(layer._ctx)}}
    big = [name for name, value in held.items()
           if hasattr(value, "shape") and int(np.prod(value.shape)) * 4 >= _column_bytes()]
    assert len(big) == 1 and held[big[0]] is layer.col
    assert tuple(layer.col.shape) == (C * 9, N * H * W)


def test_peak_check_catches_a_layer_that_keeps_its_buffer(monkeypatch):
    """The bound above can fail: a backward that keeps ``col`` alive while building dcol breaks it."""
    original = Convolution._backward

    def keep_col(self, dout, **kwargs):
        self._kept = self.col  # what a layer without the early release would hold
        return original(self, dout, **kwargs)

    monkeypatch.setattr(Convolution, "_backward", keep_col)
    for path in PATHS:
        with pytest.raises(AssertionError, match=r"^\(\d+, \d+\)"):  # the peak assertion, not another
            test_backward_peak_stays_below_one_extra_column_buffer(path)
