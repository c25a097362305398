"""Named arrays as ``.safetensors`` when the file name says so; ``.npz`` otherwise.

[`save_arrays`][xpnet.io.save_arrays] / [`load_arrays`][xpnet.io.load_arrays] here are the ``.npz`` ones of
`xpnet.io._npz` for
every name but one ending in ``.safetensors``, which gets the safetensors format instead
(Hugging Face's: a JSON header and raw little-endian tensors, no pickle), so
``network.save_params("model.safetensors")`` writes a file that ``safetensors.torch.load_file``
and other frameworks read. The keys are the same as in an ``.npz`` (``params/W1``,
``buffers/...``, ``optimizer/...``, ``meta/...``); Python scalars are stored as 0-d tensors and
``str`` meta values in the header's ``__metadata__``. The write is the ``.npz`` writer's: a
temporary file renamed over the target.

safetensors is optional (``pip install "xpnet[safetensors]"``), imported only for such a name.
"""

from __future__ import annotations

import os

import numpy as np

from . import _npz
from ._atomic import write_atomically

SUFFIX = ".safetensors"


def is_safetensors(path) -> bool:
    """Whether ``path`` names a safetensors file (by its suffix, case-insensitive)."""
    return os.fspath(path).lower().endswith(SUFFIX)


def _numpy_api():
    try:
        import safetensors.numpy
    except ImportError as exc:
        raise ImportError(f"a {SUFFIX} file needs the safetensors package ({exc}); install it with: "
                          'pip install "xpnet[safetensors]"') from None
    return safetensors.numpy


def save_arrays(path, arrays: dict) -> None:
    """Write ``arrays`` (name -> array of any backend, or Python scalar) to ``path``: safetensors
    for a ``.safetensors`` name, else .npz ([`xpnet.io._npz.save_arrays`][xpnet.io._npz.save_arrays])."""
    if not is_safetensors(path):
        return _npz.save_arrays(path, arrays)
    api = _numpy_api()
    tensors, text = {}, {}
    for key, value in arrays.items():
        if isinstance(value, str):
            text[key] = value
        else:
            array = _npz._to_host(key, value)  # (not ascontiguousarray: it makes a 0-d array 1-d)
            tensors[key] = array if array.flags.c_contiguous else array.copy(order="C")
    data = api.save(tensors, metadata=text or None)
    write_atomically(path, lambda f: f.write(data))


def load_arrays(path) -> dict[str, np.ndarray]:
    """All arrays in ``path`` as host NumPy arrays: safetensors for a ``.safetensors`` name (its
    ``__metadata__`` strings as 0-d str arrays), else .npz
    ([`xpnet.io._npz.load_arrays`][xpnet.io._npz.load_arrays]).

    Raises
    ------
    ValueError
        naming the file, when it is not a readable safetensors file.
    """
    if not is_safetensors(path):
        return _npz.load_arrays(path)
    api = _numpy_api()
    path = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read()
    try:
        arrays = dict(api.load(data))
        metadata = _metadata(data)
    except Exception as exc:  # safetensors raises its own SafetensorError for a damaged file
        raise ValueError(f"cannot read {path}: not a valid {SUFFIX} file: {exc}") from None
    clash = sorted(set(arrays) & set(metadata))
    if clash:
        raise ValueError(f"cannot read {path}: {', '.join(clash)} is both a tensor and a metadata string")
    arrays.update({k: np.asarray(v) for k, v in metadata.items()})
    return arrays


def _metadata(data: bytes) -> dict[str, str]:
    """The header's ``__metadata__`` (str -> str), which safetensors.numpy does not return."""
    import json

    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + size])
    return dict(header.get("__metadata__") or {})
