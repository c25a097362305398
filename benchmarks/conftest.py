"""The benchmark directory shares the test suite's ``xp`` fixture (for the parity test)."""

from tests.conftest import xp  # noqa: F401  (re-exported fixture)
