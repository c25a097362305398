"""smooth_curve (host, the book's Kaiser smoothing) and shuffle_dataset (device, seeded)."""

import numpy as np
import pytest

import xpnet
from xpnet.backend import array_namespace, normal
from xpnet.functions import shuffle_dataset, smooth_curve


def _book_smooth_curve(x):
    """The book's smoothing (common/util.py) restated as a loop, as an independent reference:
    each point becomes the Kaiser(11, beta 2)-weighted mean of the 11 points centred on it, the
    curve mirrored beyond its ends (about x[0] on the left, after x[-1] on the right). For
    curves of 11 points or more, as the book's."""
    x, n = list(x), len(x)
    w = np.kaiser(11, 2) / np.kaiser(11, 2).sum()

    def at(i):
        return x[-i] if i < 0 else x[2 * n - 1 - i] if i >= n else x[i]

    return np.array([sum(w[k] * at(i + k - 5) for k in range(11)) for i in range(n)])


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


def test_smooth_curve_takes_a_list_of_0d_backend_arrays(xp):
    """The book's scripts append each loss (a 0-d array of the backend, on its device) to a list
    and smooth the list; NumPy cannot read a list of device arrays by itself."""
    values = np.random.default_rng(3).random(12)
    losses = [xpnet.asarray(np.asarray(v)) for v in values]
    np.testing.assert_allclose(smooth_curve(losses), _book_smooth_curve(values), rtol=1e-6)
