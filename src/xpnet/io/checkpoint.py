"""Save and load a network's parameters, buffers and optimizer state as one ``.npz``.

(One exception, for the book's scripts: [`save_params`][xpnet.io.checkpoint.save_params] to a ``.pkl`` name
writes the book's
pickle of params; see `xpnet.io._pickle_writer`.)

The contract with the objects saved:

- a network has ``network.params`` (dict name -> array: the trainable parameters) and may have
  ``network.buffers`` (dict name -> array: non-trainable state such as
  ``'BatchNorm1.running_mean'``); both are written into in place on load;
- an optimizer has ``state_dict()`` returning a flat dict str -> array or Python scalar, and
  ``load_state_dict(d)``. Arrays come back on the backend and device of the network's parameters;
  0-d entries come back as Python scalars (``int``, ``float``, ``bool``).

Keys in the file are namespaced: ``params/W1``, ``buffers/BatchNorm1.running_mean``,
``optimizer/...``, ``meta/epoch``. Values are host NumPy arrays with their own dtype, so a file
written on one backend loads bit-exactly on any other. Loading checks every name, shape and dtype
first; on any mismatch it raises ValueError listing them all and changes nothing.
"""

from __future__ import annotations

import inspect
import os

from ._assign import check_arrays, copy_arrays, like
from ._finite import warn_non_finite
from ._pickle_writer import is_book_pickle, save_book_pickle
from ._safetensors import load_arrays, save_arrays  # .npz, or safetensors for a .safetensors name

PARAMS, BUFFERS, OPTIMIZER, META = "params/", "buffers/", "optimizer/", "meta/"
_META_TYPES = (bool, int, float, str)


def _groups(network) -> dict[str, dict]:
    params = getattr(network, "params", None)
    if not isinstance(params, dict):
        raise TypeError(f"{type(network).__name__} has no 'params' dict to save or load")
    buffers = getattr(network, "buffers", None) or {}
    if not isinstance(buffers, dict):
        raise TypeError(f"{type(network).__name__}.buffers must be a dict, got {type(buffers).__name__}")
    return {PARAMS: params, BUFFERS: buffers}


def _flat(groups: dict[str, dict]) -> dict:
    return {prefix + k: v for prefix, group in groups.items() for k, v in group.items()}


def state_arrays(network) -> dict:
    """The network's own arrays under the file's names: ``{'params/W1': W1, 'buffers/...': ...}``.

    The arrays themselves (not copies), in the order they are saved; what a checkpoint holds
    of the network, and what the Trainer snapshots and a distributed job broadcasts.
    """
    return _flat(_groups(network))


def save_params(path, network) -> None:
    """Write ``network.params`` and ``network.buffers`` to ``path`` (.npz, atomic).

    A ``.pkl`` / ``.pickle`` name (the book's ``save_params("params.pkl")``) gets the book's
    format instead, a pickled dict of NumPy arrays that the book's ``load_params`` reads
    (`xpnet.io._pickle_writer`; params only: a network with buffers raises ValueError).
    """
    groups = _groups(network)
    if is_book_pickle(path):
        save_book_pickle(path, groups[PARAMS], groups[BUFFERS])
        return
    save_arrays(path, _flat(groups))


def save_checkpoint(path, network, optimizer=None, **meta) -> None:
    """Parameters, buffers, ``optimizer.state_dict()`` and ``meta`` (e.g. ``epoch=3``) in one file.

    ``meta`` values must be Python ``int``, ``float``, ``bool`` or ``str``. The file is .npz
    whatever its name; a ``.pkl`` name (the book's params format) is refused with a ValueError.
    """
    if is_book_pickle(path):
        raise ValueError(f"cannot write a checkpoint to {os.fspath(path)}: checkpoints are .npz; "
                         "only save_params writes the book's .pkl (params only)")
    arrays = _flat(_groups(network))
    if optimizer is not None and not callable(getattr(optimizer, "state_dict", None)):
        raise TypeError(f"cannot checkpoint a {type(optimizer).__name__} as the optimizer: it has no "
                        "state_dict() (xpnet's optimizers have)")
    if optimizer is not None:
        arrays.update({OPTIMIZER + k: v for k, v in optimizer.state_dict().items()})
    for key, value in meta.items():
        if not isinstance(value, _META_TYPES):
            raise TypeError(f"checkpoint meta {key}={value!r}: expected an int, float, bool or str")
        arrays[META + key] = value
    save_arrays(path, arrays)


def _check(path, network, loaded: dict, groups: dict[str, dict], namespaces: tuple[str, ...]) -> None:
    problems = []
    for prefix, group in groups.items():
        problems += check_arrays(group, loaded, prefix=prefix)
    unknown = sorted(k for k in loaded if not k.startswith(namespaces))
    if unknown:
        problems.append(f"entries outside {', '.join(namespaces)}: {', '.join(unknown)}")
    if problems:
        raise ValueError(f"cannot load {os.fspath(path)} into {type(network).__name__}: "
                         + "; ".join(problems))


def _reference(groups: dict[str, dict]):
    for group in groups.values():
        for value in group.values():
            return value
    return None


def _restore(value, reference):
    if value.ndim == 0:
        return value.item()
    return like(value, reference) if reference is not None else value


def _load_optimizer_state(path, optimizer, state: dict, params: dict) -> None:
    """``optimizer.load_state_dict(state)``, given the network's ``params`` when it takes them:
    xpnet's optimizers then check every state array against its parameter (the key names one,
    same shape and dtype) before they change, instead of holding it for a later update."""
    load = optimizer.load_state_dict
    try:
        takes_params = "params" in inspect.signature(load).parameters
    except (TypeError, ValueError):
        takes_params = False
    try:
        if takes_params:
            load(state, params=params)
        else:
            load(state)
    except ValueError as exc:
        raise ValueError(f"cannot load the optimizer state in {os.fspath(path)}: {exc}") from None


def load_params(path, network) -> None:
    """Copy parameters and buffers from ``path`` into the network's existing arrays.

    Optimizer state and meta entries in the file (a checkpoint) are ignored. On any missing or
    unexpected name, or a shape or dtype mismatch, raises ValueError naming them (key and both
    shapes) and leaves the network unchanged. Loaded NaN or infinite values give a
    RuntimeWarning naming the arrays (`xpnet.io._finite`).
    """
    loaded = load_arrays(path)
    groups = _groups(network)
    _check(path, network, loaded, groups, (PARAMS, BUFFERS, OPTIMIZER, META))
    for prefix, group in groups.items():
        copy_arrays(group, loaded, prefix=prefix)
    warn_non_finite(path, {k: v for k, v in loaded.items() if k.startswith((PARAMS, BUFFERS))})


def load_checkpoint(path, network, optimizer=None) -> dict:
    """Restore what [`save_checkpoint`][xpnet.io.checkpoint.save_checkpoint] wrote; returns the ``meta`` dict.

    Everything is checked before anything changes: the network's names, shapes and dtypes, and,
    when ``optimizer`` is given, that the file holds optimizer state. The optimizer's own
    ``load_state_dict`` runs before the parameters are written (given ``network.params`` when it
    takes them, so that each state array is checked against its parameter), so if it rejects
    the state the network is still unchanged.
    """
    loaded = load_arrays(path)
    groups = _groups(network)
    _check(path, network, loaded, groups, (PARAMS, BUFFERS, OPTIMIZER, META))
    if optimizer is not None:
        state = {k[len(OPTIMIZER):]: v for k, v in loaded.items() if k.startswith(OPTIMIZER)}
        if not state and optimizer.state_dict():
            raise ValueError(f"cannot load optimizer state: {os.fspath(path)} holds none "
                             "(it was saved without an optimizer)")
        reference = _reference(groups)
        _load_optimizer_state(path, optimizer, {k: _restore(v, reference) for k, v in state.items()},
                              groups[PARAMS])
    for prefix, group in groups.items():
        copy_arrays(group, loaded, prefix=prefix)
    warn_non_finite(path, {k: v for k, v in loaded.items() if k.startswith((PARAMS, BUFFERS))})
    return {k[len(META):]: v.item() for k, v in loaded.items() if k.startswith(META)}
