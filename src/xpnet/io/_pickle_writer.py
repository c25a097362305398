"""The book's ``params.pkl``: a pickled dict of parameter name -> NumPy array.

The book's ``SimpleConvNet.save_params`` / ``DeepConvNet.save_params`` write this and their
``load_params`` read it back with ``pickle.load``. xpnet writes it only when asked for a
``.pkl`` / ``.pickle`` name ([`xpnet.io.save_params`][xpnet.io.save_params]), so that the book's scripts and
loaders
keep working; its own checkpoints are ``.npz``. Only ``params`` fit in that format: a network
with buffers (BatchNorm running statistics) is refused rather than saved without them.
"""

from __future__ import annotations

import os
import pickle

import numpy as np

from ..backend import to_numpy
from ._atomic import write_atomically

SUFFIXES = (".pkl", ".pickle")


def is_book_pickle(path) -> bool:
    """Whether ``path`` names the book's pickle format (by its suffix)."""
    return os.fspath(path).lower().endswith(SUFFIXES)


def save_book_pickle(path, params: dict, buffers: dict) -> None:
    """Write ``{name: host NumPy array}`` of ``params`` to ``path`` with pickle (atomic replace).

    Raises
    ------
    ValueError
        when ``buffers`` is not empty: the book's format has no place for them.
    """
    if buffers:
        raise ValueError(
            f"cannot save to {os.fspath(path)}: the book's .pkl format holds only params, and this "
            f"network also has buffers ({', '.join(buffers)}); save to a .npz name instead"
        )
    host = {}
    for key, value in params.items():
        array = np.array(to_numpy(value), copy=True)
        if array.dtype.hasobject:
            raise TypeError(f"{key!r}: object arrays cannot be saved")
        host[key] = array
    write_atomically(path, lambda f: pickle.dump(host, f, protocol=4))
