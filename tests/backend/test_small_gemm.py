"""Small matrix products run on one OpenBLAS thread: the same product (to float rounding: OpenBLAS
splits sums by thread count), the thread count restored afterwards."""

import ctypes

import numpy as np
import pytest

from xpnet.backend.numpy import _small_gemm
from xpnet.backend.numpy._blas_threads import _loaded_openblas

needs_setter = pytest.mark.skipif(
    not _small_gemm.small_gemm_status()["reason"].startswith("per-call thread-local"),
    reason="this OpenBLAS has no openblas_set_num_threads_local (the process-wide fallback: "
           "tests/backend/test_tuning_status.py)")


@pytest.mark.parametrize("shape", [(128, 784, 100), (64, 100, 10), (300, 300, 300)], ids=str)
def test_small_matmul_is_the_product(shape):
    m, k, n = shape
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((m, k)).astype(np.float32), rng.standard_normal((k, n)).astype(np.float32)
    assert (2.0 * m * k * n < _small_gemm.SMALL_FLOPS) == (shape != (300, 300, 300))
    got = _small_gemm.small_matmul(a, b)
    assert got.dtype == np.float32 and got.shape == (m, n)
    np.testing.assert_allclose(got, a.astype(np.float64) @ b.astype(np.float64), rtol=1e-4, atol=1e-4)


@needs_setter
def test_the_thread_local_count_is_restored():
    setter = _small_gemm._local_threads_setter()
    before = setter(3)  # read the current value by setting a known one
    try:
        a = np.ones((8, 8), dtype=np.float32)
        _small_gemm.small_matmul(a, a)
        assert setter(3) == 3
    finally:
        setter(before)


@needs_setter
def test_small_products_run_on_one_thread(monkeypatch):
    """The setter is called with 1 around a small product, and not at all around a large one."""
    calls = []
    real = _small_gemm._local_threads_setter()
    monkeypatch.setattr(_small_gemm, "_setter", [lambda n: calls.append(n) or real(n)])
    a = np.ones((16, 16), dtype=np.float32)
    _small_gemm.small_matmul(a, a)
    assert calls[0] == 1 and len(calls) == 2
    calls.clear()
    big = np.ones((400, 400), dtype=np.float32)
    _small_gemm.small_matmul(big, big)
    assert calls == []


def test_the_library_is_the_one_numpy_loaded():
    path = _loaded_openblas()
    if path is None:
        pytest.skip("this NumPy does not use a loaded OpenBLAS")
    ctypes.CDLL(path)  # loads without error: the setter comes from NumPy's own OpenBLAS


@needs_setter
def test_a_blocked_convolution_over_threads_leaves_the_blas_thread_count_as_it_was(monkeypatch):
    """Its parts run their products on one BLAS thread at once; the count the process had is back
    afterwards (it was left at 1 by parts that each set and restored it: every later product at
    half speed)."""
    from xpnet.backend.numpy import _fast_conv

    monkeypatch.setenv("XPNET_NUM_THREADS", "2")
    setter = _small_gemm._local_threads_setter()
    before = setter(2)
    try:
        x = np.random.default_rng(0).standard_normal((64, 16, 20, 20)).astype(np.float32)
        w2d = np.ones((16, 16 * 9), dtype=np.float32)
        blocks = _fast_conv._Blocks(_fast_conv._hwn_image(x, 1), 3, 3, 1, _fast_conv.MIN_COLUMNS)
        assert len(blocks.parts()) == 2  # really split over two threads
        for _ in range(20):
            out, img = _fast_conv.conv_hwn(x, w2d, 3, 3, 1, 1)
            _fast_conv.conv_weight_grad_hwn(out, img, 3, 3, 1)
            assert setter(2) == 2
    finally:
        setter(before)
