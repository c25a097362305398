"""Data-parallel scaling: samples/s of the train step at 1, 2, ... MPI ranks (weak scaling).

    python -m benchmarks.mpi_scaling [--nets mlp,alexnet-w0.25] [--ranks 1,2] [--steps 20]
                                     [--threads 1] [--backend numpy|torch|cupy] [--json FILE]

Run from the repository root. For each network of :mod:`benchmarks.nets` and each rank count K
the driver launches ``mpiexec -n K python -m benchmarks.mpi_scaling --worker ...``. Every rank
keeps the network's batch B, so the global batch is K·B (weak scaling, as DDP is used) and the
ideal is K times the samples/s of one rank:

    efficiency(K) = samples/s(K) / (K · samples/s(1))

Timed: :meth:`DistributedTrainer.train_step` (forward and backward on the rank's shard, one
allreduce of the flat gradients, the update) after warm-up steps, between barriers, on synthetic
data already on the device; separately, the allreduce alone on a buffer of the same size. Each
rank runs ``--threads`` BLAS/torch threads (default 1, so K ranks use K cores and the comparison
is of ranks, not of threads). ``--backend cupy`` uses NCCL, one rank per GPU.

The machine's core count and load average are printed with the table: on a shared machine the
figures are only as good as the idle cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

RESULT = "RESULT "
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# -- one rank -------------------------------------------------------------------------------

def worker(args) -> None:
    from benchmarks.nets import BY_NAME
    from xpnet.backend import choice, normal, seed, set_backend, to_numpy, zeros
    from xpnet.training.distributed import DistributedTrainer, broadcast_state, flatten, init_distributed

    set_backend(args.backend, device="cpu" if args.backend == "torch" else None)
    if args.backend == "torch":
        import torch

        torch.set_num_threads(args.threads)
    comm = init_distributed()
    spec = BY_NAME[args.net]
    seed(0)
    n = spec.batch * comm.size * 2
    x, t = normal((n, *spec.input_shape)), choice(10, n)
    network = spec.build()
    trainer = DistributedTrainer(network, x, t, x[:1, ...], t[:1], epochs=10**6, mini_batch_size=spec.batch,
                                 optimizer="Adam", comm=comm, verbose=False, check_every=10**9, seed=0)
    broadcast_state(network, comm)
    for _ in range(args.warmup):
        trainer.train_step()
    trainer._flush_losses()  # waits for the device
    comm.barrier()
    start = time.perf_counter()
    for _ in range(args.steps):
        trainer.train_step()
    trainer._flush_losses()
    comm.barrier()
    seconds = time.perf_counter() - start

    flat = flatten(list(network.params.values()))
    buf = zeros(flat.shape, dtype=flat.dtype)
    comm.barrier()
    start = time.perf_counter()
    for _ in range(args.steps):
        comm.allreduce_sum(buf)
    float(to_numpy(buf[:1])[0])  # waits for the device
    comm.barrier()
    allreduce = (time.perf_counter() - start) / args.steps
    if comm.rank == 0:
        print(RESULT + json.dumps({
            "net": args.net, "ranks": comm.size, "batch_per_rank": spec.batch, "steps": args.steps,
            "step_ms": 1e3 * seconds / args.steps,
            "samples_per_s": spec.batch * comm.size * args.steps / seconds,
            "parameters": int(flat.shape[0]), "allreduce_ms": 1e3 * allreduce,
            "communicator": type(comm).__name__}), flush=True)


# -- the driver ---------------------------------------------------------------------------------

def launch(args, net: str, ranks: int) -> dict:
    mpiexec = shutil.which("mpiexec") or shutil.which("mpirun")
    if mpiexec is None:
        sys.exit('mpi_scaling: no mpiexec on PATH; pip install "xpnet[mpi,mpich]"')
    env = {**os.environ, **{v: str(args.threads) for v in THREAD_VARS}}
    cmd = [mpiexec, "-n", str(ranks), sys.executable, "-m", "benchmarks.mpi_scaling", "--worker",
           "--net", net,
           "--steps", str(args.steps), "--warmup", str(args.warmup), "--threads", str(args.threads),
           "--backend", args.backend]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=args.timeout)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT)]
    if proc.returncode != 0 or not lines:
        sys.exit(f"mpi_scaling: {' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return json.loads(lines[0][len(RESULT):])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nets", default="mlp,alexnet-w0.25",
                        help="comma-separated names from benchmarks.nets")
    parser.add_argument("--ranks", default="1,2", help="comma-separated rank counts (first is the baseline)")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="BLAS/torch threads per rank")
    parser.add_argument("--backend", default="numpy", help="numpy, torch (CPU) or cupy (NCCL)")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--net", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args)
        return
    ranks = [int(k) for k in args.ranks.split(",")]
    load_before = os.getloadavg()
    print(f"# {os.cpu_count()} cores; load average {load_before[0]:.2f} (1 min) before; "
          f"backend {args.backend}, {args.threads} thread(s) per rank, {args.steps} timed steps")
    print(f"{'net':<15}{'ranks':>6}{'batch':>12}{'step ms':>10}{'samples/s':>11}{'efficiency':>11}"
          f"{'allreduce ms':>14}")
    rows = []
    for net in args.nets.split(","):
        base = None
        for k in ranks:
            row = launch(args, net, k)
            base = base or row["samples_per_s"] / row["ranks"]
            row["efficiency"] = row["samples_per_s"] / (row["ranks"] * base)
            row["load_avg_1min"] = os.getloadavg()[0]
            rows.append(row)
            batch = f"{k}x{row['batch_per_rank']}"
            print(f"{net:<15}{k:>6}{batch:>12}{row['step_ms']:>10.1f}"
                  f"{row['samples_per_s']:>11.0f}{row['efficiency']:>10.0%} {row['allreduce_ms']:>13.2f}",
                  flush=True)
    print(f"# load average {os.getloadavg()[0]:.2f} (1 min) after")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"cores": os.cpu_count(), "load_avg_before": load_before[0], "rows": rows}, fh,
                      indent=1)


if __name__ == "__main__":
    main()
