"""The ``xpnet`` command: one subcommand per study of [`xpnet.experiments`][xpnet.experiments]."""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
