"""An optimizer's state as a flat dict: ``state_dict`` / ``load_state_dict`` and their helpers.

The state is the update count ``t``, the hyperparameters, any Python-float ``scalar_state``
(Nadam's running product of momenta) and one array per slot and parameter, keyed
``'<slot>/<param>'`` (``'m/W1'``). Arrays loaded before their parameter is known wait in
``_pending`` and are moved onto the parameter's backend, device and dtype when it is first
updated (`OptimizerState._state_for`).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..backend import array_namespace, to_numpy


def _same_library(value, like) -> bool:
    try:
        return array_namespace(value) is array_namespace(like)
    except TypeError:
        return False


def _dtype_name(dtype) -> str:
    """``'float32'`` for NumPy, CuPy, torch and array-api-strict dtypes alike."""
    return str(dtype).rsplit(".", 1)[-1]


def transfer(name: str, value, like):
    """A copy of ``value`` on ``like``'s backend and device; ValueError naming ``name`` unless
    it has ``like``'s shape and dtype.

    ``value`` may be a host NumPy array (a checkpoint read back from ``.npz``) or an array of
    any backend; foreign arrays cross through the host once, at load time.
    """
    if not hasattr(value, "shape"):
        raise ValueError(f"optimizer state {name!r} must be an array, got {type(value).__name__}")
    if tuple(value.shape) != tuple(like.shape):
        raise ValueError(
            f"optimizer state {name!r} has shape {tuple(value.shape)}, "
            f"but its parameter has shape {tuple(like.shape)}"
        )
    if _dtype_name(value.dtype) != _dtype_name(like.dtype):
        raise ValueError(
            f"optimizer state {name!r} has dtype {_dtype_name(value.dtype)}, "
            f"but its parameter has dtype {_dtype_name(like.dtype)}"
        )
    if not _same_library(value, like):
        value = to_numpy(value)
    xp = array_namespace(like)
    return xp.asarray(value, dtype=like.dtype, device=like.device, copy=True)


def _step_count(value) -> int:
    try:
        t = int(value)
        ok = t >= 0 and float(value) == t
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"optimizer state 't' must be a non-negative integer, got {value!r}")
    return t


class OptimizerState:
    """The state half of [`Optimizer`][xpnet.optimizers.base.Optimizer] (a mixin).

    Expects ``slots``, ``hyperparameters``, ``scalar_state``, ``t``, ``state`` and ``_pending``
    set by the optimizer's constructor.
    """

    def _state_for(self, key: str, p) -> dict:
        """The slot arrays of parameter ``key`` (``{slot: array}``), created on first use.

        A new slot array is zeros like ``p``, or the pending loaded array moved onto ``p``'s
        backend, device and dtype.
        """
        out = {}
        for slot in self.slots:
            arrays = self.state[slot]
            a = arrays.get(key)
            if a is None:
                loaded = self._pending.pop(f"{slot}/{key}", None)
                if loaded is None:
                    a = array_namespace(p).zeros_like(p)
                else:
                    a = self._imported(slot, transfer(f"{slot}/{key}", loaded, p))
                arrays[key] = a
            elif tuple(a.shape) != tuple(p.shape):
                raise ValueError(
                    f"parameter {key!r} has shape {tuple(p.shape)}, but optimizer state "
                    f"'{slot}/{key}' has shape {tuple(a.shape)}"
                )
            out[slot] = a
        return out

    def _exported(self, slot: str, a):
        """A copy of state array ``a`` as `state_dict` gives it (the true values)."""
        return array_namespace(a).asarray(a, copy=True)

    def _imported(self, slot: str, a):
        """State array ``a`` (true values, already a copy) as the optimizer keeps it."""
        return a

    def _scalar_keys(self) -> tuple[str, ...]:
        return ("t", *self.hyperparameters, *self.scalar_state)

    def state_dict(self) -> dict:
        """A flat copy of the state: ``{'t': 3, 'lr': 0.001, ..., 'm/W1': array, ...}``.

        Values are Python ints/floats and arrays (copies, on the parameters' device), ready to be
        written to ``.npz``. Not included: ``lr_schedule`` and ``clip_norm`` (configuration,
        not state; the schedule resumes from ``t``) and the form flags.
        """
        d: dict = {"t": self.t}
        for name in (*self.hyperparameters, *self.scalar_state):
            d[name] = getattr(self, name)
        for slot, arrays in self.state.items():
            for key, a in arrays.items():
                d[f"{slot}/{key}"] = self._exported(slot, a)
        for name, value in self._pending.items():
            d.setdefault(name, value)
        return d

    def load_state_dict(self, state: dict, params: dict | None = None) -> None:
        """Replace the state with ``state`` (as from `state_dict`, possibly via ``.npz``).

        Scalars may come back as 0-d arrays; arrays may be host NumPy arrays or another
        backend's. Each array is copied onto its parameter's backend, device and dtype: now if
        ``params`` is given (or the optimizer already holds state for that key), else when the
        parameter with that key is first updated. Keys and shapes are checked: a ValueError names
        the offending key. Nothing changes unless the whole dict is valid.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict takes a dict (from state_dict()), got {type(state).__name__}")
        if params is not None and not isinstance(params, Mapping):
            raise TypeError(f"load_state_dict's params must be a dict of arrays, got {type(params).__name__}")
        scalars = self._scalar_keys()
        self._check_keys(state, scalars)
        t = _step_count(state["t"])
        hyper = {n: check(n, state[n]) for n, check in self.hyperparameters.items()}
        extra = {n: float(state[n]) for n in self.scalar_state}
        new_state: dict = {slot: {} for slot in self.slots}
        pending = {}
        for name, value in state.items():
            if name in scalars:
                continue
            slot, _, key = name.partition("/")
            like = self.state[slot].get(key)
            if params is not None:
                if key not in params:
                    raise ValueError(f"optimizer state {name!r} names no parameter in params")
                like = params[key] if hasattr(params[key], "shape") else None  # a number: later
            if like is None:
                if not hasattr(value, "shape"):
                    raise ValueError(f"optimizer state {name!r} must be an array, got {type(value).__name__}")
                pending[name] = value
            else:
                new_state[slot][key] = self._imported(slot, transfer(name, value, like))
        self.t = t
        for n, v in {**hyper, **extra}.items():
            setattr(self, n, v)
        self.state, self._pending = new_state, pending

    def _check_keys(self, state: dict, scalars: tuple[str, ...]) -> None:
        """ValueError for a key that is neither a scalar nor ``'<slot>/<param>'``, or a missing scalar."""
        for name in state:
            if name in scalars:
                continue
            slot, sep, key = str(name).partition("/")
            if not (sep and key and slot in self.slots):
                raise ValueError(
                    f"unexpected key {name!r} in the state of {type(self).__name__}: expected "
                    f"{', '.join(map(repr, scalars))} and '<slot>/<param>' with slot in {self.slots}"
                )
        for name in scalars:
            if name not in state:
                raise ValueError(f"the state of {type(self).__name__} is missing {name!r}")
