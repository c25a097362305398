"""Command-line flags for the studies' settings: one table, so every study spells a setting alike.

A study gets the flag of each setting its function accepts; the help shows the study's own
default (the book's setting) and its ``--quick`` value.
"""

from __future__ import annotations

import argparse
import math

from ..training.executors import check_scheduler


def _number(text: str, kind: str, convert, ok):
    """``convert(text)`` if it parses and passes ``ok``, else an argparse error naming ``text``."""
    try:
        value = convert(text)
    except ValueError:
        value = None
    if value is None or not ok(value):
        raise argparse.ArgumentTypeError(f"must be {kind}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    return _number(text, "a positive integer", int, lambda v: v >= 1)


def non_negative_int(text: str) -> int:
    return _number(text, "a non-negative integer", int, lambda v: v >= 0)


def positive_float(text: str) -> float:
    return _number(text, "a positive finite number", float, lambda v: 0 < v < math.inf)


DPI_RANGE = (10, 600)
"""``--dpi`` bounds: 600 dpi is print quality; the largest figure is then about 50 megapixels."""


def dpi(text: str) -> int:
    low, high = DPI_RANGE
    return _number(text, f"an integer from {low} to {high}", int, lambda v: low <= v <= high)


def scheduler_name(text: str) -> str:
    try:
        return check_scheduler(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def name_list(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names:
        raise argparse.ArgumentTypeError(f"must be a comma-separated list of names, got {text!r}")
    return names


# setting -> (flag, type, metavar, help)
OPTIONS = {
    "iters": ("--iters", positive_int, "N", "iterations"),
    "epochs": ("--epochs", positive_int, "N", "epochs"),
    "samples": ("--samples", positive_int, "N", "training images (the first N)"),
    "eval_samples": ("--eval-samples", positive_int, "N",
                     "accuracy per epoch on the first N images of each set"),
    "batch_size": ("--batch-size", positive_int, "N", "mini-batch size"),
    "lr": ("--lr", positive_float, "LR", "learning rate"),
    "trials": ("--trials", positive_int, "N", "random-search trials"),
    "workers": ("--workers", positive_int, "N", "worker processes running trials in parallel"),
    "scheduler": ("--scheduler", scheduler_name, "WHERE",
                  "where trials run: pool (--workers processes here), "
                  "local (a Dask LocalCluster of --workers processes here) or a Dask scheduler's address, "
                  "tcp://HOST:8786"),
    "connect_timeout": ("--connect-timeout", positive_float, "SECONDS",
                        "seconds to wait for the Dask scheduler before giving up; more for a slow cluster"),
    "top": ("--top", positive_int, "N", "best trials drawn"),
    "scales": ("--scales", positive_int, "N", "weight scales, logspace(0, -4, N)"),
    "weight_decay": ("--weight-decay", positive_float, "LAMBDA", "weight decay strength"),
    "dropout": ("--dropout", positive_float, "RATIO", "dropout ratio"),
    "val_ratio": ("--val-ratio", positive_float, "R", "share of the samples held out for validation"),
    "optimizers": ("--optimizers", name_list, "A,B", "optimizers to compare, comma-separated"),
    "optimizer": ("--optimizer", str, "NAME", "optimizer"),
    "model": ("--model", str, "NAME", "model: simple, deep, alexnet or mlp"),
    "width": ("--width", positive_float, "W", "AlexNet width multiplier (with --model alexnet only)"),
    "nodes": ("--nodes", positive_int, "N", "units per layer"),
    "layers": ("--layers", positive_int, "N", "hidden layers"),
    "bins": ("--bins", positive_int, "N", "histogram bins"),
    "weights": ("--weights", str, "FILE", "trained weights: the book's params.pkl or an xpnet .npz"),
}
NONE_SHOWN = {"weights": "none: train one here"}  # what a None default means, where it is not "all"
STUDY_HELP = {("weight-init-activations", "samples"): "standard-normal input samples for the histograms "
                                                      "(as the book's 1000 x 100 random input)"}
"""Where a setting means something else in one study: (study, setting) -> help."""
NOT_FLAGS = {"data", "seed", "progress", "results_path", "checkpoint", "comm"}  # comm: --distributed


def _shown(value) -> str:
    if isinstance(value, (tuple, list)):
        return ",".join(map(str, value))
    return "all" if value is None else str(value)


def add_study_options(parser: argparse.ArgumentParser, study) -> None:
    """A flag per setting of ``study`` (defaults None: the study's own default applies)."""
    group = parser.add_argument_group(f"{study.name} settings (default: the book's; --quick: smaller)")
    for setting, default in study.defaults.items():
        if setting in NOT_FLAGS:
            continue
        if setting not in OPTIONS:
            raise RuntimeError(f"study {study.name!r} has setting {setting!r} with no flag in cli/options.py")
        flag, kind, metavar, text = OPTIONS[setting]
        text = STUDY_HELP.get((study.name, setting), text)
        shown = NONE_SHOWN.get(setting, "all") if default is None else _shown(default)
        quick = f", quick {_shown(study.quick[setting])}" if setting in study.quick else ""
        group.add_argument(flag, dest=setting, type=kind, metavar=metavar, default=None,
                           help=f"{text} (default {shown}{quick})")


def check_combinations(settings: dict, study) -> None:
    """Refuse settings that the study would silently ignore (ValueError naming them)."""
    if "connect_timeout" in settings and settings.get("scheduler", study.defaults.get("scheduler")) == "pool":
        raise ValueError("--connect-timeout applies to a Dask scheduler (--scheduler local or an address), "
                         "not to --scheduler pool")
    model = settings.get("model", study.defaults.get("model"))
    if "width" in settings and model != "alexnet":
        raise ValueError(f"--width applies to --model alexnet only, got --model {model}")
