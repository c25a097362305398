"""Print pip constraints that pin each of xpnet's requirements to its floor (``name>=X`` -> ``name==X``).

    python ci/floors.py [EXTRA ...] > floors.txt

The core dependencies and those of the named extras (followed through ``xpnet[...]`` self
references), read from pyproject.toml, so that the floor run of ci/test.sh tests exactly the
floors the package declares. A requirement without a ``>=`` floor is an error.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

PROJECT = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
REQUIREMENT = re.compile(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([0-9][0-9A-Za-z.]*)$")


def requirements(extras: list[str]) -> list[str]:
    todo, seen, out = list(extras), set(), list(PROJECT["dependencies"])
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for req in PROJECT["optional-dependencies"][extra]:
            inner = re.fullmatch(r"xpnet\[([^\]]+)\]", req)
            if inner:
                todo += [e.strip() for e in inner.group(1).split(",")]
            else:
                out.append(req)
    return out


def main(extras: list[str]) -> int:
    pins = {}
    for req in requirements(extras):
        m = REQUIREMENT.match(req)
        if m is None:
            print(f"ci/floors.py: {req!r} has no '>=' floor", file=sys.stderr)
            return 2
        pins[m.group(1).lower()] = m.group(3)
        if m.group(1).lower() == "dask" and "distributed" in (m.group(2) or ""):
            pins["distributed"] = m.group(3)  # dask's extra pins it to dask's own version
    for name, floor in sorted(pins.items()):
        print(f"{name}=={floor}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
