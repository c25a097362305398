"""Every process tuning of NumPy's ops either applies or says why not (issue 21): the next NumPy
whose OpenBLAS renames a symbol must not switch a tuning off without a word. CI runs this file
under the newest Python and NumPy too."""

import pytest

from xpnet.backend.numpy import _blas_threads, _small_gemm, tuning_status

TUNINGS = ("blas_thread_timeout", "small_gemm_one_thread", "malloc")


def test_each_tuning_applies_or_reports_why_not():
    status = tuning_status()
    assert set(status) == set(TUNINGS)
    for name, st in status.items():
        assert st["applied"] in (True, False), (name, st)
        assert isinstance(st["reason"], str) and len(st["reason"]) > 10, (name, st)
        assert st["reason"] != "not yet requested", (name, st)


def test_where_numpys_openblas_is_found_both_blas_tunings_name_it():
    lib, reason = _blas_threads.openblas()
    if lib is None:
        assert reason
        pytest.skip(reason)
    status = tuning_status()
    for name in ("blas_thread_timeout", "small_gemm_one_thread"):
        if not status[name]["reason"].startswith("switched off"):
            assert status[name]["library"] == lib.filepath, status[name]


def test_a_build_without_the_entry_points_reports_each_missing_one(monkeypatch):
    """NumPy 2.5's scipy-openblas 0.3.34 exports no openblas_read_env, blas_thread_shutdown_ or
    thread-local setter: simulated here by a lookup that finds nothing."""
    lib, reason = _blas_threads.openblas()
    if lib is None:
        pytest.skip(reason)
    monkeypatch.delenv("XPNET_BLAS_TUNING", raising=False)
    monkeypatch.delenv("XPNET_SMALL_GEMM_ONE_THREAD", raising=False)
    monkeypatch.delenv("OPENBLAS_THREAD_TIMEOUT", raising=False)
    monkeypatch.setattr(_blas_threads, "symbol", lambda lib, name: None)
    monkeypatch.setattr(_blas_threads, "_status", dict(_blas_threads._status))
    monkeypatch.setattr(_small_gemm, "_setter", [])
    monkeypatch.setattr(_small_gemm, "_status", dict(_small_gemm._status))
    assert _blas_threads.tune_blas_threads(force=True) is False
    reason = _blas_threads.blas_tuning_status()["reason"]
    for name in ("openblas_read_env", "blas_thread_shutdown_", "openblas_thread_timeout", lib.version):
        assert name in reason, reason
    small = _small_gemm.small_gemm_status()
    assert small["applied"] is False and "openblas_set_num_threads_local" in small["reason"], small
    assert _small_gemm._local_threads_setter() is None  # small products then run as plain @


def test_a_build_with_only_the_process_wide_setter_still_runs_small_products_on_one_thread(monkeypatch):
    """NumPy 2.5's case: no thread-local setter, but openblas_set_num_threads. Every restore goes
    back to the count the process had, whatever the order of the calls."""
    lib, reason = _blas_threads.openblas()
    if lib is None:
        pytest.skip(reason)
    real = _blas_threads.symbol
    monkeypatch.delenv("XPNET_SMALL_GEMM_ONE_THREAD", raising=False)
    local = "openblas_set_num_threads_local"
    monkeypatch.setattr(_blas_threads, "symbol", lambda lib, name: None if name == local else real(lib, name))
    monkeypatch.setattr(_small_gemm, "_setter", [])
    monkeypatch.setattr(_small_gemm, "_status", dict(_small_gemm._status))
    small = _small_gemm.small_gemm_status()
    assert small["applied"] is True and "process-wide openblas_set_num_threads" in small["reason"], small
    get = real(lib, "openblas_get_num_threads")
    default = get()
    setter = _small_gemm._local_threads_setter()
    first, second = setter(1), setter(1)  # two threads' calls interleaved
    assert get() == 1 and first == second == default
    setter(first)
    setter(second)
    assert get() == default
