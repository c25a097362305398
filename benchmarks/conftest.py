"""The benchmark directory shares the test suite's ``xp`` fixture (for the parity test)."""

import importlib.util

import pytest

from tests.conftest import skip_if_torch_left_out, xp  # noqa: F401  (re-exported fixture)

if importlib.util.find_spec("torch") is None:
    # These suites time xpnet against native torch (benchmarks/peers.py imports it): a run without
    # torch (XPNET_TEST_BACKENDS, ci/test.sh's floor and newest venvs) has nothing to compare with.
    collect_ignore = ["test_flops.py", "test_inference.py", "test_train_step.py"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    skip_if_torch_left_out(item, call, outcome.get_result())
