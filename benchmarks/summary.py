"""From pytest-benchmark JSON to the report's rows, ratios, targets and Markdown tables.

A row is one (network, kind, implementation). When the suites ran several times (``--repeat``),
each row keeps every run's median samples/s and reports the best of them: on a shared machine
the load only ever slows a run down, so the best median is the least disturbed one, and both
sides of a ratio get the same treatment.
"""

from __future__ import annotations

import json
from collections import defaultdict

from .nets import NETS
from .runners import IMPLS

#: (implementation, its peer on the same device)
RATIOS = (("xpnet-numpy", "torch"), ("xpnet-torch", "torch"), ("xpnet-cupy", "torch-cuda"),
          ("xpnet-torch-cuda", "torch-cuda"))

#: (network, implementation, peer, required ratio) for the train step, from the issue
TARGETS = (
    ("mlp", "xpnet-numpy", "torch", 2.0),
    ("simpleconvnet", "xpnet-numpy", "torch", 1.0),
    ("deepconvnet", "xpnet-numpy", "torch", 1.0),
    ("alexnet-w1", "xpnet-numpy", "torch", 1.0),
    ("alexnet-w0.25", "xpnet-numpy", "torch", 1.0),
    ("alexnet-w1", "xpnet-cupy", "torch-cuda", 1.0),
    ("alexnet-w0.25", "xpnet-cupy", "torch-cuda", 1.0),
    ("mlp", "xpnet-cupy", "torch-cuda", 2.0),
)
KINDS = ("train", "infer")


def load_rows(paths) -> list[dict]:
    """Rows from one or more ``--benchmark-json`` files (repeats of the same suites)."""
    runs = defaultdict(list)
    for path in paths:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        for bench in data["benchmarks"]:
            info = bench["extra_info"]
            if "samples_per_s" not in info:
                continue  # an untimed smoke run
            runs[(info["network"], info["kind"], info["impl"])].append(info)
    rows = []
    for (network, kind, impl), infos in runs.items():
        best = max(infos, key=lambda i: i["samples_per_s"])
        rows.append({**best, "samples_per_s_runs": [round(i["samples_per_s"], 1) for i in infos]})
    return rows


def index(rows) -> dict:
    return {(r["network"], r["kind"], r["impl"]): r for r in rows}


def ratio(rows_by_key: dict, network: str, kind: str, impl: str, peer: str):
    mine, theirs = rows_by_key.get((network, kind, impl)), rows_by_key.get((network, kind, peer))
    if mine is None or theirs is None:
        return None
    return mine["samples_per_s"] / theirs["samples_per_s"]


def present_impls(rows) -> list[str]:
    seen = {r["impl"] for r in rows}
    return [i.id for i in IMPLS if i.id in seen]


def _fmt(v, digits=0) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


def markdown_table(rows) -> str:
    """samples/s per network x implementation, then each xpnet/peer ratio on the same device."""
    by = index(rows)
    impls = present_impls(rows)
    ratios = [(a, b) for a, b in RATIOS if a in impls and b in impls]
    head = ["network", "step", *impls, *(f"{a} / {b}" for a, b in ratios)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for kind in KINDS:
        for spec in NETS:
            cells = [by.get((spec.name, kind, i)) for i in impls]
            if not any(cells):
                continue
            values = [_fmt(c and c["samples_per_s"]) for c in cells]
            rs = [ratio(by, spec.name, kind, a, b) for a, b in ratios]
            batch = next(c["batch"] for c in cells if c)
            lines.append("| " + " | ".join([f"{spec.name} (batch {batch})", kind, *values,
                                            *(_fmt(r, 2) + ("×" if r else "") for r in rs)]) + " |")
    return "\n".join(lines)


def memory_table(rows) -> str:
    """Peak host RSS of the process during one train step, MiB; in parentheses the peak of NumPy
    array memory allocated by the step (xpnet on NumPy) or the GPU pool's bytes."""
    by = index(rows)
    impls = present_impls(rows)
    lines = ["| network | " + " | ".join(impls) + " |", "|" + "---|" * (len(impls) + 1)]
    for spec in NETS:
        cells = []
        for i in impls:
            r = by.get((spec.name, "train", i))
            if r is None:
                cells.append("—")
                continue
            text = f"{r['peak_rss_bytes'] / 2**20:,.0f}"
            if r.get("array_peak_bytes"):
                text += f" (arrays {r['array_peak_bytes'] / 2**20:,.1f})"
            if r.get("gpu_pool_bytes"):
                text += f" (GPU {r['gpu_pool_bytes'] / 2**20:,.0f})"
            cells.append(text)
        if any(c != "—" for c in cells):
            lines.append(f"| {spec.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_ratios(rows_by_key: dict, network: str, kind: str, impl: str, peer: str) -> list[float]:
    """The ratio within each repeat (both sides timed in the same run), in run order."""
    mine, theirs = rows_by_key.get((network, kind, impl)), rows_by_key.get((network, kind, peer))
    if mine is None or theirs is None:
        return []
    return [a / b for a, b in zip(mine["samples_per_s_runs"], theirs["samples_per_s_runs"])]


def targets(rows) -> list[dict]:
    """Every train-step target of the issue with its measured ratio (None: not measured here)."""
    by = index(rows)
    out = []
    for network, impl, peer, required in TARGETS:
        r = ratio(by, network, "train", impl, peer)
        out.append({"network": network, "impl": impl, "peer": peer, "required": required, "measured": r,
                    "per_run": [round(x, 3) for x in run_ratios(by, network, "train", impl, peer)],
                    "met": None if r is None else r >= required})
    return out


def flops_table(rows, flops: dict, peak_gflops: float, shapes_ms: dict | None = None) -> str:
    """Matrix-product work per train step, the rate each implementation reached, and the
    ceilings on xpnet-numpy / torch that im2col + GEMM allows: at the BLAS's best (square) rate,
    and at the rates of the network's own product shapes (``shapes_ms``: the step's products
    timed alone, :func:`benchmarks.flops.products_ms`), where given."""
    by = index(rows)
    shapes_ms = shapes_ms or {}
    head = ("| network | GFLOP per train step | xpnet-numpy GFLOP/s | torch GFLOP/s | "
            f"GEMM-only time at {peak_gflops:,.0f} GFLOP/s | torch step | ceiling on xpnet-numpy / torch |")
    rule = "|---|---|---|---|---|---|---|"
    if shapes_ms:
        head += " GEMM-only time at its shapes' own rates | ceiling at those rates |"
        rule += "---|---|"
    lines = [head, rule]
    for spec in NETS:
        mine, peer = by.get((spec.name, "train", "xpnet-numpy")), by.get((spec.name, "train", "torch"))
        if spec.name not in flops or mine is None or peer is None:
            continue
        work = flops[spec.name]["train"]
        rate = [r["samples_per_s"] / r["batch"] * work / 1e9 for r in (mine, peer)]
        floor_ms = work / (peak_gflops * 1e9) * 1e3
        peer_ms = peer["batch"] / peer["samples_per_s"] * 1e3
        line = (f"| {spec.name} | {work / 1e9:.2f} | {rate[0]:,.0f} | {rate[1]:,.0f} | "
                f"{floor_ms:.1f} ms | {peer_ms:.1f} ms | {peer_ms / floor_ms:.2f}× |")
        if shapes_ms:
            own = shapes_ms.get(spec.name)
            line += " - | - |" if own is None else f" {own:.1f} ms | {peer_ms / own:.2f}× |"
        lines.append(line)
    return "\n".join(lines)


def targets_table(rows) -> str:
    lines = ["| train step | required | measured (best medians) | each repeat | met |",
             "|---|---|---|---|---|"]
    for t in targets(rows):
        met = "not measured" if t["met"] is None else ("yes" if t["met"] else "**no**")
        runs = ", ".join(f"{x:.2f}×" for x in t["per_run"]) or "—"
        lines.append(f"| {t['network']}: {t['impl']} / {t['peer']} | ≥ {t['required']:.1f}× | "
                     f"{_fmt(t['measured'], 2)}{'×' if t['measured'] else ''} | {runs} | {met} |")
    return "\n".join(lines)


def tuning_table(on_rows, off_rows) -> str:
    """samples/s of xpnet with one tuning on and off, and the speed-up."""
    on, off = index(on_rows), index(off_rows)
    lines = ["| network | step | impl | tuning off | tuning on | on / off |", "|---|---|---|---|---|---|"]
    for key in sorted(off, key=lambda k: ([s.name for s in NETS].index(k[0]), KINDS.index(k[1]), k[2])):
        if key in on:
            a, b = off[key]["samples_per_s"], on[key]["samples_per_s"]
            lines.append(f"| {key[0]} | {key[1]} | {key[2]} | {a:,.0f} | {b:,.0f} | {b / a:.2f}× |")
    return "\n".join(lines)


def probe_table(probes) -> str:
    """Peak RSS above the post-import baseline over three train steps, fresh process each, MiB."""
    impls = [i.id for i in IMPLS if any(p["impl"] == i.id and "skipped" not in p for p in probes)]
    by = {(p["network"], p["impl"]): p for p in probes if "skipped" not in p}
    lines = ["| network | " + " | ".join(impls) + " |", "|" + "---|" * (len(impls) + 1)]
    for spec in NETS:
        cells = []
        for i in impls:
            p = by.get((spec.name, i))
            text = "—" if p is None else f"{p['train_peak_over_baseline_bytes'] / 2**20:,.0f}"
            if p is not None and p.get("gpu_pool_bytes"):
                text += f" (GPU {p['gpu_pool_bytes'] / 2**20:,.0f})"
            cells.append(text)
        if any(c != "—" for c in cells):
            lines.append(f"| {spec.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _sorted_keys(keys):
    names = [s.name for s in NETS]
    impls = [i.id for i in IMPLS]
    return sorted(keys, key=lambda k: (names.index(k[0]), KINDS.index(k[1]), impls.index(k[2])))


def one_thread_table(rows, one_rows) -> str:
    """Every row with its library's default threads and on one thread. Issue 13: no xpnet step
    may be faster on one thread than with its default threads."""
    on, one = index(rows), index(one_rows)
    lines = ["| network | step | impl | one thread | default threads | default / one "
             "| xpnet: default ≥ one |",
             "|---|---|---|---|---|---|---|"]
    for key in _sorted_keys(k for k in one if k in on):
        a, b = one[key]["samples_per_s"], on[key]["samples_per_s"]
        met = ("yes" if b >= a else "**no**") if key[2].startswith("xpnet") else ""
        lines.append(f"| {key[0]} | {key[1]} | {key[2]} | {a:,.0f} | {b:,.0f} | {b / a:.2f}× | {met} |")
    return "\n".join(lines)


def busy_table(rows, busy_rows) -> str:
    """Each row quiet and with one core busy, the slowdown (quiet samples/s over busy), and the
    issue 13 check: xpnet slows down no more than PyTorch on the same device and network."""
    quiet, busy = index(rows), index(busy_rows)

    def slowdown(key):
        if key in quiet and key in busy:
            return quiet[key]["samples_per_s"] / busy[key]["samples_per_s"]
        return None

    lines = ["| network | step | impl | quiet | one core busy | slowdown | PyTorch's slowdown "
             "| xpnet: ≤ PyTorch's |",
             "|---|---|---|---|---|---|---|---|"]
    peer_of = dict(RATIOS)
    for key in _sorted_keys(k for k in busy if k in quiet):
        s = slowdown(key)
        peer = peer_of.get(key[2])
        p = slowdown((key[0], key[1], peer)) if peer else None
        met = "" if p is None else ("yes" if s <= p else "**no**")
        lines.append(f"| {key[0]} | {key[1]} | {key[2]} | {quiet[key]['samples_per_s']:,.0f} | "
                     f"{busy[key]['samples_per_s']:,.0f} | {s:.2f}× | {_fmt(p, 2)}{'×' if p else ''} "
                     f"| {met} |")
    return "\n".join(lines)
