"""The book's trained weights: ``ch07/params.pkl`` and ``ch08/deep_convnet_params.pkl``.

The book saves a network as ``pickle.dump(dict(network.params))``: a dict of NumPy arrays named
``W1``, ``b1``, ... in the order of its weight layers, which is also the order and the naming of
xpnet's ``SimpleConvNet`` (``W1``..``W3``) and ``DeepConvNet`` (``W1``..``W8``; the book's
``load_params`` puts them into its layers 0, 2, 5, 7, 10, 12, 15, 18, the six convolutions and
two affine layers in turn). Shapes are the book's too: convolution filters (FN, C, FH, FW),
affine weights (in, out), the flattened size in (C, H, W) order.

A pickle can run any code when it is loaded, so these files are read by
[`BookUnpickler`][xpnet.io.book_pickle.BookUnpickler], which resolves only the few globals that a pickled dict
of NumPy arrays
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

import math
import os
import pickle

import numpy as np

from ._assign import assign_arrays, dtype_name
from ._finite import warn_non_finite

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


class _NdarrayType:
    """What ``numpy.ndarray`` resolves to: the type that ``_reconstruct`` is given (NumPy's pickles
    never call it). Called directly, it would allocate any shape the file asks for: refused."""

    def __call__(self, *args, **kwargs):
        raise PickleRefusedError("refused to call numpy.ndarray directly: NumPy's pickles rebuild "
                                 "arrays through _reconstruct, and this one asks for an allocation")


_NDARRAY = _NdarrayType()


def _file_size(file) -> int | None:
    try:
        return os.fstat(file.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        getbuffer = getattr(file, "getbuffer", None)  # io.BytesIO
        return getbuffer().nbytes if getbuffer is not None else None


class BookUnpickler(pickle.Unpickler):
    """An unpickler that builds dicts of NumPy arrays and refuses every other global.

    Arrays larger than the file could hold (its size in bytes, when known) are refused before
    they are allocated: a few bytes of pickle could otherwise ask for terabytes.
    """

    _ALLOWED = None

    def __init__(self, file, *args, **kwargs):
        super().__init__(file, *args, **kwargs)
        self._limit = _file_size(file)

    def _reconstruct(self, subtype, shape, dtype):
        """NumPy's ``_reconstruct(ndarray, shape, dtype)`` (``shape`` is ``(0,)`` in NumPy's own
        pickles: the data comes after, through ``__setstate__``, which checks its length)."""
        if subtype is not _NDARRAY and subtype is not np.ndarray:
            raise PickleRefusedError(f"refused _reconstruct of {subtype!r}: only numpy.ndarray")
        try:
            dims = tuple(int(s) for s in np.atleast_1d(np.asarray(shape, dtype=np.int64)))
            nbytes = math.prod(dims) * np.dtype(dtype).itemsize
        except (TypeError, ValueError, OverflowError):
            raise PickleRefusedError(f"refused an array of shape {shape!r} and dtype {dtype!r}") from None
        if self._limit is not None and nbytes > self._limit:
            raise PickleRefusedError(f"an array of shape {dims} ({nbytes:,} bytes) is larger than "
                                     f"the file ({self._limit:,} bytes) can hold")
        return _numpy_private("multiarray")._reconstruct(np.ndarray, shape, dtype)

    def find_class(self, module: str, name: str):
        if (module, name) == ("numpy", "ndarray"):
            return _NDARRAY
        if name == "_reconstruct" and module in ("numpy.core.multiarray", "numpy._core.multiarray"):
            return self._reconstruct
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
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot read {path}: it is a directory, not a pickle file")
    with open(path, "rb") as f:
        if f.read(2) == b"PK":
            raise ValueError(f"cannot read {path}: not a valid pickle of NumPy arrays: it is a .npz archive "
                             "(xpnet's format); load it with xpnet.io.load_params")
        f.seek(0)
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
    so that [`assign_arrays`][xpnet.io.assign_arrays] reports them as mismatches."""
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
    warn_non_finite(path, loaded)
