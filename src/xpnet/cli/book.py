"""``xpnet book SCRIPT...``: the book's own scripts, unchanged, on xpnet (`xpnet.book`)."""

from __future__ import annotations

import argparse

from ..experiments import DATA_CHOICES
from .options import non_negative_int

NAME = "book"


def add_book_parser(sub, backend_help: str) -> argparse.ArgumentParser:
    """Register ``xpnet book`` on the subparsers ``sub``."""
    p = sub.add_parser(NAME, help="run scripts of the book's repository unchanged, on xpnet",
                       description="Run scripts of the book's repository (deep-learning-from-scratch, "
                       "chapters 6 to 8) unchanged: its common/ and dataset/ modules and the chapters' "
                       "model files are answered by xpnet; plt.show() saves <script>-<n>.png in --out.")
    p.add_argument("scripts", nargs="+", metavar="SCRIPT", help="the book's .py files, run in turn")
    p.add_argument("--out", default="xpnet-out/book", metavar="DIR",
                   help="folder for figures and the files scripts write (default ./xpnet-out/book)")
    p.add_argument("--backend", metavar="NAME", help=backend_help)
    p.add_argument("--data", choices=tuple(DATA_CHOICES), default="auto",
                   help="auto (full MNIST if cached or downloadable, else the embedded 10,000 MNIST test "
                        "digits), mnist (full MNIST, download) or embedded (default auto)")
    p.add_argument("--seed", type=non_negative_int, metavar="N",
                   help="seed NumPy's global generator (the scripts' own draws) and xpnet's "
                        "(default: unseeded, as the book)")
    return p


def run_book(args) -> int:
    """Run ``xpnet book`` (the backend is already set); 0 when every script succeeded."""
    import matplotlib

    matplotlib.use("Agg")  # never open a window; plt.show() saves instead

    from ..book import run_all

    if args.seed is not None:
        import numpy as np

        from ..backend import seed

        np.random.seed(args.seed)
        seed(args.seed)
    return run_all(args.scripts, out=args.out, data=DATA_CHOICES[args.data])
