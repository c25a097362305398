"""Assertions for tests of xpnet and of code built on it."""

from __future__ import annotations

import contextlib
from typing import Iterator

import numpy as np

from .backend import array_namespace, to_numpy


def assert_close(actual, expected, *, rtol: float = 1e-7, atol: float = 0.0, xp=None, dtype=None):
    """Namespace, dtype and shape first, then values (like array-api-extra's ``assert_close``).

    ``expected`` may be a NumPy array or an array of the same backend; ``xp`` and ``dtype``, when
    given, are what ``actual`` must have.
    """
    if xp is not None and array_namespace(actual) is not xp:
        raise AssertionError(f"expected an array of {xp.__name__}, got {type(actual).__module__}")
    if dtype is not None and actual.dtype != dtype:
        raise AssertionError(f"expected dtype {dtype}, got {actual.dtype}")
    a, e = to_numpy(actual), to_numpy(expected) if hasattr(expected, "shape") else np.asarray(expected)
    if a.shape != e.shape:
        raise AssertionError(f"shape {a.shape} != expected {e.shape}")
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol)


class HostSyncError(AssertionError):
    """Code that must not wait for the device (a train step) read from it or copied to the host."""


@contextlib.contextmanager
def no_host_sync() -> Iterator:
    """Fail with [`HostSyncError`][xpnet.testing.HostSyncError] listing every host sync in the block, with its
source line.

    Allowed: transfers inside [`xpnet.backend.scheduled_sync`][xpnet.backend.scheduled_sync] blocks (the
    Trainer's),
    counted in the yielded log's ``scheduled`` (reason -> count). Watches torch tensors off the CPU:
    run the block on ``DL_BACKEND=torch DL_DEVICE=meta`` (CI) or CUDA. On ``meta`` scalar reads
    and host copies give zeros, so the block runs to its end and every sync is listed; an error
    the stand-ins cause downstream is chained to the HostSyncError. See
    `xpnet.backend.torch.sync_detector`.
    """
    from .backend.torch.sync_detector import HostSyncDetector

    detector = HostSyncDetector()
    try:
        with detector as log:
            yield log
    except Exception as exc:
        if detector.log.unscheduled:
            raise HostSyncError(detector.log.report()) from exc
        raise
    if detector.log.unscheduled:
        raise HostSyncError(detector.log.report())
