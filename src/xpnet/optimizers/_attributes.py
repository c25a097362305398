"""The optimizers' attribute rules, in one place.

- Assigning a hyperparameter (``optimizer.lr = np.float64(0.1)``) runs its check, so it can
  neither be negative nor a NumPy scalar that would promote float32 parameters.
- The book's state names read as attributes: ``optimizer.v``, ``optimizer.h``, ``optimizer.m``
  are ``optimizer.state['v']`` etc.
"""

from __future__ import annotations


class CheckedAttributes:
    """Mixin: checked hyperparameter assignment, state slots readable as attributes."""

    def __setattr__(self, name: str, value) -> None:
        hyper = self.__dict__.get("hyperparameters", type(self).hyperparameters)
        if name in hyper:
            value = hyper[name](name, value)
        object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        state = self.__dict__.get("state")
        if state is not None and name in state:
            return state[name]
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")
