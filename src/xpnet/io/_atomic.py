"""The one way xpnet writes a file: beside the real target, then renamed over it.

Every file xpnet writes (``.npz`` parameters and checkpoints, the book's ``.pkl``, figures, JSON
results) goes through `write_atomically`:

- the name is resolved first (``os.path.realpath``): a symbolic link keeps pointing where it
  pointed and its *target* gets the new content, as ``open(path, "w")`` would do, never the link
  replaced by a regular file while the target keeps the old data;
- an existing target that is not a regular file (a device such as ``/dev/full``, a FIFO, a
  socket, a directory) is refused with an OSError naming the path: renaming over it would
  replace the node itself, which running as root would otherwise do silently;
- the content is written to a hidden temporary file in the target's directory, flushed and
  fsynced, then ``os.replace``\\ d over the target (an existing target's permission bits are
  kept). A crash or an exception mid-write leaves the old file untouched and no temporary file
  behind (except after a hard kill, when a hidden ``.<name>.*.tmp`` may remain; it is never read).

`regular_target` is the first two steps alone, for writers that cannot rename (the
hyperparameter search appends one JSON line per trial to its results file).
"""

from __future__ import annotations

import errno
import os
import secrets
import stat

__all__ = ["regular_target", "write_atomically"]


def _os_error(kind, code, path, reason, what="save to", link=None) -> OSError:
    """``kind("cannot save to 'path': reason")`` with its ``errno`` kept; ``link``: the target
    ``path`` resolves to, when it differs."""
    via = f" (a link to {link!r})" if link else ""
    error = kind(f"cannot {what} {path!r}{via}: {reason}")
    error.errno = code
    return error


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def regular_target(path, *, what: str = "save to") -> str:
    """The file that writing ``path`` must change: links resolved, checked to be writable there.

    Returns the resolved path. Raises, naming ``path``: IsADirectoryError for a directory,
    OSError (``EINVAL``) for an existing target that is not a regular file, FileNotFoundError
    when the name is empty or the target's directory does not exist. Messages read
    ``cannot <what> '<path>': <reason>``.
    """
    path = os.fspath(path)
    if not path:
        raise _os_error(FileNotFoundError, errno.ENOENT, path, "the file name is empty", what)
    real = os.path.realpath(path)
    link = None if real == os.path.abspath(path) else real
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:  # a link loop, a component that is a file, no permission...
        raise _os_error(type(exc), exc.errno, path, exc.strerror or str(exc), what) from None
    if mode is not None and stat.S_ISDIR(mode):
        hint = f"; give a file name such as {os.path.join(path, 'params.npz')!r}" if what == "save to" else ""
        raise _os_error(IsADirectoryError, errno.EISDIR, path, "it is a directory" + hint, what, link)
    if mode is not None and not stat.S_ISREG(mode):
        raise _os_error(OSError, errno.EINVAL, path, f"it is {_kind(mode)}, not a regular file; "
                        "xpnet writes only regular files", what, link)
    folder = os.path.dirname(real)
    if not os.path.isdir(folder):
        raise _os_error(FileNotFoundError, errno.ENOENT, path, f"the directory {folder!r} does not exist",
                        what)
    return real


def write_atomically(path, write, *, to_path: bool = False, what: str = "save to") -> str:
    """Write a file at ``path`` (its link target, if a link) atomically; returns that real path.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write. Links are followed; an existing target must be a regular file.
    write : callable
        ``write(f)`` writes the whole content to ``f``, a binary file object open on the
        temporary file; with ``to_path=True``, ``write(tmp)`` gets the temporary file's path
        instead (a str, the file already created and empty) for writers that want a name.
    to_path : bool
        See ``write``.
    what : str
        The verb phrase of error messages, ``cannot <what> '<path>': <reason>``.

    Raises
    ------
    OSError (or a subclass)
        naming ``path``, never the temporary file, when the target cannot be written.
    """
    real = regular_target(path, what=what)
    shown = os.fspath(path)
    folder, base = os.path.split(real)
    tmp = os.path.join(folder, f".{base}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as f:
            if not to_path:
                write(f)
        if to_path:
            write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        _keep_mode(real, tmp)
        os.replace(tmp, real)
    except BaseException as exc:
        if os.path.lexists(tmp):
            os.remove(tmp)
        if isinstance(exc, OSError):  # name the user's path, not the temporary file
            raise _os_error(type(exc), exc.errno, shown, exc.strerror or str(exc), what) from None
        raise
    _fsync_dir(folder)
    return real


def _keep_mode(real: str, tmp: str) -> None:
    """Give ``tmp`` the permission bits of the file it replaces (if any)."""
    try:
        mode = stat.S_IMODE(os.stat(real).st_mode)
    except FileNotFoundError:
        return
    os.chmod(tmp, mode)


def _fsync_dir(folder: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
