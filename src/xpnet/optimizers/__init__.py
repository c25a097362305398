"""Optimizers (chapter 6): ``optimizer.update(params, grads)`` changes ``params`` in place.

- `base`: the one update loop (per key, or once on a network's flat buffers), schedules
  and clipping hooks; `state`: lazy state on the parameters' device and dtype,
  ``state_dict`` / ``load_state_dict``.
- `sgd`: SGD, Momentum, Nesterov (one class); `adaptive`: AdaGrad, RMSprop,
  AdaDelta; `adam`: Adam, AdamW, Adamax, Nadam (one class).
- `schedules`: step, exponential, cosine, warm-up; `clipping`: global-norm clipping.

The book's classes keep the book's formulas and defaults; each module docstring says where
they differ from ``torch.optim`` and which ``form=`` reproduces torch.
"""

from .adam import Adam, Adamax, AdamW, Nadam
from .adaptive import AdaDelta, AdaGrad, RMSprop
from .base import Optimizer
from .clipping import clip_grad_norm, global_norm
from .registry import OPTIMIZERS, get_optimizer
from .schedules import Constant, CosineDecay, ExponentialDecay, Schedule, StepDecay, Warmup
from .sgd import SGD, Momentum, Nesterov

__all__ = [
    "OPTIMIZERS", "SGD", "AdaDelta", "AdaGrad", "Adam", "AdamW", "Adamax", "Constant",
    "CosineDecay", "ExponentialDecay", "Momentum", "Nadam", "Nesterov", "Optimizer", "RMSprop",
    "Schedule", "StepDecay", "Warmup", "clip_grad_norm", "get_optimizer", "global_norm",
]
