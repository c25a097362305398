"""The book's side-by-side loop: several networks trained on the same mini-batches.

``optimizer_compare_mnist.py`` and ``weight_init_compare.py`` draw one batch per iteration and
step every network on it. Here the batch is drawn on the device (``choice``, with replacement,
as the book's ``np.random.choice``), each iteration's loss stays on the device, and the losses
come to the host in one transfer per network every ``check_every`` iterations.

Difference from the book: the logged loss is the loss of the forward pass that computed the
gradient (``network.last_loss``), i.e. just *before* the update, not a second forward pass
after it; this saves a third of the work and shifts the curve by one step.
"""

from __future__ import annotations

import warnings

from ..backend import array_namespace, choice, to_numpy
from ..training import Callback, DistributedTrainer, NonFiniteLossError, Trainer
from ._common import Progress, quiet


def _flush(pending: dict, losses: dict, xp) -> None:
    """Bring the pending losses to the host, one transfer per network.

    ``xp`` is the data's namespace: a loss may be a NumPy float64 *scalar* (NumPy's float64
    reductions return ``np.float64``, a subclass of Python ``float``), in which no namespace
    can be found, so each one goes through ``xp.asarray`` (free for a 0-d device array).
    """
    for name, values in pending.items():
        if values:
            host = to_numpy(xp.stack([xp.reshape(xp.asarray(v), ()) for v in values]))
            losses[name].extend(float(v) for v in host)
            values.clear()


def train_side_by_side(networks: dict, optimizers: dict, x, t, *, iters: int, batch_size: int,
                       progress: Progress = None, stage: str = "training", check_every: int = 100) -> dict:
    """Train each ``networks[name]`` with ``optimizers[name]`` on shared batches.

    Parameters
    ----------
    networks : dicts with the same keys
    optimizers : dicts with the same keys
    x : array, shape (N, D); t : array, shape (N,)
        Training data already on the device.

    Returns
    -------
    dict name -> list of float, the loss of every iteration (length ``iters``)
    """
    progress = progress or quiet
    xp = array_namespace(x)
    n = int(x.shape[0])
    losses = {name: [] for name in networks}
    pending = {name: [] for name in networks}
    progress(stage, 0, iters)
    for i in range(iters):
        idx = choice(n, batch_size)
        x_batch, t_batch = xp.take(x, idx, axis=0), xp.take(t, idx, axis=0)
        for name, network in networks.items():
            grads = network.gradient(x_batch, t_batch)
            optimizers[name].update(network.params, grads)
            pending[name].append(network.last_loss)
        if (i + 1) % check_every == 0 or i + 1 == iters:
            _flush(pending, losses, xp)
            progress(stage, i + 1, iters)
    return losses


class _ReportEpochs(Callback):
    def __init__(self, progress, stage: str, epochs: int) -> None:
        self.progress, self.stage, self.epochs = progress, stage, epochs

    def on_train_begin(self, trainer) -> None:
        self.progress(self.stage, 0, self.epochs)

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        self.progress(self.stage, epoch, self.epochs)


def fit(network, arrays, *, epochs: int, batch_size: int = 100, optimizer: str = "SGD", lr: float = 0.01,
        progress: Progress = None, stage: str = "training", sampling: str = "epoch",
        allow_divergence: bool = False, comm=None, **trainer_kw) -> dict:
    """Train with the [`Trainer`][xpnet.training.Trainer]; return its per-epoch curves as host lists.

    With ``allow_divergence`` (Batch Normalization's large weight scales, where the book's plain
    net overflows on purpose), overflow warnings are silenced and a NaN/inf loss ends training
    early instead of raising: the curves stop there and ``diverged`` says where.

    With ``comm`` (from [`init_distributed`][xpnet.training.init_distributed]) this process trains its rank of
    a data-parallel job ([`DistributedTrainer`][xpnet.training.DistributedTrainer], ``batch_size`` per rank).

    Returns
    -------
    dict with ``train_acc``, ``test_acc`` (one value per finished epoch), ``train_loss`` (per
    iteration) and ``diverged`` (None, or the Trainer's message)
    """
    x_train, t_train, x_test, t_test = arrays
    kind, extra = (Trainer, {}) if comm is None else (DistributedTrainer, {"comm": comm})
    trainer = kind(network, x_train, t_train, x_test, t_test, epochs=epochs, mini_batch_size=batch_size,
                   optimizer=optimizer, optimizer_param={"lr": lr}, verbose=False, sampling=sampling,
                   callbacks=[_ReportEpochs(progress or quiet, stage, epochs)], **extra, **trainer_kw)
    diverged = None
    if allow_divergence:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                trainer.train()
            except NonFiniteLossError as exc:
                diverged = str(exc)
    else:
        trainer.train()
    return {"train_acc": list(trainer.train_acc_list), "test_acc": list(trainer.test_acc_list),
            "train_loss": list(trainer.train_loss_list), "diverged": diverged}
