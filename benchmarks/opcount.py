"""Operations per train step: what a GPU would launch, counted on the CPU.

A GPU step costs at least one kernel launch (5-10 us) per array operation, so a small network's
step is bounded by its count of operations long before its FLOPs matter. Two counters:

- :class:`StrictCounter` wraps array-api-strict, the portable path that CuPy also runs: every
  function of the namespace and every operator of its ``Array`` is counted when it returns an
  array that does not alias an input (a view is free), and every in-place operator and
  ``__setitem__`` is counted (each writes memory).
- :class:`AtenCounter` is a ``TorchDispatchMode``: every aten operation that is not a view,
  for xpnet on torch and for the native PyTorch peer alike.

:func:`step_ops` counts one gradient + Adam step of a network from :mod:`benchmarks.nets` on
the portable ops (``use_ops(Ops())``), after two warm-up steps (so lazily created state and
cached constants are not counted), inside ``trusted_labels()`` as the Trainer runs its steps
(the labels were checked once, when the data arrived).
"""

from __future__ import annotations

import collections
import contextlib
import functools

import numpy as np

#: aten ops that move no data: aliases and bookkeeping.
_ATEN_FREE = {"detach", "lift_fresh", "_unsafe_view", "alias", "_local_scalar_dense_free"}
#: array-api-strict names that return no array or only inspect one.
_STRICT_SKIP = {"asarray", "Device", "Array", "isdtype", "finfo", "iinfo", "result_type", "can_cast",
                "astype_no"}


def _arrays(values):
    from array_api_strict._array_object import Array
    for v in values:
        if isinstance(v, Array):
            yield v
        elif isinstance(v, (list, tuple)):
            yield from _arrays(v)


class StrictCounter:
    """Counts array-api-strict operations that allocate or write (see the module docstring)."""

    _INPLACE = ("__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__ipow__",
                "__imod__", "__iand__", "__ior__", "__ixor__", "__ilshift__", "__irshift__",
                "__imatmul__", "__setitem__")

    def __init__(self):
        self.ops: collections.Counter = collections.Counter()
        self._stack = contextlib.ExitStack()
        self._depth = 0

    def total(self) -> int:
        return sum(self.ops.values())

    def _wrap(self, name, fn, *, inplace=False):
        @functools.wraps(fn)
        def counted(*args, **kwargs):
            if self._depth:  # an operation implemented with other operations counts once
                return fn(*args, **kwargs)
            self._depth += 1
            try:
                out = fn(*args, **kwargs)
            finally:
                self._depth -= 1
            if inplace:
                self.ops[name] += 1
                return out
            inputs = [a._array for a in _arrays(list(args) + list(kwargs.values()))]
            for o in _arrays([out]):
                if not any(np.may_share_memory(o._array, i) for i in inputs):
                    self.ops[name] += 1
                    break
            return out
        return counted

    def __enter__(self):
        import array_api_strict as strict
        from array_api_strict._array_object import Array

        patch = self._stack.enter_context(_Patches())
        for name in dir(strict):
            fn = getattr(strict, name)
            if callable(fn) and not name.startswith("_") and name not in _STRICT_SKIP \
                    and not isinstance(fn, type):
                patch(strict, name, self._wrap(name, fn))
        for sub in ("linalg", "fft"):
            mod = getattr(strict, sub, None)
            for name in dir(mod) if mod is not None else ():
                fn = getattr(mod, name)
                if callable(fn) and not name.startswith("_"):
                    patch(mod, name, self._wrap(f"{sub}.{name}", fn))
        for name in dir(Array):
            if not (name.startswith("__") and name.endswith("__")):
                continue
            if name in self._INPLACE:
                patch(Array, name, self._wrap(name, getattr(Array, name), inplace=True))
            elif name.startswith("__r") or name in {
                    "__add__", "__sub__", "__mul__", "__truediv__", "__floordiv__", "__pow__",
                    "__mod__", "__matmul__", "__and__", "__or__", "__xor__", "__lshift__",
                    "__rshift__", "__neg__", "__pos__", "__abs__", "__invert__", "__lt__", "__le__",
                    "__gt__", "__ge__", "__eq__", "__ne__", "__getitem__"}:
                patch(Array, name, self._wrap(name, getattr(Array, name)))
        return self

    def __exit__(self, *exc):
        self._stack.close()
        return False


class _Patches:
    """setattr with undo, as a context manager."""

    def __init__(self):
        self._undo = []

    def __call__(self, owner, name, value):
        self._undo.append((owner, name, owner.__dict__.get(name, _MISSING) if isinstance(owner, type)
                           else getattr(owner, name)))
        setattr(owner, name, value)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for owner, name, old in reversed(self._undo):
            if old is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, old)
        return False


_MISSING = object()


def AtenCounter():
    """A ``TorchDispatchMode`` counting every aten op that is not a view (``.ops``, ``.total()``)."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class _AtenCounter(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.ops: collections.Counter = collections.Counter()

        def total(self) -> int:
            return sum(self.ops.values())

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            name = func.overloadpacket.__name__
            if not func.is_view and name not in _ATEN_FREE:
                self.ops[name] += 1
            return func(*args, **(kwargs or {}))

    return _AtenCounter()


def _counter_for(backend: str):
    if backend == "array_api_strict":
        return StrictCounter()
    if backend == "torch":
        return AtenCounter()
    raise ValueError(f"operations are counted on 'array_api_strict' or 'torch', got {backend!r}")


def step_ops(spec, backend: str = "array_api_strict", *, batch: int = 8, portable: bool = True,
             device: str | None = None):
    """``(gradient ops, Adam ops)`` of one train step of ``spec`` on ``backend`` (Counters).

    ``portable=True`` runs the portable :class:`xpnet.backend.Ops` (the code CuPy runs) even
    where the backend has its own ops. torch counts on ``device`` (default ``'meta'``, which
    stands for a GPU: torch's ops choose their GPU paths there).
    """
    import xpnet
    from xpnet.backend import Ops, choice, normal, use_backend, use_ops
    from xpnet.functions.losses import trusted_labels
    from xpnet.optimizers import Adam

    if backend == "torch":
        device = device or "meta"
    with use_backend(backend, device=device), trusted_labels(), \
            (use_ops(Ops()) if portable else contextlib.nullcontext()):
        xpnet.seed(0)
        net = spec.build()
        x = normal((batch, *spec.input_shape))
        t = choice(10, batch)
        opt = Adam()
        for _ in range(2):
            opt.update(net.params, net.gradient(x, t))
        grad_counter, adam_counter = _counter_for(backend), _counter_for(backend)
        with grad_counter:
            grads = net.gradient(x, t)
        with adam_counter:
            opt.update(net.params, grads)
    return grad_counter.ops, adam_counter.ops


def peer_step_ops(spec, *, batch: int = 8):
    """Aten ops of one native PyTorch train step (forward, backward, foreach Adam) of ``spec``."""
    import torch

    from . import peers

    torch.manual_seed(0)
    model = getattr(peers, spec.peer)(*spec.peer_args)
    opt = torch.optim.Adam(model.parameters(), lr=0.001, foreach=True)
    x = torch.randn(batch, *spec.input_shape)
    t = torch.randint(0, 10, (batch,))
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), t).backward()
        opt.step()

    model.train()
    for _ in range(2):
        step()
    counter = AtenCounter()
    with counter:
        step()
    return counter.ops


#: Ceilings for the portable path (array-api-strict counter), gradient + Adam: 1.5x the native
#: PyTorch step's aten count (64, 45, 97, 101 with foreach Adam, batch 8; issue 21).
TARGETS = {"mlp": 96, "simpleconvnet": 67, "deepconvnet": 145, "alexnet-w1": 151}


def ops_table(specs) -> tuple[list[dict], str]:
    """Rows and a markdown table of operations per train step: xpnet's portable path on
    array-api-strict, xpnet on torch (its own ops on the meta device, i.e. its GPU paths; aten
    count), and the native PyTorch step."""
    rows, lines = [], ["| network | xpnet portable (array-api-strict) | xpnet on torch (aten) "
                       "| native PyTorch (aten, foreach Adam) | ceiling (portable) |",
                       "|---|---|---|---|---|"]
    for spec in specs:
        strict = sum(sum(c.values()) for c in step_ops(spec, "array_api_strict"))
        on_torch = sum(sum(c.values()) for c in step_ops(spec, "torch", portable=False, device="meta"))
        peer = sum(peer_step_ops(spec).values())
        ceiling = TARGETS.get(spec.name)
        rows.append({"network": spec.name, "portable": strict, "torch": on_torch, "peer": peer,
                     "ceiling": ceiling})
        lines.append(f"| {spec.name} | {strict} | {on_torch} | {peer} | {ceiling or '-'} |")
    return rows, "\n".join(lines)
