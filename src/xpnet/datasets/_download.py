"""Fetch dataset files into the cache through pooch: known hash, mirrors in order, fail fast.

- Cache directory: ``$XPNET_DATA`` if set, else the platform cache directory for "xpnet"
  (``platformdirs.user_cache_dir``); each dataset has its own subdirectory. A user without
  network access can drop the files there by hand: they are used when their hash matches.
- Every file has a known hash. pooch downloads into a temporary file *in the cache directory*,
  checks the hash, and only then renames it into place; on a hash mismatch, an HTTP error or an
  interrupted transfer (including Ctrl-C) the temporary file is deleted, so the cache never holds
  a partial or unverified file (``pooch.core.stream_download``, pooch 1.8/1.9; the tests check it).
- Mirrors are tried in order; the error after the last one lists why each failed.
- Network timeouts are a few seconds, so an offline machine fails fast instead of hanging.
- A tqdm progress bar is shown when stderr is a terminal.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeVar

import platformdirs
import pooch
import requests

TIMEOUT_S = 5.0
"""Seconds to wait for a connection, and between two received chunks."""

_CHUNK = 1 << 16
T = TypeVar("T")


class DownloadError(OSError):
    """No mirror delivered a file with the known hash (offline, moved, or corrupted)."""


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

    Raises
    ------
    DownloadError
        when no mirror gave a file with the known hash; the message lists each mirror's failure
        and where to put the file by hand.
    """
    folder = data_dir() / subdir
    failures = []
    for url in remote.urls():
        downloader = pooch.HTTPDownloader(
            progressbar=_show_progress(), chunk_size=_CHUNK, timeout=timeout
        )
        try:
            path = pooch.retrieve(
                url, known_hash=remote.known_hash, fname=remote.name, path=folder,
                downloader=downloader,
            )
        except (requests.RequestException, ValueError, OSError) as exc:
            failures.append(f"  {url}: {_reason(exc)}")
            continue
        return Path(path)
    raise DownloadError(
        f"could not download {remote.name} ({remote.known_hash}):\n" + "\n".join(failures) +
        f"\nTo use it offline, put {remote.name} in {folder} (or point XPNET_DATA at a "
        "directory holding it)."
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, requests.Timeout):
        return "timed out (network too slow or unreachable)"
    if isinstance(exc, requests.ConnectionError):
        return f"connection failed (offline, or host unreachable): {str(exc)[:160]}"
    if isinstance(exc, ValueError) and "hash" in str(exc).lower():
        return "hash mismatch (file rejected)"
    return f"{type(exc).__name__}: {exc}"


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
        raise ValueError(f"{exc} (the cached copy {path} was removed; the next call downloads it again)") from exc
