"""Run the book's own scripts, unchanged, on xpnet: ``xpnet book SCRIPT...`` or `run`.

A reader with a clone of the book's repository (oreilly-japan/deep-learning-from-scratch) runs
its chapter 6-8 scripts as they are; the book's ``common`` and ``dataset`` packages and the
chapters' model files are answered by xpnet (`MODULES`), never read.
See docs/book.md for the per-name table and which script runs on which backend.
"""

from .mapping import MODULES
from .runner import mapping_line, run, run_all
from .session import Session, load_mnist

__all__ = ["MODULES", "Session", "load_mnist", "mapping_line", "run", "run_all"]
