"""A warning when loaded weights hold NaN or infinite values.

A file of such weights is valid (xpnet round-trips every bit), but one NaN in a weight matrix
makes every prediction NaN: a network saved after its training diverged loads "successfully" and
is useless. Loading says so, naming the arrays, instead of staying silent. Host NumPy arrays
only, read once at load time.
"""

from __future__ import annotations

import os
import warnings

import numpy as np


def warn_non_finite(path, arrays: dict, *, stacklevel: int = 3) -> None:
    """RuntimeWarning naming every floating array of ``arrays`` with a NaN or infinity."""
    bad = []
    for key, value in arrays.items():
        a = np.asarray(value)
        if a.dtype.kind not in "fc" or a.size == 0:
            continue
        count = int(a.size - np.count_nonzero(np.isfinite(a)))
        if count:
            bad.append(f"{key} ({'all' if count == a.size else f'{count} of'} {a.size})")
    if bad:
        warnings.warn(f"{os.fspath(path)}: NaN or infinite values in {', '.join(bad)}; a network with "
                      "them predicts NaN (was it saved after training diverged?)",
                      RuntimeWarning, stacklevel=stacklevel)
