"""The API site renders what the code says: no raw Sphinx roles, and every parameter default it
shows equal to the signature's (the site takes them from griffe's reading of the numpydoc
docstrings, which this test repeats); the README's links work on the package page too."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
ROLE = re.compile(r":(?:py:)?(?:mod|func|class|meth|attr|data|obj|exc|const):`[^`]*`")

needs_source = pytest.mark.skipif(not (SRC / "xpnet").is_dir(), reason="needs the source tree (src/xpnet)")


def _source_files():
    return sorted((SRC / "xpnet").rglob("*.py"))


@needs_source
def test_no_sphinx_role_in_any_docstring_or_comment():
    found = []
    for path in _source_files():
        text = path.read_text(encoding="utf-8")
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.STRING, tokenize.COMMENT):
                found += [f"{path.relative_to(ROOT)}:{tok.start[0]}: {m}" for m in ROLE.findall(tok.string)]
    assert not found, "Sphinx roles render as raw text on the mkdocs site; use [`name`][xpnet.path] " \
                      "or plain `code`:\n" + "\n".join(found)


def _documented_parameters():
    """(object path, parameter name, default shown on the site, signature default)."""
    griffe = pytest.importorskip("griffe")
    package = griffe.load("xpnet", search_paths=[str(SRC)], docstring_parser="numpy",
                          resolve_aliases=False)
    out = []

    def visit(obj):
        for member in list(obj.members.values()):
            if member.is_alias:
                continue
            if member.is_module or member.is_class:
                check(member)
                visit(member)
            elif member.is_function:
                check(member)

    def check(obj):
        if not obj.docstring:
            return
        signature = obj if obj.is_function else obj.members.get("__init__")
        if signature is None or signature.is_alias or not signature.is_function:
            return
        params = {p.name: p for p in signature.parameters}
        for section in obj.docstring.parse("numpy"):
            if section.kind.value not in ("parameters", "other parameters"):
                continue
            for doc in section.value:
                if doc.name in params:
                    out.append((obj.path, doc.name, doc.default, params[doc.name].default))

    visit(package)
    return out


def _norm(value) -> str:
    return re.sub(r"\s+", "", str(value)).strip("'\"")


def _same(shown, actual) -> bool:
    return shown is None or _norm(shown) == _norm(actual)


@needs_source
def test_every_default_the_site_shows_is_the_signatures():
    rows = _documented_parameters()
    assert len(rows) > 100, f"only {len(rows)} documented parameters found: is the parser reading them?"
    wrong = [f"{path}({name}): site shows {shown!r}, signature has {actual!r}"
             for path, name, shown, actual in rows if not _same(shown, actual)]
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_a_wrong_default():
    assert not _same("0.9", "0.999") and _same("0.999", "0.999") and _same(None, "1")


@needs_source
@pytest.mark.skipif(not (ROOT / "mkdocs.yml").is_file(), reason="needs mkdocs.yml")
def test_built_site_has_no_raw_role_markup(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    raw = []
    for page in site.rglob("*.html"):
        text = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))
        raw += [f"{page.relative_to(site)}: {m}"
                for m in re.findall(r":(?:mod|func|class|meth|attr):\s*\S+", text)]
    assert not raw, "\n".join(raw[:30])


def test_readme_links_are_absolute_for_the_package_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)", readme) + re.findall(r'src="([^"]+)"', readme)
    relative = [u for u in links if not u.startswith(("http://", "https://", "#", "mailto:"))]
    assert not relative, f"relative links break on the package page: {relative}"
