"""The book's trained weights: ``ch07/params.pkl`` and ``ch08/deep_convnet_params.pkl``.

The book saves a network as ``pickle.dump(dict(network.params))``: a dict of NumPy arrays named
``W1``, ``b1``, ... in the order of its weight layers, which is also the order and the naming of
xpnet's ``SimpleConvNet`` (``W1``..``W3``) and ``DeepConvNet`` (``W1``..``W8``; the book's
``load_params`` puts them into its layers 0, 2, 5, 7, 10, 12, 15, 18, the six convolutions and
two affine layers in turn). Shapes are the book's too: convolution filters (FN, C, FH, FW),
affine weights (in, out), the flattened size in (C, H, W) order.

A pickle can run any code when it is loaded, so these files are read by
:class:`BookUnpickler`, which resolves only the few globals that a pickled dict of NumPy arrays
references and refuses every other one before anything is called:

- ``numpy.ndarray``, ``numpy.dtype``;
- ``_reconstruct`` from ``numpy.core.multiarray`` (NumPy 1.x) or ``numpy._core.multiarray``
  (NumPy 2.x): how protocols 0 to 4 rebuild an array;
- ``_frombuffer`` from ``numpy.core.numeric`` / ``numpy._core.numeric``: protocol 5;
- ``_codecs.encode``, only with the ``latin1`` codec: how protocols 0 to 2 write bytes.

What it returns is checked too: a dict of string keys and numeric (bool, integer, floating)
arrays, nothing else (no object arrays, no nested containers).
"""

from __future__ import annotations

import os
import pickle

import numpy as np

from ._assign import assign_arrays, dtype_name

__all__ = ["BookUnpickler", "PickleRefusedError", "load_book_params", "read_book_pickle"]


class PickleRefusedError(ValueError):
    """A pickle asked for something a dict of NumPy arrays never needs; nothing was run."""


def _numpy_private(module: str):
    try:  # NumPy 2.x (and NumPy 1.26, which has the numpy._core alias for NumPy 2 pickles)
        return __import__(f"numpy._core.{module}", fromlist=["_"])
    except ImportError:  # older NumPy 1.x
        return __import__(f"numpy.core.{module}", fromlist=["_"])


def _latin1_encode(text, encoding="latin1"):
    """``_codecs.encode`` as protocols 0-2 use it (bytes written as latin-1 text), and only so."""
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise PickleRefusedError(f"refused _codecs.encode with {encoding!r}: "
                                 "only latin1 text -> bytes is allowed")
    return text.encode("latin1")


def _allowed() -> dict:
    multiarray, numeric = _numpy_private("multiarray"), _numpy_private("numeric")
    table = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype,
             ("_codecs", "encode"): _latin1_encode}
    for prefix in ("numpy.core", "numpy._core"):
        table[(f"{prefix}.multiarray", "_reconstruct")] = multiarray._reconstruct
        table[(f"{prefix}.numeric", "_frombuffer")] = numeric._frombuffer
    return table


class BookUnpickler(pickle.Unpickler):
    """An unpickler that builds dicts of NumPy arrays and refuses every other global."""

    _ALLOWED = None

    def find_class(self, module: str, name: str):
        allowed = type(self)._ALLOWED
        if allowed is None:
            allowed = type(self)._ALLOWED = _allowed()
        try:
            return allowed[(module, name)]
        except KeyError:
            raise PickleRefusedError(
                f"refused to load the global {module}.{name}: a parameter file may hold only a dict "
                "of NumPy arrays (this pickle would run other code)") from None


def _check_content(path: str, content) -> dict[str, np.ndarray]:
    if not isinstance(content, dict):
        raise ValueError(f"{path} holds a {type(content).__name__}, not the book's dict of arrays")
    for key, value in content.items():
        if not isinstance(key, str):
            raise ValueError(f"{path}: key {key!r} is a {type(key).__name__}, expected a string")
        if type(value) is not np.ndarray:
            raise ValueError(f"{path}: {key!r} is a {type(value).__name__}, expected a NumPy array")
        if value.dtype.kind not in "biuf":
            raise ValueError(f"{path}: {key!r} has dtype {value.dtype}, expected a numeric array")
    return content


def read_book_pickle(path) -> dict[str, np.ndarray]:
    """The dict of host NumPy arrays in the book-format pickle at ``path``.

    Raises
    ------
    PickleRefusedError (a ValueError)
        when the pickle references anything but what a dict of NumPy arrays needs; it is refused
        at that reference, before it is called.
    ValueError
        naming the file, when it is not a pickle, is truncated, or holds anything but a dict of
        string keys and numeric arrays.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        try:
            content = BookUnpickler(f, encoding="latin1").load()
        except PickleRefusedError as exc:
            raise PickleRefusedError(f"cannot load {path}: {exc}") from None
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
                IndexError, KeyError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot read {path}: not a valid pickle of NumPy arrays "
                             f"(truncated or corrupt?): {type(exc).__name__}: {exc}") from None
    return _check_content(path, content)


def _cast_to_model(path: str, network, loaded: dict) -> dict:
    """Float arrays in the model's float dtype (the book's files hold float64); others as they are,
    so that :func:`~xpnet.io.assign_arrays` reports them as mismatches."""
    cast = {}
    for key, value in loaded.items():
        target = network.params.get(key)
        if target is not None and value.dtype.kind == "f":
            value = value.astype(dtype_name(target.dtype), copy=False)
        cast[key] = value
    return cast


def load_book_params(path, network) -> None:
    """Load the book's ``save_params`` pickle into ``network.params``, in place, on any backend.

    Names must match exactly (``W1``, ``b1``, ...), shapes too; float arrays are cast to the
    network's float dtype (the book trained in float64). Buffers (BatchNorm statistics) are left
    alone: the book's files hold none. All names and shapes are checked before the first write,
    so a file that does not fit raises ValueError listing every problem and changes nothing.
    """
    path = os.fspath(path)
    params = getattr(network, "params", None)
    if not isinstance(params, dict):
        raise TypeError(f"{type(network).__name__} has no 'params' dict to load into")
    loaded = _cast_to_model(path, network, read_book_pickle(path))
    try:
        assign_arrays(params, loaded)
    except ValueError as exc:
        raise ValueError(f"cannot load {path} into {type(network).__name__}: {exc}") from None
