"""Device-to-host transfers that are meant to happen: the ones the Trainer schedules.

A train step never waits for the device. The Trainer's few transfers (the datasets' arrival and
label check, the loss check every ``check_every`` iterations, evaluation) run inside
[`scheduled_sync`][xpnet.backend._sync.scheduled_sync], which does nothing by itself: it names the transfer,
so that a sync
detector ([`xpnet.testing.no_host_sync`][xpnet.testing.no_host_sync]) can allow it and flag every other one.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Iterator

_reason: contextvars.ContextVar[str | None] = contextvars.ContextVar("xpnet_scheduled_sync", default=None)


@contextlib.contextmanager
def scheduled_sync(reason: str) -> Iterator[str]:
    """Mark the block as a scheduled device-to-host transfer, e.g. ``scheduled_sync('evaluation')``."""
    if not isinstance(reason, str) or not reason:
        raise ValueError(f"scheduled_sync needs a non-empty reason, got {reason!r}")
    token = _reason.set(reason)
    try:
        yield reason
    finally:
        _reason.reset(token)


def scheduled_reason() -> str | None:
    """The reason of the innermost [`scheduled_sync`][xpnet.backend._sync.scheduled_sync] block around this
call, else None."""
    return _reason.get()
