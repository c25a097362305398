"""Training: the book's Trainer, callbacks, and the hyperparameter search of §6.5."""

from .callbacks import Callback, EarlyStopping
from .trainer import NonFiniteLossError, Trainer

__all__ = ["Callback", "EarlyStopping", "NonFiniteLossError", "Trainer"]
