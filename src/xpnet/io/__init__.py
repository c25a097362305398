"""Checkpoints as ``.npz``, written atomically, loadable on any backend.

Pickle is written only on request, for the book's scripts: ``save_params("params.pkl")`` writes
the book's format (a pickled dict of NumPy params), which the book's ``load_params`` reads.
A ``.safetensors`` name gets the safetensors format (optional: ``pip install "xpnet[safetensors]"``),
which ``safetensors.torch.load_file`` and other frameworks read.

- :func:`save_params` / :func:`load_params`: a network's ``params`` and ``buffers`` (the book's
  ``save_params``/``load_params``, with BatchNorm running statistics included).
- :func:`save_checkpoint` / :func:`load_checkpoint`: the same plus optimizer state and meta
  values such as the epoch.
- :func:`load_book_params` / :func:`read_book_pickle`: the book's own ``params.pkl`` files, read
  by a restricted unpickler that admits a dict of NumPy arrays and nothing else.
- :func:`save_arrays` / :func:`load_arrays` / :func:`assign_arrays`: the layer underneath, for
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
