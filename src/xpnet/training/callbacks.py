"""Callbacks the Trainer calls at the end of every epoch.

A callback is any object with ``on_epoch_end(trainer, epoch, logs)``; it may set
``trainer.stop_training = True``. ``logs`` holds the epoch's ``train_acc``, ``test_acc``,
``train_loss`` (mean over the epoch) and, when the Trainer has ``validation_data``, ``val_acc``,
as Python floats.
"""

from __future__ import annotations

import math

from .._validation import check_int

#: what the Trainer's ``logs`` hold at each epoch end
LOG_KEYS = ("val_acc", "train_acc", "test_acc", "train_loss")


class Callback:
    """Base class with no-op hooks."""

    def on_train_begin(self, trainer) -> None:
        pass

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        pass

    def on_train_end(self, trainer) -> None:
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    ``monitor`` defaults to the validation accuracy, ``'val_acc'``: the Trainer needs
    ``validation_data`` held out from the training set
    ([`split_validation`][xpnet.training.split_validation]),
    as the book's section 6.5 tunes on validation data. Stopping on ``'test_acc'`` tunes on the
    test set and makes its accuracy optimistic; it is possible only when asked for explicitly.

    With ``restore_best=True`` the parameters (and buffers) of the best epoch are copied back
    into the network's arrays in place when training stops.
    """

    def __init__(self, monitor: str = "val_acc", patience: int = 3, mode: str | None = None,
                 min_delta: float = 0.0, restore_best: bool = True) -> None:
        patience = check_int("patience", patience, minimum=0)
        if monitor not in LOG_KEYS:
            raise ValueError(f"EarlyStopping cannot monitor {monitor!r}: the Trainer logs "
                             f"{', '.join(map(repr, LOG_KEYS))} (val_acc with validation_data)")
        mode = mode or ("min" if "loss" in monitor else "max")
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.monitor, self.patience, self.mode = monitor, patience, mode
        self.min_delta, self.restore_best = float(min_delta), restore_best
        self.best, self.best_epoch, self.wait, self.stopped_epoch = None, None, 0, None
        self._snapshot = None

    def _improved(self, value: float) -> bool:
        if self.best is None:
            return True
        if self.mode == "max":
            return value > self.best + self.min_delta
        return value < self.best - self.min_delta

    def on_train_begin(self, trainer) -> None:
        if self.monitor.startswith("val_") and getattr(trainer, "x_val", None) is None:
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, but the Trainer has no validation data: pass "
                "validation_data=(x_val, t_val) held out from the training set, e.g. "
                "(x_train, t_train), (x_val, t_val) = xpnet.training.split_validation(x_train, t_train, 0.2)")
        self.best, self.best_epoch, self.wait, self.stopped_epoch = None, None, 0, None

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, but the logs hold {sorted(logs)}")
        value = logs[self.monitor]
        if math.isfinite(value) and self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self._snapshot = trainer.snapshot(self._snapshot)
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            trainer.stop_training = True

    def on_train_end(self, trainer) -> None:
        if self.restore_best and self._snapshot is not None and self.stopped_epoch is not None:
            trainer.restore(self._snapshot)
