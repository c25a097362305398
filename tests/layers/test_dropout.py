"""Dropout: inverted by default, the book's form as an option, seeded masks, validated ratio."""

import math
import re

import numpy as np
import pytest

import xpnet
from xpnet.backend import normal
from xpnet.layers import Dropout
from xpnet.testing import assert_close

P = 0.3


def test_inverted_dropout_preserves_the_mean_and_drops_p(xp):
    x = xpnet.backend.ones((200, 500))
    out = xpnet.to_numpy(Dropout(P).forward(x, train_flg=True)).astype(np.float64)
    # Each element is 0 or 1/(1-p); its std is sqrt(p/(1-p)), so the mean's std is ~0.002.
    sigma = math.sqrt(P / (1 - P) / out.size)
    assert abs(out.mean() - 1.0) < 5 * sigma
    assert abs((out == 0).mean() - P) < 5 * math.sqrt(P * (1 - P) / out.size)
    np.testing.assert_allclose(np.unique(out), [0.0, 1 / (1 - P)], rtol=1e-6)


def test_book_dropout_train_output_averages_to_its_test_output(xp):
    layer = Dropout(P, inverted=False)
    x = xpnet.backend.ones((200, 500))
    train = xpnet.to_numpy(layer.forward(x, train_flg=True)).astype(np.float64)
    np.testing.assert_allclose(np.unique(train), [0.0, 1.0])  # kept units pass unscaled
    test = layer.forward(x, train_flg=False)
    assert_close(test, np.full((200, 500), 1 - P, np.float32), rtol=1e-6, xp=xp, dtype=xp.float32)
    assert abs(train.mean() - (1 - P)) < 5 * math.sqrt(P * (1 - P) / train.size)


def test_inverted_dropout_is_the_identity_at_test_time(xp):
    x = normal((3, 4))
    layer = Dropout(P)
    assert_close(layer.forward(x), xpnet.to_numpy(x), xp=xp, dtype=xp.float32)
    dout = normal((3, 4))
    assert_close(layer.backward(dout), xpnet.to_numpy(dout), xp=xp, dtype=xp.float32)


def test_backward_reuses_the_forward_mask(xp):
    layer = Dropout(0.5)
    out = xpnet.to_numpy(layer.forward(normal((6, 7)), train_flg=True))
    dx = xpnet.to_numpy(layer.backward(xpnet.backend.ones((6, 7))))
    np.testing.assert_array_equal(dx == 0, out == 0)
    np.testing.assert_allclose(dx[dx != 0], 2.0)


def test_same_seed_same_mask_other_seed_other_mask(xp):
    x = xpnet.backend.ones((8, 16))
    masks = []
    for s in (3, 3, 4):
        xpnet.seed(s)
        masks.append(xpnet.to_numpy(Dropout(0.5).forward(x, train_flg=True)) == 0)
    np.testing.assert_array_equal(masks[0], masks[1])
    assert (masks[0] != masks[2]).any()


def test_ratio_zero_keeps_everything(xp):
    x = normal((4, 4))
    assert_close(Dropout(0.0).forward(x, train_flg=True), xpnet.to_numpy(x), xp=xp)


@pytest.mark.parametrize("ratio", [-0.1, 1.0, 1.5, float("nan"), "half", True])
def test_ratio_outside_zero_one_is_a_value_error_naming_it(ratio):
    pattern = r"dropout_ratio must be a number in \[0, 1\), got " + re.escape(repr(ratio))
    with pytest.raises(ValueError, match=pattern):
        Dropout(ratio)
