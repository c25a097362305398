"""Data-parallel training over MPI (NCCL on GPUs): one process per rank, one allreduce per step.

Run with ``mpiexec -n K python script.py`` (or ``mpiexec -n K xpnet train --distributed``).
Semantics, as in PyTorch DDP and Horovod:

- Every rank holds the whole dataset on its device and follows the same global batch order:
  rank 0's seeded permutation, broadcast once per epoch (with ``sampling='replacement'``, rank
  0's draw, broadcast every step). Each rank's RNG is seeded with ``seed + rank``, so dropout
  masks differ between ranks while rank 0 draws exactly what one process seeded with ``seed``
  draws.
  ``mini_batch_size`` is the batch *per rank* B; a global batch of K·B is cut into K
  contiguous, disjoint shards (an uneven last batch gives shards differing by one sample).
- After backward, each rank's mean gradient is weighted by its share of the global batch and
  all of them (and the loss) are flattened into one buffer: one allreduce-sum per step gives
  the mean gradient of the global batch, so K ranks with batch B compute what one process with
  batch K·B computes. Every rank then applies the same update to the same parameters.
- [`DistributedTrainer.train`][xpnet.training.distributed.DistributedTrainer.train] first broadcasts rank 0's
  parameters and buffers, so all ranks
  start identical whatever their own initialisation drew.
- BatchNorm running statistics stay per-rank while training and are averaged over the ranks
  before every evaluation and checkpoint (`average_buffers`). BatchNorm's *batch*
  statistics are those of the rank's shard, so only networks without BatchNorm (and without
  dropout, whose masks each rank draws itself) match one process exactly; a last batch that
  leaves a rank one sample stops BatchNorm with a ValueError (it cannot train on one).
- Evaluation is sharded too: each rank scores a slice, the counts are summed.
- Only rank 0 prints, shows progress and writes files
  ([`DistributedTrainer.save_checkpoint`][xpnet.training.distributed.DistributedTrainer.save_checkpoint]).
- A rank that raises must not leave the others blocked in a collective:
  [`init_distributed`][xpnet.training.distributed.init_distributed]
  installs an exception hook, and `abort_on_error` wraps a block, that print the error
  with the rank and call ``MPI_Abort``, so ``mpiexec`` ends the whole job with a non-zero status.

This module holds the trainer; starting and aborting ranks is `_launch`, the flat
collectives `_collectives` (both re-exported here). Everything is array-API code; the MPI
and NCCL adapters that touch buffers are behind the backend boundary (`xpnet.backend._comm`).
"""

from __future__ import annotations

import math

from .. import io as _io
from .._validation import check_int
from ..backend import array_namespace, choice, get_backend, get_communicator, scheduled_sync, to_numpy
from ._collectives import average_buffers, broadcast_state, flatten, shard_bounds, unflatten
from ._launch import abort_on_error, init_distributed, install_abort_hook
from .trainer import Trainer

__all__ = ["DistributedTrainer", "abort_on_error", "average_buffers", "broadcast_state", "install_abort_hook",
           "flatten", "init_distributed", "shard_bounds", "unflatten"]


class DistributedTrainer(Trainer):
    """[`Trainer`][xpnet.training.distributed.Trainer] for one rank of a data-parallel job; the same arguments
plus ``comm``.

    Parameters
    ----------
    mini_batch_size : int
        Samples per rank and step (B); the global batch is ``comm.size * B``, so an epoch has
        ``ceil(N / (K·B))`` steps. The learning rate is not rescaled.
    comm : communicator, optional
        From [`init_distributed`][xpnet.training.distributed.init_distributed] (default: one made here,
        without the abort hook).
    seed : int, optional
        Rank 0's (the others use ``seed + rank``); when None, rank 0 draws one from the RNG shim
        (so a job is reproducible after ``xpnet.seed(n)``) and sends it to the others.
    """

    def __init__(self, network, x_train, t_train, x_test, t_test, epochs=20, mini_batch_size=100,
                 optimizer="SGD", optimizer_param=None, evaluate_sample_num_per_epoch=None,
                 verbose=True, *, comm=None, seed=None, **kwargs):
        check_int("mini_batch_size", mini_batch_size)
        self.comm = get_communicator("auto") if comm is None else comm
        self.rank, self.world_size = self.comm.rank, self.comm.size
        if seed is None and self.rank == 0:  # from rank 0's RNG shim: reproducible after xpnet.seed(n)
            seed = int(to_numpy(choice(2**31 - 1, 1))[0])
        seed = self.comm.bcast_object(seed) + self.rank
        super().__init__(network, x_train, t_train, x_test, t_test, epochs, mini_batch_size * self.world_size,
                         optimizer, optimizer_param, evaluate_sample_num_per_epoch,
                         verbose and self.rank == 0, seed=seed, **kwargs)
        self.local_batch_size = int(mini_batch_size)

    @property
    def is_root(self) -> bool:
        return self.rank == 0

    def train(self) -> dict:
        """Broadcast rank 0's state, then train as [`Trainer.train`][xpnet.training.Trainer.train] does, on
every rank."""
        broadcast_state(self.network, self.comm)
        return super().train()

    def _draw(self, size=None):
        """Rank 0's draw on every rank (the ranks' RNG streams differ: seeds, dropout draws)."""
        return self.comm.bcast(super()._draw(size))

    def _gradient(self, idx):
        """This rank's shard of the global batch ``idx``, then one allreduce of the weighted
        gradients and loss: the global batch's mean gradient and loss on every rank."""
        params = self.network.params
        n = int(idx.shape[0])
        lo, hi = shard_bounds(n, self.rank, self.world_size)
        p0 = next(iter(params.values()))
        xp = array_namespace(p0)
        if hi > lo:
            grads, loss = super()._gradient(idx[lo:hi])
            loss = xp.reshape(xp.asarray(loss, dtype=p0.dtype), (1,))
            flat = flatten([grads[k] for k in params] + [loss], dtype=p0.dtype) * ((hi - lo) / n)
        else:  # fewer samples than ranks in the last batch: this rank adds nothing
            total = sum(math.prod(p.shape) for p in params.values()) + 1
            flat = xp.zeros((total,), dtype=p0.dtype, device=p0.device)
        flat = self.comm.allreduce_sum(flat)
        shapes = [tuple(p.shape) for p in params.values()]
        grads = dict(zip(params, unflatten(flat[:-1], shapes)))
        return grads, xp.reshape(xp.asarray(flat[-1:], copy=True), ())

    def sync_buffers(self) -> None:
        """Average the BatchNorm running statistics over the ranks (before evaluation, saving)."""
        average_buffers(self.network, self.comm)

    def _accuracy(self, x, t) -> float:
        n = self.evaluate_sample_num_per_epoch
        if n is not None:
            x, t = x[:min(n, int(x.shape[0])), ...], t[:min(n, int(t.shape[0])), ...]
        return self._global_accuracy(x, t)

    def _global_accuracy(self, x, t) -> float:
        """The accuracy on ``x`` of all ranks together: each scores its shard, the counts are summed
        (a scheduled transfer, as the Trainer's evaluation)."""
        n = int(x.shape[0])
        lo, hi = shard_bounds(n, self.rank, self.world_size)
        correct = 0
        with scheduled_sync("evaluation"):
            if hi > lo:
                acc = self.network.accuracy(x[lo:hi, ...], t[lo:hi, ...], batch_size=self.eval_batch_size)
                correct = round(float(acc) * (hi - lo))
            return self.comm.allreduce_scalar(correct) / n

    def _end_epoch(self, start: float, n_before: int, bar) -> None:
        self.sync_buffers()
        super()._end_epoch(start, n_before, bar)

    @property
    def final_test_accuracy(self) -> float:
        self.sync_buffers()
        return self._global_accuracy(self.x_test, self.t_test)

    def save_checkpoint(self, path, **meta) -> None:
        """Averaged buffers, then rank 0 writes parameters, buffers and optimizer state; all wait."""
        self.sync_buffers()
        if self.is_root:
            _io.save_checkpoint(path, self.network, self.optimizer, **meta)
        self.comm.barrier()

    def save_params(self, path) -> None:
        """Averaged buffers, then rank 0 writes parameters and buffers; all ranks wait for it."""
        self.sync_buffers()
        if self.is_root:
            _io.save_params(path, self.network)
        self.comm.barrier()

    def __repr__(self) -> str:
        return (f"DistributedTrainer(rank={self.rank}, size={self.world_size}, backend={get_backend()}, "
                f"batch={self.local_batch_size}x{self.world_size})")
