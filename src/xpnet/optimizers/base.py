"""The one update machinery every optimizer shares.

An optimizer is a small subclass that names its per-parameter state arrays (``slots``), its
hyperparameters (each with the check that validates it), and two hooks:

- ``_begin_step(lr, t)``: the per-step Python-float scalars (bias corrections, ``lr_t``),
  computed once per update, never per parameter;
- ``_update_param(p, g, s, step)``: changes ``p`` *in place* (``p -= ...`` or ``p[...] = ...``)
  using the state arrays ``s[slot]``, which it also updates in place.

Everything else lives here, once: the loop over ``params``, lazy state creation with
``xp.zeros_like(p)`` (the parameter's backend, device and dtype), the learning-rate schedule,
global-norm gradient clipping, and a flat ``state_dict`` / ``load_state_dict`` for checkpoints.

When ``params`` and ``grads`` are backed by flat buffers of one layout (a network's, see
:mod:`xpnet.backend._flat`), the state slots are flat buffers too and ``_update_param`` runs
once, on the whole buffers: about a dozen operations per step whatever the number of layers.
``state[slot][key]`` are then views of the slot's buffer.
"""

from __future__ import annotations

import numbers

from ..backend import FlatBuffer, array_namespace, asarray, flat_buffer_of, to_numpy
from ._checks import non_negative, positive
from .clipping import clip_with_norm


def _same_library(value, like) -> bool:
    try:
        return array_namespace(value) is array_namespace(like)
    except TypeError:
        return False


def transfer(name: str, value, like):
    """A copy of ``value`` with ``like``'s backend, device, dtype; ValueError naming ``name``.

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
    if not _same_library(value, like):
        value = to_numpy(value)
    xp = array_namespace(like)
    return xp.asarray(value, dtype=like.dtype, device=like.device, copy=True)


def _is_number(value) -> bool:
    """A real Python number or NumPy scalar: a parameter that cannot be updated in place."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _scalar(key: str, p, g):
    """0-d float64 arrays (current backend) for the number ``p`` and its gradient ``g``."""
    if not _is_number(g):
        shape = getattr(g, "shape", None)
        if shape is None:
            raise TypeError(f"parameter {key!r} is a number, but its gradient is a {type(g).__name__}")
        if tuple(shape) != ():
            raise ValueError(f"parameter {key!r} is a number, but its gradient has shape {tuple(shape)}")
    return asarray(float(p), dtype="float64"), asarray(g, dtype="float64")


def _step_count(value) -> int:
    try:
        t = int(value)
        ok = t >= 0 and float(value) == t
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"optimizer state 't' must be a non-negative integer, got {value!r}")
    return t


class Optimizer:
    """Base class: ``update(params, grads)`` in place, lazily created state, schedules, clipping.

    Parameters
    ----------
    lr : float
        Learning rate (≥ 0). With ``lr_schedule`` set, the schedule's value is used instead.
    clip_norm : float, optional
        When given, gradients are scaled to global norm ≤ ``clip_norm`` before each update (the
        caller's gradient arrays are not modified); the norm is kept in ``last_grad_norm``.
    lr_schedule : callable, optional
        ``lr_schedule(step) -> lr``; update number ``step`` (0 for the first update, counted
        by ``t``) uses ``lr_schedule(t)``, as torch's schedulers do. May be set later:
        ``optimizer.lr_schedule = CosineDecay(0.1, 1000)``.

    Attributes
    ----------
    t : int
        Number of updates done (the book's ``Adam.iter``).
    state : dict of str -> dict of str -> array
        ``state[slot][param_key]``, e.g. ``state['m']['W1']``; the book's names also work as
        attributes (``optimizer.v``, ``optimizer.h``, ``optimizer.m``).
    """

    #: hyperparameter name -> check (a function of (name, value) returning a Python float)
    hyperparameters: dict = {"lr": non_negative}
    #: Python-float state that is not per parameter (Nadam's running product of momenta)
    scalar_state: tuple[str, ...] = ()

    def __init__(self, lr, *, slots=(), clip_norm=None, lr_schedule=None, **hyper):
        self.slots = tuple(slots)
        for name, check in self.hyperparameters.items():
            setattr(self, name, check(name, lr if name == "lr" else hyper.pop(name)))
        if hyper:
            raise TypeError(f"{type(self).__name__} got unexpected hyperparameters {sorted(hyper)}")
        self.clip_norm = None if clip_norm is None else positive("clip_norm", clip_norm)
        self.lr_schedule = lr_schedule
        self.t = 0
        self.state: dict[str, dict] = {slot: {} for slot in self.slots}
        self._pending: dict = {}
        self.last_grad_norm = None

    # -- learning rate -------------------------------------------------------------------
    @property
    def lr_schedule(self):
        return self._lr_schedule

    @lr_schedule.setter
    def lr_schedule(self, schedule) -> None:
        if schedule is not None and not callable(schedule):
            raise TypeError(f"lr_schedule must be callable step -> lr, got {schedule!r}")
        self._lr_schedule = schedule

    @property
    def current_lr(self) -> float:
        """The learning rate the next update uses: ``lr_schedule(t)``, else ``lr``."""
        if self._lr_schedule is None:
            return self.lr
        return non_negative(f"lr_schedule({self.t})", self._lr_schedule(self.t))

    @property
    def iter(self) -> int:
        """The book's name (``Adam.iter``) for the update count ``t``."""
        return self.t

    # -- the update ----------------------------------------------------------------------
    def update(self, params: dict, grads: dict) -> None:
        """Change every ``params[k]`` in place from ``grads[k]``.

        Parameters
        ----------
        params : dict of str -> array or Python number
            Arrays shared by reference with the layers; updated in place. A Python number (or
            NumPy scalar), as in the book's ``optimizer_compare_naive.py``, cannot change in
            place: like the book's ``params[key] -= ...`` it is replaced by a new Python float,
            computed in float64 (a Python float's precision) on a 0-d array of the current
            backend; its state is kept as 0-d arrays.
        grads : dict of str -> array
            A gradient for every key of ``params``, same shape (a number for a number); not
            modified.
        """
        gs, work, scalars = {}, {}, []
        for key, p in params.items():
            g = grads.get(key) if hasattr(grads, "get") else None
            if g is None:
                raise ValueError(f"no gradient for parameter {key!r} (grads has {sorted(grads)})")
            if _is_number(p):
                p, g = _scalar(key, p, g)
                scalars.append(key)
            elif not hasattr(p, "shape"):
                raise TypeError(f"parameter {key!r} must be an array or a number, got {type(p).__name__}")
            elif not hasattr(g, "shape"):
                raise TypeError(f"gradient {key!r} is a {type(g).__name__}, but its parameter is an "
                                f"array of shape {tuple(p.shape)}")
            work[key] = p
            if tuple(g.shape) != tuple(p.shape):
                raise ValueError(
                    f"gradient {key!r} has shape {tuple(g.shape)}, parameter has {tuple(p.shape)}"
                )
            gs[key] = g
        flat_p, flat_g = flat_buffer_of(params), flat_buffer_of(grads)
        flat = flat_p is not None and flat_g is not None and flat_g.keys == flat_p.keys \
            and flat_g.shapes == flat_p.shapes
        if flat:
            gs = {"": flat_g.data}
        if self.clip_norm is not None and gs:
            gs, self.last_grad_norm = clip_with_norm(gs, self.clip_norm)
        lr = self.current_lr
        self.t += 1
        step = self._begin_step(lr, self.t)
        if flat:
            self._update_param(flat_p.data, gs[""], self._flat_state(flat_p), step)
            return
        for key, p in (work if scalars else params).items():
            self._update_param(p, gs[key], self._state_for(key, p), step)
        for key in scalars:
            params[key] = float(work[key])

    def _flat_state(self, flat_p: FlatBuffer) -> dict:
        """The state slots as flat buffers of ``flat_p``'s layout (``state[slot][key]`` their views).

        Made from the per-key state when first needed, and again whenever the layout changes
        or a per-key state array was replaced (e.g. by :meth:`load_state_dict`), so nothing is lost.
        """
        cached = self.__dict__.get("_flat")
        if cached is not None and cached[0] is flat_p and all(
                self.state[slot].get(k) is v for slot, buf in cached[1].items() for k, v in buf.views.items()):
            return {slot: buf.data for slot, buf in cached[1].items()}
        per_key = {k: self._state_for(k, v) for k, v in flat_p.views.items()}
        buffers = {}
        for slot in self.slots:
            buffers[slot] = FlatBuffer.pack({k: per_key[k][slot] for k in flat_p.keys})
            self.state[slot].update(buffers[slot].views)
        object.__setattr__(self, "_flat", (flat_p, buffers))
        return {slot: buf.data for slot, buf in buffers.items()}

    def _begin_step(self, lr: float, t: int):
        """Scalars shared by all parameters in update ``t`` (1-based)."""
        return lr

    def _update_param(self, p, g, s: dict, step) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def _state_for(self, key: str, p) -> dict:
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

    # -- state ---------------------------------------------------------------------------
    def _exported(self, slot: str, a):
        """A copy of state array ``a`` as :meth:`state_dict` gives it (the true values)."""
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
        """Replace the state with ``state`` (as from :meth:`state_dict`, possibly via ``.npz``).

        Scalars may come back as 0-d arrays; arrays may be host NumPy arrays or another
        backend's. Each array is copied onto its parameter's backend, device and dtype: now if
        ``params`` is given (or the optimizer already holds state for that key), else when the
        parameter with that key is first updated. Keys and shapes are checked: a ValueError names
        the offending key. Nothing changes unless the whole dict is valid.
        """
        scalars = self._scalar_keys()
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
                like = params[key]
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

    # -- conveniences --------------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        # hyperparameters are checked (and made Python floats) on every assignment, so
        # ``optimizer.lr = np.float64(0.1)`` can neither be negative nor promote float32.
        hyper = self.__dict__.get("hyperparameters", type(self).hyperparameters)
        if name in hyper:
            value = hyper[name](name, value)
        object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        state = self.__dict__.get("state")
        if state is not None and name in state:
            return state[name]
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    def __repr__(self) -> str:
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.hyperparameters)
        return f"{type(self).__name__}({args})"
