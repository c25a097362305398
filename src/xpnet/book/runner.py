"""Run one of the book's scripts as ``python script.py`` would, on xpnet.

Per script: a fresh ``__main__`` namespace (`runpy.run_path`), the script's folder as the
working directory and first on ``sys.path``, ``sys.argv == [script]``; the book's ``common``,
``dataset`` and folder-local model modules answered by xpnet (`xpnet.book._imports`);
``plt.show()`` saving figures (`Session`). Everything is restored
afterwards: working directory, ``sys.path``, ``sys.argv``, ``sys.modules``, ``plt.show``.

The book's own BatchNorm gradient check trains on one sample, which xpnet's
[`BatchNormalization`][xpnet.layers.BatchNormalization] refuses; inside a run it warns instead
(`allow_single_value_batches`), because the script is the book's,
unchanged, and reproduces what the book's code does.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import sys
import traceback
import warnings
from pathlib import Path

from ..backend import get_backend
from ..layers.batchnorm import allow_single_value_batches
from ._imports import scoped_imports
from .mapping import MODULES
from .session import Session


def mapping_line() -> str:
    """One line naming every module the runner maps, and to what."""
    parts = []
    for module, names in MODULES.items():
        targets = sorted({t.split(":")[0] for k, t in names.items() if k != "np"})
        if targets:
            parts.append(f"{module} -> {', '.join(targets)}")
    return ("mapped the book's modules to xpnet (never reading the book's files): " + "; ".join(parts)
            + " (each also passes on np, NumPy, as the book's modules do)")


@contextlib.contextmanager
def _script_context(path: Path, session: Session):
    import matplotlib.pyplot as plt

    saved_cwd, saved_argv, saved_show = os.getcwd(), list(sys.argv), plt.show
    folder = str(path.parent)
    session.begin(path)
    with session, scoped_imports(folder), allow_single_value_batches():
        os.chdir(folder)
        sys.argv = [str(path)]
        plt.show = _show_for(session)
        plt.close("all")
        try:
            yield
        finally:
            plt.show = saved_show
            plt.close("all")
            sys.argv = saved_argv
            os.chdir(saved_cwd)


def _show_for(session: Session):
    def show(*args, **kwargs):
        """``plt.show()`` inside ``xpnet book``: save the open figures (Session.show)."""
        session.show()

    return show


def _check_script(path) -> Path:
    path = Path(os.fspath(path)).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no such script: {path}")
    return path


def run(path, *, out="xpnet-out/book", data: str = "auto", session: Session | None = None) -> dict:
    """Run the book script at ``path`` on xpnet; returns its globals. Exceptions propagate.

    Parameters
    ----------
    path : path of a ``.py`` file (e.g. ``deep-learning-from-scratch/ch06/optimizer_compare_mnist.py``)
    out : folder for its figures (``<script>-<n>.png``) and the files it writes
    data : ``"auto"``, ``"download"`` or ``"embedded"``: where ``load_mnist`` takes MNIST from
    session : share one `Session` (data choice, output folder) between several scripts
    """
    path = _check_script(path)
    if session is None:
        session = Session(out, data=data)
        session.say(mapping_line())
    with _script_context(path, session):
        return runpy.run_path(str(path), run_name="__main__")


def _where(exc: BaseException, path: Path) -> str:
    """``line N`` of the script where ``exc`` passed last, if it passed there."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
    return f" (line {frames[-1].lineno})" if frames else ""


@contextlib.contextmanager
def _one_line_warnings(session: Session):
    """Warnings as one ``xpnet book: warning: ...`` line each (the script's line when it is the
    source), instead of two lines naming xpnet's or NumPy's files."""
    saved = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        where = f" ({Path(filename).name} line {lineno})" if session.script == Path(filename) else ""
        session.say(f"warning{where}: {category.__name__}: {' '.join(str(message).split())}")

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = saved


def run_all(paths, *, out="xpnet-out/book", data: str = "auto", stream=None) -> int:
    """Run each script in turn (a failure does not stop the next); returns 0 if all succeeded,
    else 1. A failure is one line: the script, where, and why."""
    session = Session(out, data=data, stream=stream)
    session.say(mapping_line())
    session.say(f"backend {get_backend()}; figures and written files go to {session.out}")
    failed = []
    with _one_line_warnings(session):
        _run_each(paths, session, failed)
    if failed:
        session.say(f"{len(failed)} of {len(paths)} scripts failed: {', '.join(map(str, failed))}")
    return 1 if failed else 0


def _run_each(paths, session: Session, failed: list) -> None:
    for given in paths:
        try:
            path = _check_script(given)
        except OSError as exc:
            session.say(f"error: {exc}")
            failed.append(given)
            continue
        session.say(f"running {path}")
        try:
            run(path, session=session)
        except SystemExit as exc:
            if exc.code not in (None, 0):
                session.say(f"error: {path.name} exited with status {exc.code}")
                failed.append(given)
        except Exception as exc:  # one line, then the next script
            reason = " ".join(str(exc).split()) or "(no message)"
            session.say(f"error: {path.name}{_where(exc, path)}: {type(exc).__name__}: {reason}")
            failed.append(given)
