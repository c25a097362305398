"""The layering holds: no import cycle anywhere in ``src/xpnet`` (imports inside functions
included), and no storage-layout word above the backend."""

from __future__ import annotations

import ast
import pathlib
import re

import xpnet

ROOT = pathlib.Path(xpnet.__file__).parent


def _modules() -> dict[str, pathlib.Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: pathlib.Path, modules) -> set[str]:
    """The xpnet modules ``name`` imports, at any depth of its body (``from pkg import sub`` is
    an edge to ``pkg.sub`` when that is a module, else to ``pkg``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    edges = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            edges.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("xpnet"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                edges.add(sub if sub in modules else target)
    return {e for e in edges if e in modules and e != name}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` as a list of modules, or None (depth-first search)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import(tmp_path):
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycle(graph) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    source = "def f():\n    from .b import g\n"
    (tmp_path / "a.py").write_text(source)
    assert _imports("xpnet.pkg.a", tmp_path / "a.py", {"xpnet.pkg.a", "xpnet.pkg.b"}) == {"xpnet.pkg.b"}


def test_no_import_cycle_in_xpnet():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert sum(len(v) for v in graph.values()) > 100  # the walk saw the imports
    assert "xpnet.backend._dispatch" in graph["xpnet.backend._flat"]
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


LAYOUT_WORDS = re.compile(r"\bjoint\b|\bgaps?\b|storage order|clear_gaps|flat_layout|bind_flat",
                          re.IGNORECASE)


def test_no_storage_layout_word_above_the_backend():
    """How parameters are packed is the backend's business (issue 21): layers, models, io,
    training and optimizers never see a joint matrix, a gap or a storage order."""
    hits = []
    for folder in ("layers", "models", "io", "training", "optimizers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if LAYOUT_WORDS.search(line):
                    hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not hits, "\n".join(hits)
