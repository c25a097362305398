"""``mpiexec -n K python equivalence.py BACKEND[,BACKEND] TMPDIR [mpi|nccl]``: K ranks with batch B
against one process with batch K·B, in float64, for SGD and Adam, on an MLP and a small convnet.

Rank 0 prints one line ``RESULT {json}`` with, per backend and optimizer, the largest relative
difference of the parameters and losses from the single-process reference, between the ranks,
and from a control run with batch B (which must differ), plus the state checks of BatchNorm
averaging and rank-0-only checkpoints. The test in ``test_distributed.py`` asserts on it.
"""

import json
import sys

import numpy as np

import xpnet.io
from xpnet.backend import array_namespace, seed, set_backend, set_dtype, to_numpy, uniform, zeros
from xpnet.models import MultiLayerNet, MultiLayerNetExtend, SimpleConvNet
from xpnet.training import Trainer
from xpnet.training.distributed import DistributedTrainer, average_buffers, init_distributed

B, N, EPOCHS = 8, 51, 3  # global batch 16: three full batches and one of 3 (shards of 1 and 2)
CONV = {"filter_num": 4, "filter_size": 3, "pad": 1, "stride": 1}


def data(model="mlp"):
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(N, 64)), rng.integers(0, 5, N)
    if model == "conv":
        x = x.reshape(N, 1, 8, 8)
    return x, t, x[:17], t[:17]


def network(model, init_seed):
    seed(init_seed)
    if model == "conv":
        return SimpleConvNet((1, 8, 8), CONV, hidden_size=12, output_size=5, weight_decay_lambda=0.01)
    return MultiLayerNet(64, [16, 16], 5, weight_decay_lambda=0.01)


def host(net):
    return {k: to_numpy(v) for k, v in net.params.items()}


def rel(a: dict, b: dict) -> float:
    return max(float(np.max(np.abs(a[k] - b[k])) / np.max(np.abs(b[k]))) for k in b)


def run(comm, model, optimizer, lr):
    kw = dict(epochs=EPOCHS, optimizer=optimizer, optimizer_param={"lr": lr}, verbose=False, seed=7)
    # each rank initialises differently: the broadcast from rank 0 must make them identical
    dist = DistributedTrainer(network(model, 1 + 10 * comm.rank), *data(model), mini_batch_size=B, comm=comm,
                              **kw)
    dist.train()
    out = {"ranks_rel": 0.0}
    gathered = comm.comm.gather(host(dist.network), root=0)
    if comm.rank != 0:
        return None
    out["ranks_rel"] = max(rel(p, gathered[0]) for p in gathered)
    ref = Trainer(network(model, 1), *data(model), mini_batch_size=B * comm.size, **kw)
    ref.train()
    control = Trainer(network(model, 1), *data(model), mini_batch_size=B, **kw)
    control.train()
    out["steps"] = dist.current_iter
    out["params_rel"] = rel(host(dist.network), host(ref.network))
    out["loss_rel"] = float(np.max(np.abs(np.subtract(dist.train_loss_list, ref.train_loss_list))
                                   / np.abs(ref.train_loss_list)))
    out["test_acc_equal"] = dist.test_acc_list == ref.test_acc_list
    out["control_rel"] = rel(host(control.network), host(ref.network))
    return out


class Recorder:
    """Records the sample ids (labels) of its batches and, like dropout on uneven shards, uses a
    rank-dependent amount of randomness per step: the batch order must not drift apart."""

    def __init__(self, rank):
        self.params, self.rank, self.seen = {"w": zeros((2,))}, rank, []

    def gradient(self, x, t):
        uniform((self.rank + 1,))
        self.seen.append(to_numpy(t).tolist())
        self.last_loss = array_namespace(x).sum(x[:, 0]) * 0.0
        return {"w": zeros((2,))}

    def accuracy(self, x, t, batch_size=100):
        return 0.0


def sharding_checks(comm):
    """Per step the rank shards, in rank order, are the batch one process with seed 7 draws."""
    n = 21  # global batch 8: batches of 8, 8, 5 (shards 2 + 3)
    x, t = np.stack([np.arange(n), np.arange(n)], axis=1).astype(float), np.arange(n)
    out = {}
    for sampling in ("epoch", "replacement"):
        kw = dict(epochs=3, verbose=False, seed=7, sampling=sampling, optimizer="SGD")
        net = Recorder(comm.rank)
        DistributedTrainer(net, x, t, x, t, mini_batch_size=4, comm=comm, **kw).train()
        seen = comm.comm.gather(net.seen, root=0)
        if comm.rank == 0:
            ref = Recorder(0)
            Trainer(ref, x, t, x, t, mini_batch_size=4 * comm.size, **kw).train()
            steps = [sum(shards, []) for shards in zip(*seen)]
            epochs = [sorted(sum(steps[e * 3:e * 3 + 3], [])) for e in range(3)]
            out[sampling] = {"same_batches_as_one_process": steps == ref.seen, "steps": len(steps),
                             "epochs_are_permutations": all(e == list(range(n)) for e in epochs)}
    return out if comm.rank == 0 else None


def batchnorm_checks(comm, tmp):
    """Buffers averaged over ranks; only rank 0 writes the checkpoint."""
    seed(3)
    net = MultiLayerNetExtend(64, [8], 5, use_batchnorm=True)
    for v in net.buffers.values():
        v[...] = float(comm.rank + 1)
    average_buffers(net, comm)
    mean = (comm.size + 1) / 2
    averaged = all(bool(np.all(to_numpy(v) == mean)) for v in net.buffers.values())
    calls = []
    real = xpnet.io.save_checkpoint
    xpnet.io.save_checkpoint = lambda *a, **k: (calls.append(comm.rank), real(*a, **k))
    try:
        x, t, x_test, t_test = data()  # 48 samples: no shard of one, which BatchNorm cannot train on
        trainer = DistributedTrainer(net, x[:48], t[:48], x_test, t_test, epochs=1, mini_batch_size=B,
                                     comm=comm, verbose=False)
        trainer.train()
        trainer.save_checkpoint(f"{tmp}/ckpt.npz", epoch=1)
    finally:
        xpnet.io.save_checkpoint = real
    buffers = comm.comm.gather({k: to_numpy(v) for k, v in net.buffers.items()}, root=0)
    writers = comm.comm.gather(calls, root=0)
    if comm.rank == 0:
        same = all(np.array_equal(b[k], buffers[0][k]) for b in buffers for k in b)
        return {"averaged": averaged, "buffers_equal_after_training": same,
                "writers": sorted(sum(writers, []))}
    return None


def use(spec, gpu=0):
    """Make ``spec`` current: numpy, torch (CPU), cupy or torch-cuda (on GPU ``gpu``)."""
    backend, device = {"torch": ("torch", "cpu"), "torch-cuda": ("torch", f"cuda:{gpu}"),
                       "cupy": ("cupy", f"cuda:{gpu}")}.get(spec, (spec, None))
    set_backend(backend, device=device)
    if backend == "torch":
        import torch

        torch.set_num_threads(1)


def main(backends, tmp, kind="mpi"):
    use(backends[0])  # before the communicator, which picks NCCL or MPI by the backend
    comm = init_distributed(kind)
    set_dtype("float64")
    results = {"size": comm.size, "communicator": type(comm).__name__}
    for backend in backends:
        use(backend, getattr(comm, "device", 0))
        for model in ("mlp", "conv"):
            for optimizer, lr in (("SGD", 0.1), ("Adam", 0.01)):
                results[f"{backend}/{model}/{optimizer}"] = run(comm, model, optimizer, lr)
        results[f"{backend}/batchnorm"] = batchnorm_checks(comm, tmp)
        results[f"{backend}/sharding"] = sharding_checks(comm)
    if comm.rank == 0:
        print("RESULT " + json.dumps(results), flush=True)


if __name__ == "__main__":
    main(sys.argv[1].split(","), sys.argv[2], *sys.argv[3:])
