"""Starting a rank of a distributed job, and ending the whole job when one rank fails.

A rank that raises must not leave the others blocked in a collective:
[`init_distributed`][xpnet.training._launch.init_distributed]
installs an exception hook, and `abort_on_error` wraps a block, that print the error with
the rank and call ``MPI_Abort``, so ``mpiexec`` ends the whole job with a non-zero status.
"""

from __future__ import annotations

import contextlib
import sys
import traceback

from ..backend import get_communicator, set_device

__all__ = ["abort_on_error", "init_distributed", "install_abort_hook"]


def init_distributed(kind: str = "auto", *, abort_on_exception: bool = True):
    """The communicator of this job (MPI on CPU backends, NCCL on GPU ones).

    On a GPU backend the process is bound to GPU ``local_rank % count`` (one rank per GPU) and
    new arrays are made there. With ``abort_on_exception``, an uncaught exception on any rank
    prints its traceback and aborts the whole job instead of leaving the others hanging.
    """
    comm = get_communicator(kind)
    device = getattr(comm, "device", None)
    if device is not None:
        set_device(f"cuda:{device}")
    if abort_on_exception:
        install_abort_hook(comm)
    return comm


def _report(comm, exc: BaseException, *, prefix: str = "", show_traceback: bool = True) -> None:
    where = f"rank {comm.rank} of {comm.size}"
    if show_traceback:
        lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
        sys.stderr.write("".join(f"[{where}] {line}" for line in "".join(lines).splitlines(True)))
    message = " ".join(str(exc).split()) or type(exc).__name__
    sys.stderr.write(f"{prefix}{where}: {type(exc).__name__}: {message}; aborting all ranks\n")
    sys.stderr.flush()
    sys.stdout.flush()


def install_abort_hook(comm) -> None:
    """``sys.excepthook`` that reports the error with its rank, then ``MPI_Abort``s the job."""
    def hook(exc_type, exc, tb):
        _report(comm, exc.with_traceback(tb))
        comm.abort(1)

    sys.excepthook = hook


@contextlib.contextmanager
def abort_on_error(comm, *, prefix: str = "", show_traceback: bool = True):
    """Run a block; on an exception (or Ctrl-C) report it with the rank and abort every rank."""
    try:
        yield comm
    except (Exception, KeyboardInterrupt) as exc:
        _report(comm, exc, prefix=prefix, show_traceback=show_traceback)
        comm.abort(1)
        raise  # only reached with a communicator whose abort returns (tests' fakes)
