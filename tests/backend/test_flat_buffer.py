"""FlatBuffer: arrays back to back in one 1-D buffer, each key a plain view of it, on every
backend; no layout other than key order (no permuted keys, no gaps)."""

import numpy as np
import pytest

import xpnet
from xpnet.backend import FlatBuffer, to_numpy

W_SHAPE, B_SHAPE = (2, 3, 2, 2), (2,)


def _arrays(xp):
    rng = np.random.default_rng(5)
    return {"W": xpnet.asarray(rng.standard_normal(W_SHAPE)),
            "b": xpnet.asarray(rng.standard_normal(B_SHAPE))}


def test_keys_are_plain_views_back_to_back_in_key_order(xp):
    arrays = _arrays(xp)
    flat = FlatBuffer.pack(arrays)
    assert tuple(flat.data.shape) == (24 + 2,)
    assert flat.layout == (("W", "b"), (W_SHAPE, B_SHAPE))
    data = to_numpy(flat.data)
    np.testing.assert_array_equal(data[:24], to_numpy(arrays["W"]).reshape(-1))
    np.testing.assert_array_equal(data[24:], to_numpy(arrays["b"]))
    for k, a in arrays.items():
        np.testing.assert_array_equal(to_numpy(flat.views[k]), to_numpy(a))
    flat.views["W"][0, 1, 1, 0] = 7.0  # a write through a view reaches the buffer
    assert float(to_numpy(flat.data)[1 * 4 + 1 * 2 + 0]) == 7.0
    flat.data *= 0.0
    assert float(to_numpy(flat.views["W"]).max()) == 0.0  # and the buffer reaches the views


def test_gathered_gradients_pack_into_the_same_layout(xp):
    arrays = _arrays(xp)
    flat = FlatBuffer.pack(arrays)
    grads = {k: v * 2.0 for k, v in arrays.items()}
    packed = flat.gather(grads)
    assert packed.layout == flat.layout and packed.views["W"] is grads["W"]
    like = flat.pack_like(grads)
    np.testing.assert_array_equal(to_numpy(packed.data), to_numpy(like.data))
    np.testing.assert_array_equal(to_numpy(like.data), 2.0 * to_numpy(flat.data))
    assert [b - a for a, b in packed.spans] == [24, 2]
    again = flat.with_data(like.data)
    np.testing.assert_array_equal(to_numpy(again.views["W"]), to_numpy(grads["W"]))


def test_arrays_that_cannot_share_a_buffer_are_not_packed(xp):
    assert FlatBuffer.pack({}) is None
    arrays = _arrays(xp)
    arrays["b"] = xp.astype(arrays["b"], xp.float64 if arrays["W"].dtype == xp.float32 else xp.float32)
    assert FlatBuffer.pack(arrays) is None


def test_a_buffer_of_the_wrong_size_names_the_shapes(xp):
    with pytest.raises(ValueError, match=r"26 values cannot hold shapes \(\(2, 3, 2, 2\), \(3,\)\)"):
        FlatBuffer(xpnet.backend.zeros((26,)), ("W", "b"), (W_SHAPE, (3,)))
