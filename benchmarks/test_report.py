"""The report runs its suites in the environment it was started with."""


def test_the_suites_do_not_inherit_the_reports_own_blas_tuning(monkeypatch):
    import argparse

    from . import report

    monkeypatch.setattr(report, "_START_ENV", {"PATH": "/bin"})
    monkeypatch.setenv("OPENBLAS_THREAD_TIMEOUT", "4")  # what xpnet's tuning sets in this process
    args = argparse.Namespace(seconds=None, threads=None)
    assert "OPENBLAS_THREAD_TIMEOUT" not in report._env(args, "blas")
    assert report._env(args, "blas")["XPNET_BLAS_TUNING"] == "0"
