"""smooth_curve (host, the book's Kaiser smoothing) and shuffle_dataset (device, seeded)."""

import numpy as np
import pytest

import xpnet
from xpnet.backend import array_namespace, normal
from xpnet.functions import shuffle_dataset, smooth_curve


def _book_smooth_curve(x):
    """The book's common/util.py smooth_curve, verbatim, as the independent reference."""
    window_len = 11
    s = np.r_[x[window_len - 1:0:-1], x, x[-1:-window_len:-1]]
    w = np.kaiser(window_len, 2)
    y = np.convolve(w / w.sum(), s, mode="valid")
    return y[5:len(y) - 5]


@pytest.mark.parametrize("n", [11, 12, 100])
def test_smooth_curve_equals_the_book(n):
    x = np.random.default_rng(n).random(n)
    np.testing.assert_allclose(smooth_curve(list(x)), _book_smooth_curve(x), rtol=1e-14)


@pytest.mark.parametrize("n", [1, 2, 5, 10])
def test_short_curves_keep_their_length_and_constants_stay_constant(n):
    # The book returns fewer points (none below 6) for curves shorter than its window.
    np.testing.assert_allclose(smooth_curve([3.0] * n), np.full(n, 3.0), rtol=1e-14)


def test_smooth_curve_takes_backend_arrays(xp):
    x = normal((20,))
    np.testing.assert_allclose(smooth_curve(x), _book_smooth_curve(xpnet.to_numpy(x).astype(np.float64)),
                               rtol=1e-6)


def test_smooth_curve_rejects_2d_naming_the_shape():
    with pytest.raises(ValueError, match=r"1-D curve, got shape \(2, 3\)"):
        smooth_curve(np.zeros((2, 3)))


def _dataset(xp, n=12):
    x = normal((n, 1, 2, 2))
    t = xpnet.asarray(np.arange(n))
    return x, t


def test_shuffle_keeps_rows_paired_on_the_device(xp):
    x, t = _dataset(xp)
    before = xpnet.to_numpy(x).copy()
    xs, ts = shuffle_dataset(x, t)
    assert array_namespace(xs) is xp and xs.dtype == xp.float32 and ts.dtype == t.dtype
    order = xpnet.to_numpy(ts)
    assert sorted(order) == list(range(12)) and list(order) != list(range(12))
    np.testing.assert_array_equal(xpnet.to_numpy(xs), before[order])
    np.testing.assert_array_equal(xpnet.to_numpy(x), before)  # the caller's x is untouched


def test_shuffle_is_reproducible_under_a_seed(xp):
    x, t = _dataset(xp)
    orders = []
    for _ in range(2):
        xpnet.seed(7)
        orders.append(xpnet.to_numpy(shuffle_dataset(x, t)[1]))
    np.testing.assert_array_equal(*orders)


def test_shuffle_mismatched_lengths_name_both(xp):
    x, _ = _dataset(xp, 12)
    with pytest.raises(ValueError, match="x has 12 samples but t has 11"):
        shuffle_dataset(x, xpnet.asarray(np.arange(11)))
