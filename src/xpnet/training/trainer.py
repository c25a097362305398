"""The book's Trainer, made real: shuffled epochs, batched evaluation, device-resident data.

Differences from the book's ``common/trainer.py`` (same signature and result lists):

- An epoch is a real pass over a fresh permutation of the data (``sampling='epoch'``, the
  default; the last batch may be smaller, or one larger where a batch of one would be left).
  The book's sampling with replacement is ``sampling='replacement'``, and its epoch count no
  longer needs the batch size to divide the data (the book's ``current_iter % iter_per_epoch``
  test silently never fires otherwise).
- The dataset is moved to the device once; batches are taken there with ``xp.take`` by device
  index arrays, never rebuilt on the host.
- The training loss of an iteration is the loss of the forward pass that computed the gradient
  (``network.last_loss`` where the model records it), not a second forward pass after the
  update as in the book. Losses stay on the device and come to the host in one transfer every
  ``check_every`` iterations.
- A NaN or inf loss stops training with [`NonFiniteLossError`][xpnet.training.trainer.NonFiniteLossError]
  naming the iteration, after
  the parameters of the last check with finite losses have been restored.
- A train step never waits for the device. The labels are range-checked once, when the data
  arrives (by an xpnet [`Network`][xpnet.models.base.Network]'s ``check_labels``), and the steps
  run inside ``trusted_labels()``, which skips the check again. The only device-to-host
  transfers are that check, the loss check every ``check_every`` iterations and evaluation,
  each inside a ``scheduled_sync`` block that the sync detector
  ([`xpnet.testing.no_host_sync`][xpnet.testing.no_host_sync]) allows.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from .._validation import check_int
from ..backend import array_namespace, asarray, choice, permutation, scheduled_sync, seed, to_numpy
from ..functions.losses import trusted_labels
from ..io.checkpoint import state_arrays
from ..models.base import Network
from ..optimizers import get_optimizer
from . import _trainer_checks as checks


def _no_hook(trainer) -> None:
    """A callback without ``on_train_begin`` / ``on_train_end`` (only ``on_epoch_end`` is required)."""


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN or infinite loss."""


class Trainer:
    """Train ``network`` with mini-batches (the book's signature, plus keyword-only extras).

    Every argument is checked here, before any work (`_trainer_checks`): a ValueError or
    TypeError names the setting.

    Parameters
    ----------
    network : model with ``params``, ``gradient(x, t)``, ``loss``, ``accuracy``
    x_train : arrays (host NumPy or any backend)
        Moved once onto the current backend (float input as the default float dtype).
    t_train : arrays (host NumPy or any backend)
        Moved once onto the current backend (float input as the default float dtype).
    x_test : arrays (host NumPy or any backend)
        Moved once onto the current backend (float input as the default float dtype).
    t_test : arrays (host NumPy or any backend)
        Moved once onto the current backend (float input as the default float dtype).
    mini_batch_size : int
        Samples per update; a size larger than the training set is clipped to it
        (``batch_size`` holds what is used).
    optimizer : str or optimizer object
        A name for [`xpnet.optimizers.get_optimizer`][xpnet.optimizers.get_optimizer] (with
        ``optimizer_param``) or an
        instance with ``update(params, grads)``.
    evaluate_sample_num_per_epoch : int, optional
        Evaluate accuracy on the first N samples of each set (the book's option); all by default.
    sampling : ``'epoch'`` or ``'replacement'``
    callbacks : sequence of [`Callback`][xpnet.training.Callback]
        Objects with ``on_epoch_end(trainer, epoch, logs)``; ``on_train_begin(trainer)`` and
        ``on_train_end(trainer)`` are called where they exist.
    check_every : int
        Iterations between host checks of the loss (finiteness, progress display).
    seed : int, optional
        Seeds the RNG shim at the start of [`train`][xpnet.training.trainer.Trainer.train] (shuffling,
        dropout).
    validation_data : (x_val, t_val), optional
        Data held out from the training set (the book's section 6.5; see
        [`split_validation`][xpnet.training.split_validation]): its accuracy is logged each epoch as
        ``val_acc`` (``val_acc_list``), which [`EarlyStopping`][xpnet.training.EarlyStopping] monitors.
    """

    def __init__(self, network, x_train, t_train, x_test, t_test, epochs=20, mini_batch_size=100,
                 optimizer="SGD", optimizer_param=None, evaluate_sample_num_per_epoch=None,
                 verbose=True, *, sampling="epoch", eval_batch_size=None, callbacks=(),
                 check_every=100, seed=None, validation_data=None):
        if sampling not in ("epoch", "replacement"):
            raise ValueError(f"sampling must be 'epoch' or 'replacement', got {sampling!r}")
        counts = (("epochs", epochs), ("mini_batch_size", mini_batch_size), ("check_every", check_every))
        for name, value in counts:
            check_int(name, value)
        checks.check_network(network)
        evaluate_sample_num_per_epoch = checks.optional_count("evaluate_sample_num_per_epoch",
                                                              evaluate_sample_num_per_epoch)
        eval_batch_size = checks.optional_count("eval_batch_size", eval_batch_size)
        seed = checks.check_seed(seed)
        optimizer_param = checks.check_optimizer_param(optimizer, optimizer_param)
        callbacks = checks.check_callbacks(callbacks)
        pairs = [("train", x_train, t_train), ("test", x_test, t_test)]
        if isinstance(validation_data, (tuple, list)) and len(validation_data) == 2:
            pairs.append(("validation", *validation_data))
        checks.check_numbers(pairs)
        self.network = network
        with scheduled_sync("data arrival"):
            self.x_train, self.t_train = asarray(x_train), asarray(t_train)
            self.x_test, self.t_test = asarray(x_test), asarray(t_test)
            self.x_val = self.t_val = None
            splits = [("train", self.x_train, self.t_train), ("test", self.x_test, self.t_test)]
            if validation_data is not None:
                if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                    raise TypeError("validation_data must be a pair (x_val, t_val), "
                                    f"got {type(validation_data).__name__}")
                self.x_val, self.t_val = asarray(validation_data[0]), asarray(validation_data[1])
                splits.append(("validation", self.x_val, self.t_val))
            for split, x, t in splits:
                checks.check_split(split, x, t)
                if isinstance(network, Network):
                    network.check_labels(t, read=True)
            checks.same_sample_shape(splits)
        self.train_size = int(self.x_train.shape[0])
        self.epochs, self.batch_size = int(epochs), min(int(mini_batch_size), self.train_size)
        self.sampling, self.verbose = sampling, verbose
        self.evaluate_sample_num_per_epoch = evaluate_sample_num_per_epoch
        self.eval_batch_size = eval_batch_size or max(self.batch_size, 100)
        self.callbacks = list(callbacks)
        self.check_every, self.seed = int(check_every), seed
        if isinstance(optimizer, str):
            self.optimizer = get_optimizer(optimizer, **optimizer_param)
        else:
            if not hasattr(optimizer, "update"):
                raise TypeError(f"optimizer must be a name or have update(params, grads), got {optimizer!r}")
            self.optimizer = optimizer
        # A lone last sample joins the batch before it: a batch of one has no batch statistics
        # (BatchNormalization refuses to train on it), so 10 samples in 3s are batches of 3, 3, 4.
        full, rest = divmod(self.train_size, self.batch_size)
        self.iter_per_epoch = max(full + (rest > 1), 1)
        self.max_iter = self.epochs * self.iter_per_epoch
        self.current_iter, self.current_epoch = 0, 0
        self.train_loss_list: list[float] = []
        self.train_acc_list: list[float] = []
        self.test_acc_list: list[float] = []
        self.val_acc_list: list[float] = []
        self.history = {"train_loss": self.train_loss_list, "train_acc": self.train_acc_list,
                        "test_acc": self.test_acc_list, "epoch_seconds": []}
        if self.x_val is not None:
            self.history["val_acc"] = self.val_acc_list
        self.stop_training = False
        self._pending: list = []
        self._order = None
        self._safe, self._safe_iter = None, 0

    # -- state snapshots (non-finite recovery, early stopping) -----------------------------

    def _state_arrays(self) -> dict:
        return state_arrays(self.network)

    def snapshot(self, into: dict | None = None) -> dict:
        """Copies of the parameters and buffers, reusing ``into``'s arrays when given."""
        state = self._state_arrays()
        if into is None:
            return {k: array_namespace(v).asarray(v, copy=True) for k, v in state.items()}
        for k, v in state.items():
            into[k][...] = v
        return into

    def restore(self, snap: dict) -> None:
        """Copy a [`snapshot`][xpnet.training.trainer.Trainer.snapshot] back into the network's arrays, in
place."""
        for k, v in self._state_arrays().items():
            v[...] = snap[k]

    # -- one iteration ---------------------------------------------------------------------

    def _draw(self, size=None):
        """Fresh random indices: ``size`` drawn with replacement, or a permutation of the data.
        The hook [`DistributedTrainer`][xpnet.training.distributed.DistributedTrainer] overrides so that
        every rank uses rank 0's draw."""
        return permutation(self.train_size) if size is None else choice(self.train_size, size)

    def _batch_indices(self):
        if self.sampling == "replacement":
            return self._draw(self.batch_size)
        pos = self.current_iter % self.iter_per_epoch
        if pos == 0 or self._order is None:
            self._order = self._draw()
        last = pos == self.iter_per_epoch - 1
        return self._order[pos * self.batch_size:self.train_size if last else (pos + 1) * self.batch_size]

    def _gradient(self, idx):
        """(grads, loss) of the batch at device indices ``idx``; the hook that
        [`DistributedTrainer`][xpnet.training.distributed.DistributedTrainer] overrides to shard and
        allreduce."""
        xp = array_namespace(self.x_train)
        x_batch = xp.take(self.x_train, idx, axis=0)
        t_batch = xp.take(self.t_train, idx, axis=0)
        with trusted_labels():  # checked once, when the data arrived
            grads = self.network.gradient(x_batch, t_batch)
            loss = getattr(self.network, "last_loss", None)
            if loss is None:
                loss = self.network.loss(x_batch, t_batch, train_flg=False)
        return grads, xp.asarray(loss)  # NumPy's float64 reductions give np.float64, a Python float

    def train_step(self):
        """One mini-batch: gradient, update; the loss stays on the device until the next check."""
        grads, loss = self._gradient(self._batch_indices())
        self.optimizer.update(self.network.params, grads)
        self._pending.append(loss)
        self.current_iter += 1
        if len(self._pending) >= self.check_every:
            self._flush_losses()

    def _flush_losses(self) -> None:
        if not self._pending:
            return
        with scheduled_sync("loss check"):
            self._check_losses()

    def _check_losses(self) -> None:
        xp = array_namespace(self._pending[0])
        values = to_numpy(xp.stack([xp.reshape(v, ()) for v in self._pending])).astype(float)
        first_iter = self.current_iter - len(values)
        self._pending.clear()
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            self.train_loss_list.extend(values[: bad[0]].tolist())
            it = first_iter + int(bad[0]) + 1  # 1-based: iterations 1..iter_per_epoch are epoch 1
            epoch = (it - 1) // self.iter_per_epoch + 1
            restored = ("the initial parameters" if self._safe_iter == 0
                        else f"those after iteration {self._safe_iter}")
            if self._safe is not None:
                self.restore(self._safe)
            raise NonFiniteLossError(
                f"loss became {values[bad[0]]} at iteration {it} (epoch {epoch}); "
                f"training stopped and the parameters were restored to {restored}"
            )
        self.train_loss_list.extend(values.tolist())
        self._safe = self.snapshot(self._safe)
        self._safe_iter = self.current_iter

    # -- evaluation --------------------------------------------------------------------------

    def _accuracy(self, x, t) -> float:
        n = self.evaluate_sample_num_per_epoch
        if n is not None:
            x, t = x[:n, ...], t[:n, ...]  # explicit ellipsis: array-api-strict rejects x[:n] on 2-D
        with scheduled_sync("evaluation"):
            return float(self.network.accuracy(x, t, batch_size=self.eval_batch_size))

    # -- the loop ----------------------------------------------------------------------------

    def train(self) -> dict:
        """Run all epochs (or until a callback stops); returns `history`."""
        if self.seed is not None:
            seed(self.seed)
        self.stop_training = False
        self._safe, self._safe_iter = self.snapshot(), self.current_iter
        bar = self._progress_bar()
        for cb in self.callbacks:
            getattr(cb, "on_train_begin", _no_hook)(self)
        try:
            while self.current_epoch < self.epochs and not self.stop_training:
                start, n_before = time.perf_counter(), len(self.train_loss_list)
                for _ in range(self.iter_per_epoch):
                    self.train_step()
                    if bar is not None:
                        bar.update(1)
                        if self.current_iter % self.check_every == 0 and self.train_loss_list:
                            bar.set_postfix(loss=f"{self.train_loss_list[-1]:.4f}", refresh=False)
                self._flush_losses()
                self.current_epoch += 1
                self._end_epoch(start, n_before, bar)
        finally:
            if bar is not None:
                bar.close()
        for cb in self.callbacks:
            getattr(cb, "on_train_end", _no_hook)(self)
        return self.history

    def _end_epoch(self, start: float, n_before: int, bar) -> None:
        train_acc = self._accuracy(self.x_train, self.t_train)
        test_acc = self._accuracy(self.x_test, self.t_test)
        self.train_acc_list.append(train_acc)
        self.test_acc_list.append(test_acc)
        self.history["epoch_seconds"].append(time.perf_counter() - start)
        epoch_losses = self.train_loss_list[n_before:]
        logs = {"train_acc": train_acc, "test_acc": test_acc,
                "train_loss": float(np.mean(epoch_losses)) if epoch_losses else float("nan")}
        if self.x_val is not None:
            logs["val_acc"] = self._accuracy(self.x_val, self.t_val)
            self.val_acc_list.append(logs["val_acc"])
        if self.verbose:
            line = (f"=== epoch:{self.current_epoch}, train acc:{train_acc:.4f}, "
                    + (f"val acc:{logs['val_acc']:.4f}, " if "val_acc" in logs else "")
                    + f"test acc:{test_acc:.4f}, loss:{logs['train_loss']:.4f} ===")
            (bar.write if bar is not None else print)(line)
        for cb in self.callbacks:
            cb.on_epoch_end(self, self.current_epoch, logs)

    def _progress_bar(self):
        if not (self.verbose and sys.stderr.isatty()):
            return None
        from tqdm.auto import tqdm

        return tqdm(total=self.max_iter, initial=self.current_iter, unit="it", desc="train", leave=False)

    @property
    def final_test_accuracy(self) -> float:
        """Accuracy on the whole test set (the book prints it after training)."""
        with scheduled_sync("evaluation"):
            return float(self.network.accuracy(self.x_test, self.t_test, batch_size=self.eval_batch_size))
