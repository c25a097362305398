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

# 3x3 kernel over 8 channels: the column buffer (72 x N*H*W floats) dwarfs image and weights
N, C, H, W, FN = 4, 8, 16, 16, 4


def _layer():
    return Convolution(normal((FN, C, 3, 3), std=0.1), normal((FN,)), stride=1, pad=1)


def _column_bytes():
    return C * 9 * N * H * W * 4


def test_backward_peak_stays_below_one_extra_column_buffer():
    with xpnet.use_backend("numpy"):
        layer, x = _layer(), normal((N, C, H, W))
        dout = xpnet.backend.ones((N, FN, H, W))
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
    # dcol (one column buffer) plus the padded image and small arrays; a second buffer alive
    # alongside the forward's would add another _column_bytes() on top
    assert peak - held < 1.5 * _column_bytes(), (peak - held, _column_bytes())


def test_forward_keeps_exactly_one_column_buffer_and_nothing_column_sized_else(xp):
    layer = _layer()
    layer.forward(normal((N, C, H, W)))
    big = [name for name, value in vars(layer).items()
           if hasattr(value, "shape") and int(np.prod(value.shape)) * 4 >= _column_bytes()]
    assert big == ["col"]
    assert tuple(layer.col.shape) == (C * 9, N * H * W)


def test_peak_check_catches_a_layer_that_keeps_its_buffer(monkeypatch):
    """The bound above can fail: a backward that keeps ``col`` alive while building dcol breaks it."""
    original = Convolution._param_grads

    def keep_col(self, dout):
        col = self.col
        out = original(self, dout)
        self._kept = col  # what a layer without the early release would hold
        return out

    monkeypatch.setattr(Convolution, "_param_grads", keep_col)
    with pytest.raises(AssertionError, match=r"^\(\d+, \d+\)"):  # the peak assertion, not another
        test_backward_peak_stays_below_one_extra_column_buffer()
