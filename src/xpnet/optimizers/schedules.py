"""Learning-rate schedules: ``schedule(step) -> lr`` (chapter 6: start large, then decay).

A schedule is a plain callable object; attach it with ``Adam(lr_schedule=...)`` or
``optimizer.lr_schedule = ...``. Update ``t`` (0 for the first) uses ``schedule(t)``, so the
values below are what torch's ``StepLR`` / ``ExponentialLR`` / ``CosineAnnealingLR`` give after
``t`` calls of ``scheduler.step()``. Resuming from a checkpoint resumes the schedule, because the
optimizer's ``t`` is saved.

``Warmup`` composes with any schedule (or a constant): it ramps linearly to the base schedule's
first value, then runs the base schedule *shifted* by the warm-up length, so
``Warmup(CosineDecay(0.1, 1000), 100)`` warms up for 100 updates and then decays over 1000.
"""

from __future__ import annotations

import math

from ._checks import as_float, non_negative, positive_int


def _step(step) -> int:
    if isinstance(step, bool) or not hasattr(step, "__index__") and not isinstance(step, int):
        raise TypeError(f"a schedule's step must be an integer, got {step!r}")
    step = int(step)
    if step < 0:
        raise ValueError(f"a schedule's step must be >= 0, got {step}")
    return step


class Schedule:
    """Base: ``__call__(step) -> float`` validates ``step`` and calls ``value(step)``."""

    def __call__(self, step) -> float:
        return self.value(_step(step))

    def value(self, step: int) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Constant(Schedule):
    """``lr`` at every step."""

    def __init__(self, lr: float):
        self.lr = non_negative("lr", lr)

    def value(self, step: int) -> float:
        return self.lr


class StepDecay(Schedule):
    """``lr · gamma^(step // step_size)``: divide by 1/gamma every ``step_size`` updates (StepLR)."""

    def __init__(self, lr: float, step_size: int, gamma: float = 0.1):
        self.lr = non_negative("lr", lr)
        self.step_size = positive_int("step_size", step_size)
        self.gamma = _factor("gamma", gamma)

    def value(self, step: int) -> float:
        return self.lr * self.gamma ** (step // self.step_size)


class ExponentialDecay(Schedule):
    """``lr · gamma^(step / decay_steps)``; ``decay_steps=1`` is torch's ExponentialLR."""

    def __init__(self, lr: float, gamma: float, decay_steps: int = 1):
        self.lr = non_negative("lr", lr)
        self.gamma = _factor("gamma", gamma)
        self.decay_steps = positive_int("decay_steps", decay_steps)

    def value(self, step: int) -> float:
        return self.lr * self.gamma ** (step / self.decay_steps)


class CosineDecay(Schedule):
    """``min_lr + ½(lr − min_lr)(1 + cos(π·min(step, total_steps)/total_steps))``.

    Half a cosine from ``lr`` to ``min_lr`` over ``total_steps``, then ``min_lr``: the closed
    form of torch's CosineAnnealingLR (``T_max=total_steps, eta_min=min_lr``) up to T_max.
    """

    def __init__(self, lr: float, total_steps: int, min_lr: float = 0.0):
        self.lr = non_negative("lr", lr)
        self.total_steps = positive_int("total_steps", total_steps)
        self.min_lr = non_negative("min_lr", min_lr)
        if self.min_lr > self.lr:
            raise ValueError(f"min_lr must be <= lr, got min_lr={min_lr!r} > lr={lr!r}")

    def value(self, step: int) -> float:
        frac = min(step, self.total_steps) / self.total_steps
        return self.min_lr + 0.5 * (self.lr - self.min_lr) * (1.0 + math.cos(math.pi * frac))


class Warmup(Schedule):
    """Linear warm-up from ``start_lr`` to ``base(0)`` over ``warmup_steps``, then ``base``.

    ``step < warmup_steps``: ``start_lr + (base(0) − start_lr) · step / warmup_steps``;
    afterwards ``base(step − warmup_steps)``. ``base`` is a schedule or a number (constant).
    """

    def __init__(self, base, warmup_steps: int, start_lr: float = 0.0):
        if isinstance(base, Schedule) or callable(base):
            self.base = base
        else:
            self.base = Constant(base)
        self.warmup_steps = positive_int("warmup_steps", warmup_steps)
        self.start_lr = non_negative("start_lr", start_lr)

    def value(self, step: int) -> float:
        if step < self.warmup_steps:
            target = float(self.base(0))
            return self.start_lr + (target - self.start_lr) * step / self.warmup_steps
        return float(self.base(step - self.warmup_steps))


def _factor(name: str, value) -> float:
    out = as_float(name, value)
    if not 0.0 < out <= 1.0:
        raise ValueError(f"{name} must be in (0, 1], got {value!r}")
    return out
