"""What one ``xpnet book`` invocation shares between its scripts: where files go, which data.

A `Session` is active while a script runs (`current`); the book-facing objects
that write or read files or load data ask it:

- `load_mnist` (the book's ``dataset.mnist.load_mnist``) follows xpnet's data policy
  (``data="auto"``: full MNIST when cached or downloadable, else the 10,000 embedded digits),
  decides once per session and says once which data it is. Arrays are host NumPy, as the
  book's, so a script's own NumPy code (``x_train[batch_mask]``) works on any backend.
- `Session.output_path` sends a relative file name a script writes (``save_params``) to
  the output folder; `Session.input_path` reads it back from there if the session wrote
  it, else from the script's folder (the book's shipped ``params.pkl``).
- `Session.show` replaces ``plt.show()``: every open figure is saved as
  ``<script>-<n>.png`` in the output folder, its path printed, and closed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .. import datasets

_active: list = []


def current():
    """The session whose script is running, or None outside ``xpnet book``."""
    return _active[-1] if _active else None


class Session:
    """Settings and state of one ``xpnet book`` invocation.

    Parameters
    ----------
    out : path
        Folder for figures and files the scripts write (created on first use).
    data : {"auto", "download", "embedded"}
        ``load_mnist``'s source ([`xpnet.datasets.load_mnist`][xpnet.datasets.load_mnist]).
    dpi : int
        Resolution of the saved figures.
    stream : file
        Where the session's lines go (stderr by default; figure paths go to stdout).
    """

    def __init__(self, out="xpnet-out/book", *, data: str = "auto", dpi: int = 100, stream=None):
        sources = datasets.mnist.SOURCES
        if data not in sources:
            raise ValueError(f"unknown data source {data!r}: expected one of {', '.join(sources)}")
        self.out = Path(out).absolute()  # the caller's folder: scripts run in their own
        self.data = data
        self.dpi = dpi
        self.stream = stream
        self.script: Path | None = None
        self.figures = 0
        self.written: list[Path] = []
        self._data_said = False

    def say(self, text: str) -> None:
        print(f"xpnet book: {text}", file=self.stream or sys.stderr, flush=True)

    def __enter__(self):
        _active.append(self)
        return self

    def __exit__(self, *exc):
        _active.remove(self)

    def begin(self, script: Path) -> None:
        """Start counting figures for ``script``."""
        self.script = Path(script)
        self.figures = 0

    # -- files ---------------------------------------------------------------------------

    def _out(self) -> Path:
        self.out.mkdir(parents=True, exist_ok=True)
        return self.out

    def output_path(self, name) -> Path:
        """Where a file the script names ``name`` is written: relative names go to the output folder."""
        path = Path(os.fspath(name))
        if path.is_absolute():
            return path
        target = self._out() / path
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def input_path(self, name) -> Path:
        """Where a file the script names ``name`` is read: what the session wrote wins, then the
        script's folder (the working directory)."""
        path = Path(os.fspath(name))
        if not path.is_absolute() and (self.out / path).is_file():
            return self.out / path
        return path

    def wrote(self, name, path: Path) -> None:
        self.written.append(path)
        self.say(f"{self.script.name if self.script else 'script'} wrote {os.fspath(name)!s} "
                 f"to {path} (not into the book's folder)")

    # -- figures -------------------------------------------------------------------------

    def show(self, *args, **kwargs) -> None:
        """``plt.show()``: save every open figure as ``<script>-<n>.png``, print its path, close it."""
        import matplotlib.pyplot as plt

        from ..plotting import save_figure

        stem = self.script.stem if self.script else "figure"
        for number in plt.get_fignums():
            self.figures += 1
            path = save_figure(plt.figure(number), self._out() / f"{stem}-{self.figures}.png", dpi=self.dpi)
            self.written.append(path)
            print(path, flush=True)
        plt.close("all")

    # -- data ----------------------------------------------------------------------------

    def load_mnist(self, normalize=True, flatten=True, one_hot_label=False):
        asked = self.data
        data, used = datasets.load_mnist(normalize=normalize, flatten=flatten, one_hot_label=one_hot_label,
                                         source=asked, return_source=True)
        self.data = used.kind  # decided: later calls load the same data without asking again
        if not self._data_said:
            self._data_said = True
            if not (asked == "auto" and used.kind == "embedded"):  # that fallback's warning named it
                self.say(f"data: {used}")
        return data


def load_mnist(normalize=True, flatten=True, one_hot_label=False):
    """The book's ``load_mnist``: ``((x_train, t_train), (x_test, t_test))`` as host NumPy arrays.

    Inside ``xpnet book`` the session's data policy applies (see the module docstring);
    elsewhere it is ``xpnet.datasets.load_mnist(..., source="auto")``.
    """
    session = current()
    if session is None:
        return datasets.load_mnist(normalize=normalize, flatten=flatten, one_hot_label=one_hot_label,
                                   source="auto")
    return session.load_mnist(normalize, flatten, one_hot_label)
