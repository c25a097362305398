"""Run as ``mpiexec -n 2 python fault.py hook|block``: rank 1 raises in its third backward while
rank 0 waits in the allreduce. The job must end non-zero with rank 1's message, not hang.

``hook``: the uncaught exception goes through the hook :func:`init_distributed` installs;
``block``: it leaves an :func:`abort_on_error` block.
"""

import sys

import numpy as np

from xpnet.backend import seed
from xpnet.models import MultiLayerNet
from xpnet.training.distributed import DistributedTrainer, abort_on_error, init_distributed


class FailingNet(MultiLayerNet):
    def __init__(self, rank):
        super().__init__(16, [8], 3)
        self.rank, self.calls = rank, 0

    def gradient(self, x, t):
        self.calls += 1
        if self.rank == 1 and self.calls == 3:
            raise ValueError("rank 1 failed on purpose in step 3")
        return super().gradient(x, t)


def train(comm):
    seed(0)
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(64, 16)), rng.integers(0, 3, 64)
    trainer = DistributedTrainer(FailingNet(comm.rank), x, t, x, t, epochs=1000, mini_batch_size=4,
                                 comm=comm, verbose=False, seed=0)
    trainer.train()


def main(mode):
    comm = init_distributed("mpi", abort_on_exception=mode == "hook")
    if mode == "hook":
        train(comm)
    else:
        with abort_on_error(comm, prefix="fault.py: error: ", show_traceback=False):
            train(comm)


if __name__ == "__main__":
    main(sys.argv[1])
