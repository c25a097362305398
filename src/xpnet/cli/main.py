"""``xpnet <study>``: run one of the book's studies, write ``<study>.png`` and ``<study>.json``.

Thin by design (DESIGN.md): parse arguments, call [`xpnet.experiments`][xpnet.experiments], draw with
[`xpnet.plotting`][xpnet.plotting], write files. Every user error is one ``xpnet: error: ...`` line on
stderr and a non-zero exit status (2 for bad arguments, 1 for a failed run), never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import sys
import tempfile
import warnings
from pathlib import Path

from .. import __version__
from ..backend import BackendUnavailableError, get_backend, set_backend
from ..datasets import DownloadError
from ..experiments import DATA_CHOICES, STUDIES
from ..io._atomic import regular_target, write_atomically
from ..training import NonFiniteLossError
from ..training.distributed import abort_on_error, init_distributed
from .book import NAME as BOOK
from .book import add_book_parser, run_book
from .evaluate import NAME as EVALUATE
from .evaluate import add_evaluate_parser, run_evaluate
from .options import add_study_options, check_combinations, dpi, non_negative_int
from .progress import Reporter
from .summary import summarize


class UsageError(Exception):
    """A bad command line (argparse's complaint, as one line)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print the usage block and exit
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="xpnet", description="Run the experiments of 'Deep Learning from Scratch' "
                     "(chapter 6 and the CNN chapters) on any array backend; each writes a PNG figure "
                     "and its numbers as JSON.")
    parser.add_argument("--version", action="version", version=f"xpnet {__version__}")
    common = _Parser(add_help=False)
    common.add_argument("--out", default="xpnet-out", metavar="DIR",
                        help="output directory (default ./xpnet-out)")
    common.add_argument("--backend", metavar="NAME",
                        help="numpy, cupy, torch or array_api_strict (overrides DL_BACKEND)")
    common.add_argument("--data", choices=tuple(DATA_CHOICES), default="auto",
                        help="auto (full MNIST if cached or downloadable, else the embedded 10,000 MNIST "
                             "test digits), mnist (full MNIST, download) or embedded (default auto)")
    common.add_argument("--seed", type=non_negative_int, metavar="N", help="random seed (default 0)")
    common.add_argument("--quick", action="store_true",
                        help="small settings that run in seconds (smoke test)")
    common.add_argument("--dpi", type=dpi, default=100, metavar="N",
                        help="figure resolution, 10 to 600 (default 100)")
    sub = parser.add_subparsers(dest="study", metavar="study", required=True, parser_class=_Parser)
    for name, study in STUDIES.items():
        # the summary, not the docstring: --help shows plain text, never reST markup
        p = sub.add_parser(name, parents=[common], help=study.summary,
                           description=f"{study.summary[0].upper()}{study.summary[1:]}.")
        add_study_options(p, study)
        if study.accepts("comm"):
            p.add_argument("--distributed", action="store_true",
                           help="data-parallel training, one process per rank: run under mpiexec -n K "
                                "(MPI; NCCL with --backend cupy, one rank per GPU); --batch-size is per rank")
    add_evaluate_parser(sub, "numpy, cupy, torch or array_api_strict (overrides DL_BACKEND)")
    add_book_parser(sub, "numpy, cupy, torch or array_api_strict (overrides DL_BACKEND)")
    return parser


def _writable_dir(text: str, names=()) -> Path:
    """``--out`` as a Path, created and probed with a temporary file; none of ``names`` in it
    may be a directory. All before any work, so a run never fails for want of a place to write."""
    if not text.strip():
        raise UsageError("--out is empty: give a directory (the default is ./xpnet-out)")
    out = Path(text)
    if out.exists() and not out.is_dir():
        raise UsageError(f"cannot write to --out {text!r}: it exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write to --out {text!r}: {exc.strerror or exc}") from None
    for name in names:
        try:
            regular_target(out / name, what="write")
        except OSError as exc:
            raise UsageError(str(exc)) from None
    return out


def _clean(value):
    """JSON-safe copy: non-finite floats become null (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def write_json(results: dict, path: Path) -> None:
    """Write ``results`` atomically (`xpnet.io._atomic.write_atomically`)."""
    text = json.dumps(_clean(results), allow_nan=False) + "\n"
    write_atomically(path, lambda f: f.write(text.encode("utf-8")), what="write")


def _settings(args, study, out: Path) -> dict:
    kwargs = dict(study.quick) if args.quick else {}
    for setting in study.defaults:
        value = getattr(args, setting, None)
        if value is not None:
            kwargs[setting] = value
    if study.accepts("data"):
        kwargs["data"] = args.data
    if args.seed is not None:
        kwargs["seed"] = args.seed
    for setting, filename in study.files.items():
        kwargs[setting] = out / filename
    return kwargs


def _check_batch_size(args, study) -> None:
    """A --batch-size larger than the training samples is refused before any work (the library
    clips a batch to the data, as the Trainer does; a command line asking for more says so).
    Checked where the sample count is a setting (--samples, the quick or the book's value); with
    all the data the count is known only once it is loaded, and the Trainer clips."""
    batch = getattr(args, "batch_size", None)
    if batch is None or not study.accepts("samples"):
        return
    samples = getattr(args, "samples", None) or (study.quick.get("samples") if args.quick else None) \
        or study.defaults.get("samples")
    if samples is None:
        return
    train = samples
    if study.accepts("val_ratio"):  # the search holds part of the samples out for validation
        ratio = getattr(args, "val_ratio", None) or study.defaults["val_ratio"]
        train = samples - int(samples * ratio)
    if batch > train:
        held = " (after the validation split)" if train != samples else ""
        raise UsageError(f"--batch-size {batch} is larger than the {train} training samples{held}; "
                         f"use at most {train}, or more --samples")


def run(args) -> int:
    if args.study not in (EVALUATE, BOOK):
        try:
            check_combinations({k: v for k, v in vars(args).items() if v is not None}, STUDIES[args.study])
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        _check_batch_size(args, STUDIES[args.study])
    if args.backend is not None:
        try:
            set_backend(args.backend)
        except (ValueError, BackendUnavailableError) as exc:
            raise UsageError(str(exc)) from None
    if args.study == EVALUATE:
        return run_evaluate(args)
    if args.study == BOOK:
        return run_book(args)
    study = STUDIES[args.study]
    if not getattr(args, "distributed", False):
        return _run(args, study)
    comm = _init_distributed()
    with abort_on_error(comm, prefix="xpnet: error: ", show_traceback=False):
        return _run(args, study, comm)


def _init_distributed():
    """This rank's communicator (``--distributed``); from here on a failing rank aborts the job."""
    try:
        return init_distributed(abort_on_exception=False)
    except ImportError as exc:
        raise UsageError(str(exc)) from None


def _run(args, study, comm=None) -> int:
    root = comm is None or comm.rank == 0  # in a distributed job only rank 0 prints and writes
    names = [f"{study.name}.json", f"{study.name}.png", *study.files.values()]
    try:  # before the output folder is made: a run that cannot draw leaves no empty folder behind
        from ..plotting import figure, save_figure
    except ImportError as exc:
        raise UsageError(f'figures need matplotlib ({exc}); install it with: pip install "xpnet[plot]"') \
            from None
    out = _writable_dir(args.out, names) if root else Path(args.out)
    ranks = f", {comm.size} ranks" if comm is not None else ""
    if root:
        print(f"xpnet {study.name}: {study.summary}; backend {get_backend()}{ranks}"
              f"{', quick settings' if args.quick else ''}", file=sys.stderr)
    reporter = Reporter(study.name) if root else None
    settings = _settings(args, study, out)
    if comm is not None:
        settings["comm"] = comm
    notices = _DataNotices()
    try:
        with notices:
            results = study.run(**settings, progress=reporter)
    finally:
        if reporter is not None:
            reporter.close()
    if not root:
        return 0
    if not notices.named_data:  # a fallback notice already said which data: once per run
        print(f"data: {results['data']['description']}", file=sys.stderr)
    for line in summarize(results):
        print(line)
    json_path, png_path = out / f"{study.name}.json", out / f"{study.name}.png"
    write_json(results, json_path)
    try:
        save_figure(figure(results), png_path, dpi=args.dpi)
    except Exception as exc:  # MemoryError included: the numbers are safe, say so in one line
        reason = " ".join(str(exc).split()) or type(exc).__name__
        print(f"xpnet: error: no figure written ({reason}); the numbers are in {json_path}", file=sys.stderr)
        return 1
    written = [png_path, json_path] + [out / f for f in study.files.values()]
    print(f"wrote {', '.join(str(p) for p in written)} ({results['seconds']:.1f}s)", file=sys.stderr)
    return 0


class _DataNotices(logging.StreamHandler):
    """While a study runs, prints what the ``xpnet.datasets`` loggers say (a download, at INFO; a
    fallback to the embedded digits, at WARNING, which names the data used) and remembers whether
    the data was named."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.named_data, self.logger, self.level = False, logging.getLogger("xpnet.datasets"), None

    def emit(self, record) -> None:
        self.named_data = self.named_data or record.levelno >= logging.WARNING
        super().emit(record)

    def __enter__(self):
        self.level = self.logger.level
        self.logger.setLevel(logging.INFO)
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        self.logger.removeHandler(self)
        self.logger.setLevel(self.level)


DATA_HINT = ("Or run with --data embedded (the 10,000 MNIST test digits shipped with xpnet), or "
             "--data auto to fall back to them when offline.")


def _error_text(exc: BaseException) -> str:
    """``xpnet: error: <first line>``; a download failure's detail lines follow, indented."""
    if isinstance(exc, DownloadError):
        lines = [line.strip() for line in exc.message.splitlines() if line.strip()] + [DATA_HINT]
        return "\n".join([f"xpnet: error: {lines[0]}", *(f"  {line}" for line in lines[1:])])
    return f"xpnet: error: {' '.join(str(exc).split()) or type(exc).__name__}"


#: NumPy's floating-point warnings ("overflow encountered in matmul"...): in a study they are the
#: first sign of a divergence that the Trainer's non-finite check then names, with the iteration
_FLOATING_POINT = r"(overflow|invalid value|divide by zero|underflow) encountered"


@contextlib.contextmanager
def one_line_warnings():
    """Warnings as one ``xpnet: warning: <message>`` line each (no source path and line), NumPy's
    floating-point warnings left to the non-finite check; restored on exit."""
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"xpnet: warning: {' '.join(str(message).split())}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.filterwarnings("ignore", message=_FLOATING_POINT, category=RuntimeWarning)
        warnings.showwarning = show
        yield


def main(argv=None) -> int:
    """Entry point of the ``xpnet`` console script; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if not argv:  # bare ``xpnet``: the usage line and the studies to choose from
        print(parser.format_usage().rstrip(), file=sys.stderr)
        print(f"xpnet: error: choose a study: {', '.join(STUDIES)} (xpnet --help says what each does)",
              file=sys.stderr)
        return 2
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(f"xpnet: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    try:
        with one_line_warnings():
            return run(args)
    except UsageError as exc:
        print(f"xpnet: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, OSError, ImportError, DownloadError, BackendUnavailableError,
            NonFiniteLossError) as exc:  # ImportError: an optional extra (dask for --scheduler) missing
        print(_error_text(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("xpnet: interrupted", file=sys.stderr)
        return 130
