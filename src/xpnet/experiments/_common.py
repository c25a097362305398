"""What every study shares: settings checks, the data it ran on, the result header, progress.

A study returns plain host data (dicts of Python lists, floats, strings) so that the CLI can
write it as JSON and [`xpnet.plotting`][xpnet.plotting] can draw it without touching a device array.
"""

from __future__ import annotations

import math
import time
from typing import Callable, Optional

from .._validation import check_int
from ..backend import asarray, get_backend, get_device_name, get_dtype_name
from ..backend import seed as seed_rng
from ..datasets import load_mnist

Progress = Optional[Callable[[str, int, int], None]]
"""``progress(stage, done, total)``: called when a stage starts (done=0) and as it advances."""

DATA_CHOICES = {"auto": "auto", "mnist": "download", "embedded": "embedded"}
"""``--data`` value -> ``load_mnist(source=...)``."""

HEADER_KEYS = ("study", "backend", "data", "seed", "settings", "seconds")
"""Keys every study's result holds (besides its own)."""


def positive_int(name: str, value) -> int:
    """``value`` as an int >= 1, or ValueError naming the setting."""
    return check_int(name, value)


def positive_float(name: str, value) -> float:
    """``value`` as a float > 0, or ValueError naming the setting."""
    try:
        ok = not isinstance(value, bool) and float(value) > 0.0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def optional_samples(value, name: str = "samples") -> int | None:
    """A sample count that may be None (all), else a positive int."""
    return None if value is None else positive_int(name, value)


def quiet(stage: str, done: int, total: int) -> None:
    """The default progress callback: silent."""


def synthetic(description: str) -> dict:
    """The ``data`` entry of a study that uses no dataset."""
    return {"source": "synthetic", "description": description}


def load_data(data: str = "auto", *, samples: int | None = None, flatten: bool = True):
    """MNIST as host arrays plus the ``data`` entry that says which MNIST it was.

    Parameters
    ----------
    data : ``'auto'``, ``'mnist'`` (full MNIST, downloaded once) or ``'embedded'``
    samples : int, optional
        Keep only the first ``samples`` training images (the book's ``x_train[:300]``).

    Returns
    -------
    (x_train, t_train, x_test, t_test), info
        ``info``: ``{'source': 'download'|'embedded', 'description', 'train_size', 'test_size'}``.
    """
    if data not in DATA_CHOICES:
        raise ValueError(f"unknown data {data!r}: expected one of {', '.join(DATA_CHOICES)}")
    ((x_train, t_train), (x_test, t_test)), used = load_mnist(
        normalize=True, flatten=flatten, one_hot_label=False, source=DATA_CHOICES[data], return_source=True)
    if samples is not None:
        if samples > x_train.shape[0]:
            raise ValueError(f"samples={samples} is more than the {x_train.shape[0]} training images "
                             f"of the {used}")
        x_train, t_train = x_train[:samples], t_train[:samples]
    info = {"source": used.kind, "description": str(used),
            "train_size": int(x_train.shape[0]), "test_size": int(x_test.shape[0])}
    return (x_train, t_train, x_test, t_test), info


def to_device(*arrays):
    """Host arrays onto the current backend (floats as the default float dtype), once."""
    return tuple(asarray(a) for a in arrays)


def backend_info() -> dict:
    """The ``backend`` entry: name, device and default dtype that new arrays used."""
    return {"name": get_backend(), "device": get_device_name(), "dtype": get_dtype_name()}


class Run:
    """Seeds the RNG and times a study; `result` adds the common header."""

    def __init__(self, study: str, seed: int, settings: dict) -> None:
        seed = check_int("seed", seed, minimum=0)
        self.study, self.seed, self.settings = study, seed, settings
        self.backend = backend_info()
        seed_rng(seed)
        self.start = time.perf_counter()

    def result(self, data: dict, **body) -> dict:
        return {"study": self.study, "backend": self.backend, "data": data, "seed": self.seed,
                "settings": self.settings, "seconds": round(time.perf_counter() - self.start, 3), **body}


def rounded(values, digits: int = 6) -> list:
    """Floats rounded for a compact JSON file (curves of thousands of points); NaN/inf -> None."""
    return [float(f"{float(v):.{digits}g}") if math.isfinite(float(v)) else None for v in values]
