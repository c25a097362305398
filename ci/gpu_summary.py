"""ci/gpu.sh's last step: one results file and the README rows from what the GPU steps left.

    STEPS="name=exit:seconds ..." GPUS="$(nvidia-smi -L)" CUDA_MAJOR=12 python ci/gpu_summary.py OUT

Reads OUT/cupy.xml and OUT/torch-cuda.xml (pytest's JUnit files) and OUT/bench/bench.{json,md}
(python -m benchmarks.report); writes OUT/gpu-results.json and OUT/readme-rows.md (the first
table of bench.md: one row per network, step and implementation).
"""

from __future__ import annotations

import json
import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

JUNIT = {"cupy-tests": "cupy.xml", "torch-cuda-tests": "torch-cuda.xml"}


def parse_steps(text: str) -> dict:
    steps = {}
    for line in text.split():
        name, rest = line.split("=", 1)
        rc, secs = rest.split(":")
        steps[name] = {"exit": int(rc), "seconds": int(secs)}
    return steps


def first_table(markdown: str) -> list[str]:
    rows = []
    for line in markdown.splitlines():
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break
    return rows


def summarize(out: Path, steps: dict, gpus: list[str], cuda_major: str) -> dict:
    for name, xml in JUNIT.items():
        if (out / xml).exists() and name in steps:
            root = ET.parse(out / xml).getroot()
            suite = root if root.tag == "testsuite" else root.find("testsuite")
            steps[name].update({k: int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")})
    bench = out / "bench"
    report = json.loads((bench / "bench.json").read_text()) if (bench / "bench.json").exists() else None
    result = {"gpus": gpus, "cuda_major": cuda_major, "steps": steps, "benchmarks": report}
    (out / "gpu-results.json").write_text(json.dumps(result, indent=1))
    rows = first_table((bench / "bench.md").read_text()) if (bench / "bench.md").exists() else []
    (out / "readme-rows.md").write_text(f"<!-- ci/gpu.sh on {'; '.join(gpus)} -->\n" + "\n".join(rows) + "\n")
    return result


def main(argv: list[str]) -> int:
    out = Path(argv[1])
    summarize(out, parse_steps(os.environ.get("STEPS", "")), os.environ.get("GPUS", "").splitlines(),
              os.environ.get("CUDA_MAJOR", ""))
    print(f"ci/gpu.sh: wrote {out / 'gpu-results.json'} and {out / 'readme-rows.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
