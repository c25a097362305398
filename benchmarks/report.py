"""``python -m benchmarks.report``: run the suites timed, print the table, write JSON and a chart.

Runs ``pytest benchmarks/test_train_step.py benchmarks/test_inference.py --benchmark-enable``
in a subprocess (so the malloc tuning and thread settings apply from process start), ``--repeat``
times, and writes to ``--out``:

- ``bench.json``: the machine (CPU, GPU, versions, BLAS, date), the load average around every
  run, every row with all its runs, the ratios, the targets, and the tuning on/off comparisons;
- ``bench.md``: the Markdown tables (also printed);
- ``bench.png``: the bar chart.

``--compare malloc blas threads`` also runs the xpnet rows with each of xpnet's CPU tunings
switched off (``XPNET_MALLOC_TUNING=0``, ``XPNET_BLAS_TUNING=0``, ``XPNET_NUM_THREADS=1``), one
at a time and alternating with the tuned runs, so both see the same machine (``--malloc-compare``
is ``--compare malloc``). ``--compare one-thread`` runs every row, PyTorch's too, with every
library on one thread (no step should be faster there than with its default threads);
``--compare busy`` runs every row while a process spins on one core (:mod:`benchmarks.busy`):
how much each library slows down when the machine is not its own. ``--threads N`` sets
``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` and ``XPNET_NUM_THREADS``
for the run (default: the libraries' own).
``--memory`` adds the peak RSS of training each network in a fresh process
(:mod:`benchmarks.memory_probe`). ``--from-json`` re-renders earlier ``--benchmark-json``
files without running the suites.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import busy, chart, flops, machine, opcount, summary
from .nets import NETS
from .timing import BUDGET_ENV

ROOT = Path(__file__).resolve().parent.parent
SUITES = ("benchmarks/test_train_step.py", "benchmarks/test_inference.py")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path("xpnet-out/bench"), help="output folder")
    p.add_argument("-k", dest="select", default="", help="pytest -k expression, e.g. 'mlp or simpleconvnet'")
    p.add_argument("--repeat", type=int, default=1, help="run the suites this many times (best median wins)")
    p.add_argument("--seconds", type=float, default=None, help=f"time budget per benchmark ({BUDGET_ENV})")
    p.add_argument("--threads", type=int, default=None, help="BLAS/OpenMP threads (default: libraries' own)")
    p.add_argument("--compare", nargs="+", choices=sorted(VARIANTS), default=[],
                   help="also run these passes: an xpnet tuning off, one-thread, busy")
    p.add_argument("--malloc-compare", action="store_true", help="the same as --compare malloc")
    p.add_argument("--memory", action="store_true",
                   help="also probe each train step's peak RSS in a fresh process per network")
    p.add_argument("--from-json", type=Path, nargs="+", help="render these --benchmark-json files only")
    p.add_argument("--dpi", type=int, default=80)
    return p


_ONE_THREAD = {var: "1" for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                     "XPNET_NUM_THREADS")}


@dataclass(frozen=True)
class Variant:
    """A pass of the suites beside the default one: its environment, whether only the xpnet rows
    run (a tuning of xpnet's own), whether one core is kept busy, and what the report calls it."""

    env: dict
    label: str
    xpnet_only: bool = True
    busy: bool = False


#: xpnet's CPU tunings switched off one at a time, and the two passes every library runs.
VARIANTS = {
    "malloc": Variant({"XPNET_MALLOC_TUNING": "0"}, "host malloc tuning (XPNET_MALLOC_TUNING)"),
    "blas": Variant({"XPNET_BLAS_TUNING": "0"}, "OpenBLAS idle-thread tuning (XPNET_BLAS_TUNING)"),
    "threads": Variant({"XPNET_NUM_THREADS": "1"},
                       "host threads for NumPy work (XPNET_NUM_THREADS=1 when off)"),
    "one-thread": Variant(_ONE_THREAD, "every library on one thread", xpnet_only=False),
    "busy": Variant({}, "one core busy", xpnet_only=False, busy=True),
}


#: The environment this command started with. xpnet's own tuning, once this process selects a
#: backend (counting the FLOPs does), writes OPENBLAS_THREAD_TIMEOUT into os.environ; the suites
#: must not inherit it, or "--compare blas" would compare the tuning with itself.
_START_ENV = dict(os.environ)


def _env(args, off: str | None = None) -> dict:
    env = dict(_START_ENV)
    if args.seconds is not None:
        env[BUDGET_ENV] = str(args.seconds)
    if args.threads is not None:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "XPNET_NUM_THREADS"):
            env[var] = str(args.threads)
    if off is not None:
        env.update(VARIANTS[off].env)
    return env


def run_suites(args, path: Path, *, off: str | None = None) -> dict:
    """One pytest run writing ``path`` (``off``: that tuning switched off); returns what the JSON
    should say about the run."""
    select = args.select
    variant = VARIANTS[off] if off is not None else None
    if variant is not None and variant.xpnet_only:
        select = f"xpnet and ({select})" if select else "xpnet"
    cmd = [sys.executable, "-m", "pytest", *SUITES, "--benchmark-enable", f"--benchmark-json={path}",
           "-q", "-p", "no:cacheprovider", "--benchmark-columns=median,rounds"]
    if select:
        cmd += ["-k", select]
    before = machine.load_average()
    with busy.busy_core() if variant is not None and variant.busy else contextlib.nullcontext() as spinner:
        done = subprocess.run(cmd, cwd=ROOT, env=_env(args, off), check=False)
    if done.returncode != 0:
        raise SystemExit(f"benchmark run failed ({done.returncode}): {' '.join(cmd)}")
    return {"json": str(path), "tuning_off": off, "load_before": before, "busy_core": spinner,
            "load_after": machine.load_average(), "command": cmd[1:]}


def render(rows, off_rows: dict, probes, meta: dict, out: Path, dpi: int) -> str:
    parts = [f"machine: {machine.one_line(meta['machine'])}; {meta['machine']['date']}", "",
             "## samples/s (higher is better) and ratio to native PyTorch on the same device", "",
             summary.markdown_table(rows), "", "## targets (train step)", "", summary.targets_table(rows),
             "", "## matrix-product work per train step and the ceiling it sets (benchmarks/flops.py)", "",
             summary.flops_table(rows, meta["flops"], meta["machine"]["sgemm_gflops"],
                                 meta.get("products_ms")),
             "", "Work and ceilings count im2col's products. NumPy's 3x3 and 5x5 convolutions with 64+ "
             "channels and filters (AlexNet-style w1's last four, DeepConvNet's last) go through "
             "Winograd F(4, r) instead (xpnet/backend/_winograd.py), which multiplies 3 to 5.5 times "
             "less at those sizes: there xpnet-numpy's rate and ratio can pass these ceilings.",
             "", "## peak memory during one train step, MiB "
             "(process RSS; NumPy arrays allocated by the step; GPU pool)", "", summary.memory_table(rows)]
    parts += ["", "## array operations per train step, gradient + Adam (what a GPU launches; "
              "benchmarks/opcount.py)", "", meta["ops_table"]]
    if probes:
        parts += ["", "## peak RSS of training above the post-import baseline, fresh process per cell, MiB",
                  "",
                  summary.probe_table(probes)]
    for name, variant_rows in off_rows.items():
        if name == "one-thread":
            parts += ["", "## every library on one thread against its default threads, samples/s", "",
                      summary.one_thread_table(rows, variant_rows)]
        elif name == "busy":
            parts += ["", "## one core busy (a spinning process) against a quiet machine, samples/s", "",
                      summary.busy_table(rows, variant_rows)]
        else:
            parts += ["", f"## {VARIANTS[name].label}: xpnet samples/s off vs on", "",
                      summary.tuning_table(rows, variant_rows)]
    text = "\n".join(parts) + "\n"
    (out / "bench.md").write_text(text, encoding="utf-8")
    cpu, gpu, threads = meta["machine"]["cpu"], meta["machine"]["gpu"], meta["threads"]
    vector = f" ({cpu['vector']})" if cpu.get("vector") else ""
    title = (f"{cpu['model']}{vector}, {cpu['logical_cpus']} CPUs" + (f", {gpu}" if gpu else "")
             + f", threads: {threads or 'library default'}")
    chart.draw(rows, out / "bench.png", title=f"{title} — {meta['machine']['date'][:10]}", dpi=dpi)
    payload = {**meta, "rows": rows, "targets": summary.targets(rows), "variant_rows": off_rows,
               "memory_probes": probes}
    (out / "bench.json").write_text(json.dumps(payload, indent=1), encoding="utf-8")
    return text


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    meta = {"machine": machine.describe(), "threads": args.threads, "runs": [],
            "flops": {spec.name: flops.step_flops(spec) for spec in NETS}}
    meta["machine"]["sgemm_gflops"] = round(flops.sgemm_gflops(), 1)
    if not args.from_json:  # this machine's rates: only beside runs made here
        meta["products_ms"] = {spec.name: round(flops.products_ms(flops.step_products(spec)["train"]), 2)
                               for spec in NETS}
    meta["ops"], meta["ops_table"] = opcount.ops_table(NETS)
    child_env = _env(args)
    meta["machine"]["env"] = {k: child_env.get(k) for k in machine.THREAD_ENV}  # what the suites saw
    compare = list(dict.fromkeys([*args.compare, *(["malloc"] if args.malloc_compare else [])]))
    on_paths, off_paths = [], {name: [] for name in compare}
    if args.from_json:
        on_paths = list(args.from_json)
    else:
        for rep in range(args.repeat):
            on_paths.append(args.out / f"run{rep}-tuned.json")
            meta["runs"].append(run_suites(args, on_paths[-1]))
            for name in compare:
                off_paths[name].append(args.out / f"run{rep}-{name}-off.json")
                meta["runs"].append(run_suites(args, off_paths[name][-1], off=name))
    rows = summary.load_rows(on_paths)
    off_rows = {name: summary.load_rows(paths) for name, paths in off_paths.items() if paths}
    probes = []
    if args.memory:
        from .memory_probe import probe_all
        from .runners import IMPLS

        probes = probe_all([s.name for s in NETS], [i.id for i in IMPLS], env=_env(args))
    text = render(rows, off_rows, probes, meta, args.out, args.dpi)
    loads = [r["load_before"] for r in meta["runs"]] + [r["load_after"] for r in meta["runs"]]
    print()
    print(text)
    print(f"machine: {machine.one_line(meta['machine'])}; load averages seen: {loads}")
    print(f"wrote {args.out / 'bench.json'}, {args.out / 'bench.md'}, {args.out / 'bench.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
