"""FlatBuffer layouts: a key stored with its axes permuted and zeros after a key (the joint
W|b matrix of a convolution), with views that stay the arrays, on every backend."""

import numpy as np
import pytest

import xpnet
from xpnet.backend import FlatBuffer, to_numpy

W_SHAPE, B_SHAPE = (2, 3, 2, 2), (2,)  # FN=2, C=3, 2x2 kernel: joint ((4+1)*3, 2)
LAYOUT = {"W": ((2, 3, 1, 0), 0), "b": (None, 4)}  # W as (kh, kw, C, FN); (C-1)*FN zeros after b


def _arrays(xp):
    rng = np.random.default_rng(5)
    return {"W": xpnet.asarray(rng.standard_normal(W_SHAPE)),
            "b": xpnet.asarray(rng.standard_normal(B_SHAPE))}


def test_a_permuted_key_and_a_gap_keep_the_arrays_as_views_and_make_one_matrix(xp):
    arrays = _arrays(xp)
    flat = FlatBuffer.pack(arrays, LAYOUT)
    assert tuple(flat.data.shape) == (24 + 2 + 4,)
    for k, a in arrays.items():
        np.testing.assert_array_equal(to_numpy(flat.views[k]), to_numpy(a))
        assert tuple(flat.views[k].shape) == tuple(a.shape)
    data = to_numpy(flat.data)
    np.testing.assert_array_equal(data[:24], to_numpy(arrays["W"]).transpose(2, 3, 1, 0).reshape(-1))
    np.testing.assert_array_equal(data[26:], 0.0)
    joint = to_numpy(flat.joint(("W", "b"), (15, 2)))
    np.testing.assert_array_equal(joint[:12], to_numpy(arrays["W"]).transpose(2, 3, 1, 0).reshape(12, 2))
    np.testing.assert_array_equal(joint[12], to_numpy(arrays["b"]))
    np.testing.assert_array_equal(joint[13:], 0.0)
    flat.views["W"][0, 1, 1, 0] = 7.0  # a write through a view reaches the buffer and the joint
    assert to_numpy(flat.joint(("W", "b"), (15, 2)))[2 * 3 + 1, 0] == 7.0  # row (tap (1, 0), c=1)
    flat.data *= 0.0
    assert float(xpnet.to_numpy(flat.views["W"]).max()) == 0.0  # and the buffer reaches the views


def test_a_joint_view_cannot_span_a_gap_inside_it_or_a_wrong_size(xp):
    flat = FlatBuffer.pack(_arrays(xp), {"W": ((2, 3, 1, 0), 4)})  # the gap after W, not after b
    assert flat.joint(("W", "b"), (15, 2)) is None
    assert FlatBuffer.pack(_arrays(xp), LAYOUT).joint(("W", "b"), (13, 2)) is None


def test_gathered_gradients_pack_into_the_same_layout(xp):
    arrays = _arrays(xp)
    flat = FlatBuffer.pack(arrays, LAYOUT)
    grads = {k: v * 2.0 for k, v in arrays.items()}
    packed = flat.gather(grads)
    assert packed.layout == flat.layout and packed.views["W"] is grads["W"]
    like = flat.pack_like(grads)
    np.testing.assert_array_equal(to_numpy(packed.data), to_numpy(like.data))
    np.testing.assert_array_equal(to_numpy(like.data), 2.0 * to_numpy(flat.data))
    assert [b - a for a, b in packed.spans] == [24, 2, 4]
    again = flat.with_data(like.data)
    np.testing.assert_array_equal(to_numpy(again.views["W"]), to_numpy(grads["W"]))


def test_a_buffer_of_the_wrong_size_names_the_shapes_and_gaps(xp):
    with pytest.raises(ValueError, match=r"cannot hold shapes .* and gaps \(0, 4\)"):
        FlatBuffer(xpnet.backend.zeros((26,)), ("W", "b"), (W_SHAPE, B_SHAPE), orders=(None, None),
                   gaps=(0, 4))
