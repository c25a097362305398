"""Training: the book's Trainer, callbacks, the hyperparameter search of §6.5, and
data-parallel training over MPI/NCCL (`distributed`)."""

from .callbacks import Callback, EarlyStopping
from .distributed import DistributedTrainer, init_distributed
from .trainer import NonFiniteLossError, Trainer
from .validation import split_validation

__all__ = ["Callback", "DistributedTrainer", "EarlyStopping", "NonFiniteLossError", "Trainer",
           "init_distributed", "split_validation"]
