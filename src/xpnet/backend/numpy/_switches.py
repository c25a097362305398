"""On-by-default tunings' environment switches (``XPNET_BLAS_TUNING=0`` and the like)."""

from __future__ import annotations

import os


def switched_off(variable: str) -> bool:
    """Whether an on-by-default setting is switched off in the environment (0/false/no/off)."""
    return os.environ.get(variable, "1").strip().lower() in ("0", "false", "no", "off")
