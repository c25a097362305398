"""Fetch dataset files into the cache through pooch: known hash, mirrors in order, fail fast.

- Cache directory: ``$XPNET_DATA`` if set, else the platform cache directory for "xpnet"
  (``platformdirs.user_cache_dir``); each dataset has its own subdirectory. A user without
  network access can drop the files there by hand: they are used when their hash matches.
- Every file has a known hash. pooch downloads into a temporary file *in the cache directory*,
  checks the hash, and only then renames it into place; on a hash mismatch, an HTTP error or an
  interrupted transfer (including Ctrl-C) the temporary file is deleted, so the cache never holds
  a partial or unverified file (``pooch.core.stream_download``, pooch 1.8/1.9; the tests check it).
- Mirrors are tried in order; the error after the last one says in a few words why each failed,
  and, when the cache holds a copy that fails the hash, says so (it is never silently replaced
  by a missing download). A failed download removes the directories it created.
- pooch's "Downloading data from ..." log lines are silenced; one line of xpnet's own reports a
  finished download.
- Network timeouts are a few seconds, so an offline machine fails fast instead of hanging.
- A tqdm progress bar is shown when stderr is a terminal.
"""

from __future__ import annotations

import logging
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeVar
from urllib.parse import urlsplit

import platformdirs
import pooch
import requests

TIMEOUT_S = 5.0
"""Seconds to wait for a connection, and between two received chunks."""

_CHUNK = 1 << 16
T = TypeVar("T")
logger = logging.getLogger(__name__)
"""Says what was downloaded, at INFO (the ``xpnet`` command shows it; a library caller configures
logging to see it)."""


class DownloadError(OSError):
    """No mirror delivered a file with the known hash (offline, moved, or corrupted).

    ``message`` says what failed and where to put the file by hand; ``hint`` (possibly empty) is
    the caller's advice on what else to do (a command line words it differently from the API).
    """

    def __init__(self, message: str, hint: str = ""):
        super().__init__(f"{message}\n{hint}" if hint else message)
        self.message, self.hint = message, hint


@dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset: its name, its known hash (pooch form) and the mirrors serving it.

    ``known_hash`` is ``"sha256:<hex>"`` (or ``"md5:<hex>"``); each mirror is a base URL to which
    ``name`` is appended.
    """

    name: str
    known_hash: str
    mirrors: tuple[str, ...]

    def urls(self) -> list[str]:
        return [m.rstrip("/") + "/" + self.name for m in self.mirrors]


def data_dir() -> Path:
    """The cache root: ``$XPNET_DATA``, else the platform user cache directory for xpnet."""
    root = os.environ.get("XPNET_DATA")
    return Path(root).expanduser() if root else Path(platformdirs.user_cache_dir("xpnet"))


def _show_progress() -> bool:
    stream = sys.stderr
    return bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())


def fetch(remote: RemoteFile, subdir: str, *, timeout: float = TIMEOUT_S) -> Path:
    """The path of ``remote`` in the cache, downloading it first if absent or not matching.

    pooch's own log lines are silenced; after a download, one line on stderr says what came from
    where. A failed download leaves no file and no directory it created.

    Raises
    ------
    DownloadError
        when no mirror gave a file with the known hash; the message says briefly why each mirror
        failed, what is wrong with a cached copy, and where to put the file by hand.
    """
    folder = data_dir() / subdir
    _check_cache_dir(folder)
    target = folder / remote.name
    existed, stale = target.is_file(), _stale(target, remote.known_hash)
    created = [d for d in (folder, *folder.parents) if not d.exists()]
    failures = []
    for url in remote.urls():
        downloader = pooch.HTTPDownloader(
            progressbar=_show_progress(), chunk_size=_CHUNK, timeout=timeout
        )
        try:
            with _quiet_pooch():
                path = pooch.retrieve(
                    url, known_hash=remote.known_hash, fname=remote.name, path=folder,
                    downloader=downloader,
                )
        except (requests.RequestException, ValueError, OSError) as exc:
            failures.append(f"  {url}: {_reason(exc)}")
            continue
        if stale or not existed:
            size = Path(path).stat().st_size
            logger.info("downloaded %s (%.1f MB) from %s into %s",
                        remote.name, size / 1e6, _host(url), folder)
        return Path(path)
    for d in created:  # deepest first; only what this call made, and only if still empty
        try:
            d.rmdir()
        except OSError:
            break
    if stale:
        first = f"could not download {remote.name}, and the copy in the cache fails its SHA-256 check:"
        fix = [f"{target} has SHA-256 {stale},", f"not the expected {_hex(remote.known_hash)}: it is "
               "damaged, or another file; delete it (the next run downloads it again) or replace it."]
    else:
        first = f"could not download {remote.name}:"
        fix = [f"To use it offline, put {remote.name} in {folder} (or point XPNET_DATA at a directory "
               "holding it)."]
    raise DownloadError("\n".join([first, *failures, *fix]))


def _check_cache_dir(folder: Path) -> None:
    """DownloadError naming the culprit when ``folder`` cannot be a directory (XPNET_DATA set to
    a regular file, or a file where a directory of the path should be): no download could land
    there, and "put the file in <folder>" would advise a path that cannot exist."""
    for part in (folder, *folder.parents):
        if part.exists():
            if part.is_dir():
                return
            setting = " (XPNET_DATA)" if os.environ.get("XPNET_DATA") else ""
            raise DownloadError(f"cannot use the data cache {folder}: {part}{setting} is a file, not a "
                                "directory; point XPNET_DATA at a directory (it is created if missing)")


def _stale(path: Path, known_hash: str) -> str | None:
    """The digest of a cached ``path`` that does not match ``known_hash``; None if absent or good."""
    if not path.is_file():
        return None
    alg = known_hash.split(":", 1)[0] if ":" in known_hash else "sha256"
    digest = pooch.file_hash(str(path), alg=alg)
    return None if digest == _hex(known_hash) else digest


def _hex(known_hash: str) -> str:
    return known_hash.split(":", 1)[-1].lower()


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


@contextmanager
def _quiet_pooch():
    """pooch logs 'Downloading data from ...' at INFO for every try: xpnet says it once itself."""
    log = pooch.get_logger()
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)


def _reason(exc: BaseException) -> str:
    """Why one mirror failed, in a few words (never a cut-off exception text)."""
    text = str(exc)
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, requests.Timeout):
        return "timed out (network too slow or unreachable)"
    if isinstance(exc, requests.ConnectionError):
        if "NameResolution" in text or "resolve" in text or "getaddrinfo" in text:
            return "connection failed: host name not found (offline?)"
        if "refused" in text.lower():
            return "connection failed: connection refused"
        return "connection failed (offline, or host unreachable)"
    if isinstance(exc, requests.RequestException):  # ChunkedEncodingError: a transfer cut short
        return f"transfer failed ({type(exc).__name__})"
    if isinstance(exc, ValueError) and "hash" in text.lower():
        return "hash mismatch (file rejected)"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{type(exc).__name__}: {_words(text, 80)}"


def _words(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " ..."


def fetch_parsed(remote: RemoteFile, subdir: str, parse: Callable[[Path], T], **kwargs) -> T:
    """``parse(path)`` of the fetched file; a file ``parse`` rejects is removed from the cache.

    ``parse`` signals a corrupt file with ValueError (naming the file); the cached copy is then
    deleted so that the next call downloads it again instead of failing forever.
    """
    path = fetch(remote, subdir, **kwargs)
    try:
        return parse(path)
    except ValueError as exc:
        path.unlink(missing_ok=True)
        raise ValueError(f"{exc} (the cached copy {path} was removed; the next call downloads it "
                         "again)") from exc
