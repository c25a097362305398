"""``xpnet evaluate``: the test-set accuracy of trained weights (the book's ``params.pkl`` or an
xpnet ``.npz``), on the 10,000 official MNIST test digits, embedded by default (no download)."""

from __future__ import annotations

import argparse
import sys

from ..backend import get_backend
from ..experiments import DATA_CHOICES
from ..experiments.evaluate import WEIGHT_MODELS, evaluate
from .options import positive_int

NAME = "evaluate"


def add_evaluate_parser(sub, backend_help: str) -> argparse.ArgumentParser:
    """Register ``xpnet evaluate`` on the subparsers ``sub``."""
    p = sub.add_parser(NAME, help="test-set accuracy of trained weights: the book's params.pkl / "
                       "deep_convnet_params.pkl, or an xpnet .npz",
                       description=(evaluate.__doc__ or "").split("\n\n")[0])
    p.add_argument("--model", choices=WEIGHT_MODELS, default="simple",
                   help="simple (SimpleConvNet, the book's ch07/params.pkl) or deep (DeepConvNet, "
                        "ch08/deep_convnet_params.pkl); default simple")
    p.add_argument("--weights", required=True, metavar="FILE",
                   help="the book's pickle (read by a restricted unpickler that admits only a dict of "
                        "NumPy arrays) or an xpnet .npz")
    p.add_argument("--backend", metavar="NAME", help=backend_help)
    p.add_argument("--data", choices=tuple(DATA_CHOICES), default="embedded",
                   help="embedded (the 10,000 official MNIST test digits xpnet ships, default), "
                        "mnist or auto (the full MNIST's test set: the same digits)")
    p.add_argument("--samples", type=positive_int, metavar="N", help="only the first N test digits")
    p.add_argument("--batch-size", type=positive_int, default=100, metavar="N",
                   help="evaluation batch size (default 100)")
    return p


def run_evaluate(args) -> int:
    """Run ``xpnet evaluate`` (the backend is already set); print the accuracy."""
    print(f"xpnet {NAME}: {args.model} with {args.weights}; backend {get_backend()}", file=sys.stderr)
    r = evaluate(model=args.model, weights=args.weights, data=args.data, samples=args.samples,
                 batch_size=args.batch_size)
    print(f"data: {r['data']['description']}", file=sys.stderr)
    print(f"{r['model']}: test accuracy {r['accuracy']:.4f} ({r['correct']:,} of {r['count']:,} digits, "
          f"{r['format']} weights)")
    return 0
