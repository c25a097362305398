"""The networks a book script imports from its own folder (``ch07/simple_convnet.py``,
``ch08/deep_convnet.py``): xpnet's, with the book's file-name defaults and file handling.

``save_params(file_name="params.pkl")`` writes the book's pickle format; inside ``xpnet book``
a relative name lands in the output folder, never in the book's. ``load_params`` reads a
``.pkl`` through xpnet's restricted unpickler ([`xpnet.io.load_book_params`][xpnet.io.load_book_params]: a
dict of
NumPy arrays and nothing else), an ``.npz`` as xpnet's checkpoint; inside ``xpnet book`` a
relative name is read from the output folder when the session wrote it there, else from the
script's folder (the book's shipped weights).
"""

from __future__ import annotations

import os

from .. import models
from ..io import load_book_params
from ..io._pickle_writer import is_book_pickle
from .session import current


class _BookFiles:
    def save_params(self, file_name="params.pkl"):
        session = current()
        path = session.output_path(file_name) if session else file_name
        super().save_params(path)
        if session:
            session.wrote(file_name, path)

    def load_params(self, file_name="params.pkl"):
        session = current()
        path = session.input_path(file_name) if session else file_name
        if is_book_pickle(os.fspath(path)):
            load_book_params(path, self)
        else:
            super().load_params(path)


class SimpleConvNet(_BookFiles, models.SimpleConvNet):
    __doc__ = models.SimpleConvNet.__doc__


class DeepConvNet(_BookFiles, models.DeepConvNet):
    __doc__ = models.DeepConvNet.__doc__
