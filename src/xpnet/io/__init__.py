"""Checkpoints as ``.npz``, written atomically, loadable on any backend.

Pickle is written only on request, for the book's scripts: ``save_params("params.pkl")`` writes
the book's format (a pickled dict of NumPy params), which the book's ``load_params`` reads.
A ``.safetensors`` name gets the safetensors format (optional: ``pip install "xpnet[safetensors]"``),
which ``safetensors.torch.load_file`` and other frameworks read.

- [`save_params`][xpnet.io.save_params] / [`load_params`][xpnet.io.load_params]: a network's ``params`` and
  ``buffers`` (the book's
  ``save_params``/``load_params``, with BatchNorm running statistics included).
- [`save_checkpoint`][xpnet.io.save_checkpoint] / [`load_checkpoint`][xpnet.io.load_checkpoint]: the same plus
  optimizer state and meta
  values such as the epoch.
- [`load_book_params`][xpnet.io.load_book_params] / [`read_book_pickle`][xpnet.io.read_book_pickle]: the
  book's own ``params.pkl`` files, read
  by a restricted unpickler that admits a dict of NumPy arrays and nothing else.
- [`save_arrays`][xpnet.io.save_arrays] / [`load_arrays`][xpnet.io.load_arrays] /
  [`assign_arrays`][xpnet.io.assign_arrays]: the layer underneath, for
  any dict of named arrays.
"""

from ._assign import assign_arrays
from ._npz import load_arrays, save_arrays
from .book_pickle import BookUnpickler, PickleRefusedError, load_book_params, read_book_pickle
from .checkpoint import (
    load_checkpoint,
    load_params,
    save_checkpoint,
    save_params,
    state_arrays,
)

__all__ = [
    "BookUnpickler", "PickleRefusedError", "assign_arrays", "load_arrays", "load_book_params",
    "load_checkpoint", "load_params", "read_book_pickle", "save_arrays", "save_checkpoint", "save_params",
    "state_arrays",
]
