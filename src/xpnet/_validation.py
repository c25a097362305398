"""Argument checks shared by every layer of the library (a leaf module: imports nothing of xpnet).

Integers are accepted through ``operator.index`` (Python and NumPy integers alike) and ``bool`` is
refused, so ``epochs=True`` or ``n_trials=2.5`` fail with a message that names the setting.
"""

from __future__ import annotations

import operator


def check_int(name: str, value, *, minimum: int = 1) -> int:
    """``value`` as an ``int`` >= ``minimum``, or a ValueError naming ``name`` and the value."""
    try:
        ok = not isinstance(value, bool) and operator.index(value) >= minimum
    except TypeError:
        ok = False
    if not ok:
        kind = {0: "a non-negative integer", 1: "a positive integer"}.get(minimum, f"an integer >= {minimum}")
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    return operator.index(value)
