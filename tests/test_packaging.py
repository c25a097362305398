"""``python -m build`` gives a wheel and an sdist that hold what a user and a packager need: the
licence texts, py.typed, the embedded data, one version, the declared extras; and an sdist with
the tests, their conftest, the docs and the examples, so that it builds the wheel and runs the
tests on its own. Built offline from a copy of the source tree (a few seconds)."""

from __future__ import annotations

import email
import importlib.util
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IGNORE = shutil.ignore_patterns(".git", "site", "build", "dist", "*.egg-info", "__pycache__", ".benchmarks",
                                "xpnet-out", ".venv", ".pytest_cache", "gpu-results")


def _setuptools_ok() -> bool:
    try:
        import setuptools
    except ImportError:
        return False
    return int(setuptools.__version__.split(".")[0]) >= 77


pytestmark = [
    pytest.mark.skipif(not (ROOT / "src" / "xpnet").is_dir(), reason="needs the source tree"),
    pytest.mark.skipif(importlib.util.find_spec("build") is None, reason="needs build (the test extra)"),
    pytest.mark.skipif(not _setuptools_ok(), reason="needs setuptools>=77 (PEP 639 licence metadata)"),
]


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    tree = tmp_path_factory.mktemp("tree") / "xpnet"
    shutil.copytree(ROOT, tree, ignore=IGNORE)
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(tree)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    wheels, sdists = sorted(out.glob("*.whl")), sorted(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out.iterdir())
    return wheels[0], sdists[0]


def _version() -> str:
    text = (ROOT / "src" / "xpnet" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def test_the_version_has_one_source():
    tomllib = pytest.importorskip("tomllib")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "xpnet.__version__"}


def test_wheel_holds_the_package_its_data_licences_and_metadata(dists):
    wheel, _ = dists
    version = _version()
    assert wheel.name == f"xpnet-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        info = f"xpnet-{version}.dist-info"
        meta = email.message_from_bytes(z.read(f"{info}/METADATA"))
    for required in ("xpnet/__init__.py", "xpnet/py.typed", "xpnet/data/mnist/t10k-images-idx3-ubyte.gz",
                     "xpnet/data/mnist/t10k-labels-idx1-ubyte.gz", "xpnet/data/mnist/README.md",
                     f"{info}/licenses/LICENSE", f"{info}/licenses/LICENSES/CC-BY-SA-3.0.txt"):
        assert required in names, required
    assert not any(n.startswith(("tests/", "benchmarks/", "docs/")) for n in names)
    assert meta["Version"] == version
    assert meta["License-Expression"] == "MIT AND CC-BY-SA-3.0"
    assert meta.get_all("License-File") == ["LICENSE", "LICENSES/CC-BY-SA-3.0.txt"]
    assert "Typing :: Typed" in meta.get_all("Classifier")
    assert any(u.startswith("Source, https://") for u in meta.get_all("Project-URL"))
    extras = set(meta.get_all("Provides-Extra"))
    assert {"cuda12", "cuda13", "cupy", "torch", "plot", "dask", "mpi", "mpich", "distributed",
            "safetensors", "test"} <= extras
    requires = meta.get_all("Requires-Dist")
    assert any(r.startswith("numpy>=") for r in requires)
    assert any(r.startswith("requests>=") for r in requires)
    assert 'mpich>=3.4.3; extra == "mpich"' in requires
    assert not any("mpich" in r and 'extra == "distributed"' in r for r in requires)


def test_sdist_holds_the_tests_docs_and_examples(dists):
    _, sdist = dists
    top = f"xpnet-{_version()}/"
    with tarfile.open(sdist) as t:
        names = {n[len(top):] for n in t.getnames() if n.startswith(top)}
    tracked = {p.relative_to(ROOT).as_posix() for d in ("tests", "benchmarks", "docs", "examples", "ci")
               for p in (ROOT / d).rglob("*") if p.is_file() and "__pycache__" not in p.parts
               and ".benchmarks" not in p.parts}
    missing = sorted(tracked - names)
    assert not missing, f"not in the sdist: {missing[:20]}"
    for required in ("pyproject.toml", "README.md", "LICENSE", "LICENSES/CC-BY-SA-3.0.txt", "mkdocs.yml",
                     "tests/conftest.py", "benchmarks/conftest.py", "src/xpnet/py.typed",
                     "src/xpnet/data/mnist/t10k-images-idx3-ubyte.gz"):
        assert required in names, required
