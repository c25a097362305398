"""The import hook that answers the book's ``common.*``, ``dataset.*`` and model files with xpnet.

A finder placed first on ``sys.meta_path`` for the length of one script: it builds each mapped
module from `MODULES` (attributes are xpnet's own objects, so
``common.optimizer.SGD is xpnet.optimizers.SGD``), and refuses any other module of the book's
two packages with an ImportError that names it, before the book's file could be read.
`scoped_imports` puts ``sys.modules``, ``sys.meta_path`` and ``sys.path`` back afterwards.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import os
import sys
import types

from .mapping import MODULES, PACKAGES, is_mapped


class NoCounterpartError(ImportError):
    """A book module or name that xpnet does not provide."""


def _resolve(target: str):
    module, _, attribute = target.partition(":")
    module = importlib.import_module(module)
    return getattr(module, attribute) if attribute else module


class _BookModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if not is_mapped(fullname):
            return None
        if fullname not in MODULES:
            package = fullname.split(".", 1)[0]
            raise NoCounterpartError(
                f"xpnet has no counterpart of the book's module {fullname} (it maps "
                f"{', '.join(m for m in MODULES if m.startswith(package + '.'))})", name=fullname)
        return importlib.machinery.ModuleSpec(fullname, self, is_package=fullname in PACKAGES)

    def create_module(self, spec):
        return None  # the default module object

    def exec_module(self, module):
        names = MODULES[module.__name__]
        for name, target in names.items():
            setattr(module, name, _resolve(target))
        module.__all__ = list(names)
        module.__doc__ = f"The book's {module.__name__}, answered by xpnet (xpnet.book.mapping)."

        def __getattr__(name, _module=module.__name__):
            if name.startswith("__"):
                raise AttributeError(name)
            raise AttributeError(f"xpnet has no counterpart of the book's {_module}.{name}")

        module.__getattr__ = __getattr__


@contextlib.contextmanager
def scoped_imports(script_dir: str):
    """Serve the mapped modules and put the script's folder first on ``sys.path``; on exit,
    restore ``sys.path``, ``sys.meta_path`` and every ``sys.modules`` entry the run changed for
    mapped names or for modules loaded from the script's folder."""
    saved_path = list(sys.path)
    saved_meta = list(sys.meta_path)
    saved = {k: v for k, v in sys.modules.items() if is_mapped(k)}
    for k in saved:
        del sys.modules[k]
    before = set(sys.modules)
    finder = _BookModules()
    sys.meta_path.insert(0, finder)
    sys.path.insert(0, script_dir)
    try:
        yield finder
    finally:
        sys.path[:] = saved_path
        sys.meta_path[:] = saved_meta
        for k in set(sys.modules) - before:
            if is_mapped(k) or _loaded_from(sys.modules[k], script_dir):
                del sys.modules[k]
        sys.modules.update(saved)


def _loaded_from(module: types.ModuleType, script_dir: str) -> bool:
    """A module the script imported from its own folder (a file or a package directly in it)."""
    file = getattr(module, "__file__", None)
    if not file:
        return False
    folder = os.path.dirname(os.path.abspath(file))
    if os.path.basename(file) == "__init__.py":
        folder = os.path.dirname(folder)
    return folder == os.path.abspath(script_dir)
