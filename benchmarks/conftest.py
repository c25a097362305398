"""The benchmark directory shares the test suite's ``xp`` fixture (for the parity test)."""

import importlib.util

from tests.conftest import xp  # noqa: F401  (re-exported fixture)

if importlib.util.find_spec("torch") is None:
    # These suites time xpnet against native torch (benchmarks/peers.py imports it): a run without
    # torch (XPNET_TEST_BACKENDS, ci/test.sh's floor and newest venvs) has nothing to compare with.
    collect_ignore = ["test_flops.py", "test_inference.py", "test_train_step.py"]
