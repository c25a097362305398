"""The report runs its suites in the environment it was started with."""


def test_the_suites_do_not_inherit_the_reports_own_blas_tuning(monkeypatch):
    import argparse

    from . import report

    monkeypatch.setattr(report, "_START_ENV", {"PATH": "/bin"})
    monkeypatch.setenv("OPENBLAS_THREAD_TIMEOUT", "4")  # what xpnet's tuning sets in this process
    args = argparse.Namespace(seconds=None, threads=None)
    assert "OPENBLAS_THREAD_TIMEOUT" not in report._env(args, "blas")
    assert report._env(args, "blas")["XPNET_BLAS_TUNING"] == "0"


def _row(network, kind, impl, samples):
    return {"network": network, "kind": kind, "impl": impl, "samples_per_s": samples, "batch": 8,
            "samples_per_s_runs": [samples]}


def test_the_one_thread_table_flags_an_xpnet_step_that_is_faster_on_one_thread():
    from . import summary

    default = [_row("mlp", "train", "xpnet-numpy", 900.0), _row("mlp", "train", "torch", 1000.0),
               _row("simpleconvnet", "train", "xpnet-numpy", 1200.0)]
    one = [_row("mlp", "train", "xpnet-numpy", 1000.0), _row("mlp", "train", "torch", 800.0),
           _row("simpleconvnet", "train", "xpnet-numpy", 1000.0)]
    lines = summary.one_thread_table(default, one).splitlines()[2:]
    assert lines[0] == "| mlp | train | xpnet-numpy | 1,000 | 900 | 0.90× | **no** |"
    assert lines[1] == "| mlp | train | torch | 800 | 1,000 | 1.25× |  |"  # torch is not held to it
    assert lines[2].endswith("| 1.20× | yes |")


def test_the_busy_table_holds_xpnets_slowdown_against_pytorchs_on_the_same_network():
    from . import summary

    quiet = [_row("mlp", "train", "xpnet-numpy", 1000.0), _row("mlp", "train", "torch", 1000.0),
             _row("deepconvnet", "train", "xpnet-numpy", 100.0), _row("deepconvnet", "train", "torch", 100.0)]
    busy = [_row("mlp", "train", "xpnet-numpy", 400.0), _row("mlp", "train", "torch", 500.0),
            _row("deepconvnet", "train", "xpnet-numpy", 80.0), _row("deepconvnet", "train", "torch", 50.0)]
    lines = summary.busy_table(quiet, busy).splitlines()[2:]
    assert lines[0] == "| mlp | train | xpnet-numpy | 1,000 | 400 | 2.50× | 2.00× | **no** |"
    assert lines[1] == "| mlp | train | torch | 1,000 | 500 | 2.00× | — |  |"
    assert lines[2] == "| deepconvnet | train | xpnet-numpy | 100 | 80 | 1.25× | 2.00× | yes |"


def test_the_one_thread_and_busy_passes_run_every_library_and_tunings_only_xpnet():
    import argparse

    from . import report

    args = argparse.Namespace(seconds=None, threads=None)
    one = report._env(args, "one-thread")
    assert {one[v] for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "XPNET_NUM_THREADS")} == {"1"}
    assert not report.VARIANTS["one-thread"].xpnet_only and not report.VARIANTS["busy"].xpnet_only
    assert report.VARIANTS["busy"].busy and report.VARIANTS["blas"].xpnet_only
