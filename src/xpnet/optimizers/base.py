"""The one update machinery every optimizer shares.

An optimizer is a small subclass that names its per-parameter state arrays (``slots``), its
hyperparameters (each with the check that validates it), and two hooks:

- ``_begin_step(lr, t)``: the per-step Python-float scalars (bias corrections, ``lr_t``),
  computed once per update, never per parameter;
- ``_update_param(p, g, s, step)``: changes ``p`` *in place* (``p -= ...`` or ``p[...] = ...``)
  using the state arrays ``s[slot]``, which it also updates in place.

Everything else lives here, once: the loop over ``params``, lazy state creation with
``xp.zeros_like(p)`` (the parameter's backend, device and dtype), the learning-rate schedule,
and global-norm gradient clipping. The state's (de)serialisation (``state_dict`` /
``load_state_dict``) is in `state`, the attribute rules in `_attributes`.

When ``params`` and ``grads`` are backed by flat buffers of one layout (a network's, see
`xpnet.backend._flat`), the state slots are flat buffers too and ``_update_param`` runs
once, on the whole buffers: about a dozen operations per step whatever the number of layers.
``state[slot][key]`` are then views of the slot's buffer.
"""

from __future__ import annotations

from ..backend import FlatBuffer, PackedArrays, flat_buffer_of
from . import _preflight as preflight
from ._attributes import CheckedAttributes
from ._checks import non_negative, positive
from .clipping import clip_with_norm
from .state import OptimizerState

__all__ = ["Optimizer"]


class Optimizer(CheckedAttributes, OptimizerState):
    """Base class: ``update(params, grads)`` in place, lazily created state, schedules, clipping.

    ``clip_norm`` and ``lr_schedule`` are the options every optimizer takes: the subclasses
    accept them as ``**common`` keyword arguments and pass them here.

    Parameters
    ----------
    lr : float
        Learning rate (≥ 0). With ``lr_schedule`` set, the schedule's value is used instead.
    slots : tuple of str
        The names of the per-parameter state arrays (``('m', 'v')``); given by the subclass.
    hyper : dict of str -> float
        The values of the hyperparameters other than ``lr`` (each checked by
        ``hyperparameters[name]``); given by the subclass.
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

    def __init__(self, lr, *, slots=(), hyper=None, clip_norm=None, lr_schedule=None):
        self.slots = tuple(slots)
        values = {"lr": lr, **(hyper or {})}
        for name, check in self.hyperparameters.items():
            setattr(self, name, check(name, values.pop(name)))
        if values:
            raise TypeError(f"{type(self).__name__} got unexpected hyperparameters {sorted(values)}")
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

        All or nothing: everything (the dicts, each gradient, the state held or loaded for each
        parameter, the hyperparameters, the schedule's lr) is checked first, from metadata only
        (`_preflight`); a ValueError or TypeError naming the key leaves the parameters,
        the state and ``t`` as they were.

        Parameters
        ----------
        params : dict of str -> array or Python number
            Arrays shared by reference with the layers; updated in place. A Python number (or
            NumPy scalar), as in the book's ``optimizer_compare_naive.py``, cannot change in
            place: like the book's ``params[key] -= ...`` it is replaced by a new Python float,
            computed in float64 (a Python float's precision) on a 0-d array of the current
            backend; its state is kept as 0-d arrays.
        grads : dict of str -> array
            A gradient for every key of ``params``, same shape, backend, device and dtype (a
            number for a number); not modified.

        """
        preflight.check_containers(params, grads)
        preflight.check_hyperparameters(self)
        flat_p, flat_g = flat_buffer_of(params), flat_buffer_of(grads)
        flat = flat_p is not None and flat_g is not None and flat_g.layout == flat_p.layout
        if flat:  # one layout: every key has a gradient of its parameter's shape
            preflight.check_flat_grads(flat_p, flat_g)
            if not self._flat_state_current(flat_p):
                preflight.check_state(self, flat_p.views)
            keep_packed = self.clip_norm is None and self._takes_packed and isinstance(flat_g, PackedArrays)
            gs, scalars = {"": flat_g if keep_packed else flat_g.data}, []
        else:
            gs, work, scalars = preflight.check_pairs(params, grads)
            preflight.check_state(self, params)
        lr = self.current_lr  # a failing schedule fails here, before anything changed
        # nothing below raises for inputs that passed the checks: the update is all or nothing
        if self.clip_norm is not None and gs:
            gs, self.last_grad_norm = clip_with_norm(gs, self.clip_norm)
        self.t += 1
        step = self._begin_step(lr, self.t)
        if flat:
            self._update_param(flat_p.data, gs[""], self._flat_state(flat_p), step)
            return
        for key, p in (work if scalars else params).items():
            self._update_param(p, gs[key], self._state_for(key, p), step)
        for key in scalars:
            params[key] = float(work[key])

    #: whether ``_update_param`` on the flat path accepts the gradients still unpacked (a
    #: `PackedArrays`), so a backend can skip the packing copy
    _takes_packed = False

    def _flat_state(self, flat_p: FlatBuffer) -> dict:
        """The state slots as flat buffers of ``flat_p``'s layout (``state[slot][key]`` their views).

        Made from the per-key state when first needed, and again whenever the layout changes
        or a per-key state array was replaced (e.g. by `load_state_dict`), so nothing is lost.
        """
        if self._flat_state_current(flat_p):
            return {slot: buf.data for slot, buf in self.__dict__["_flat"][1].items()}
        per_key = {k: self._state_for(k, v) for k, v in flat_p.views.items()}
        buffers = {}
        for slot in self.slots:
            buffers[slot] = flat_p.pack_like({k: per_key[k][slot] for k in flat_p.keys})
            self.state[slot].update(buffers[slot].views)
        object.__setattr__(self, "_flat", (flat_p, buffers))
        return {slot: buf.data for slot, buf in buffers.items()}

    def _flat_state_current(self, flat_p: FlatBuffer) -> bool:
        """Whether the cached flat state slots belong to ``flat_p`` and still back ``state``."""
        cached = self.__dict__.get("_flat")
        return cached is not None and cached[0] is flat_p and self._views_current(cached[1])

    def _views_current(self, buffers: dict) -> bool:
        """Whether every ``state[slot][key]`` is still the view of ``buffers[slot]``."""
        return all(self.state[slot].get(key) is view
                   for slot, buf in buffers.items() for key, view in buf.views.items())

    def _begin_step(self, lr: float, t: int):
        """Scalars shared by all parameters in update ``t`` (1-based)."""
        return lr

    def _update_param(self, p, g, s: dict, step) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    # -- display ---------------------------------------------------------------------
    def __repr__(self) -> str:
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.hyperparameters)
        return f"{type(self).__name__}({args})"
