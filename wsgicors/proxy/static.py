"""Same-origin mode: the front end's files from one directory, the API upstream.

Only regular files whose *real* path (every symbolic link resolved) is inside the
directory are served: a link to a file or directory inside it works (``assets ->
build/assets``), one that leads out (``up -> ..``, ``secret -> /etc/passwd``) is a 404,
checked on every request so a rebuilt directory is followed. Paths arrive canonical
(:mod:`~wsgicors.proxy.target`: no dot-segments, no empty segments); a path with an
encoded separator (``%2F``, ``%5C``) or an encoded NUL names no file and is a 404 too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING

from .. import ConfigError, Problem
from .forward import plain_answer
from .target import PathError, below, path_info, request_path

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: What no canonical file path may hold: encoded separators and NUL.
_NOT_IN_FILE_PATHS = ("%2F", "%5C", "%00")


class StaticSite:
    """Files from *directory*; *api_prefix* and the paths below it to *forward*.

    ``/`` and other paths ending in ``/`` serve their ``index.html``. Files are served
    by werkzeug's SharedDataMiddleware (ETag, conditional requests) with
    :func:`real_file` as its loader.
    """

    def __init__(self, directory: str, api_prefix: str, forward: WSGIApplication) -> None:
        from werkzeug.middleware.shared_data import SharedDataMiddleware

        if not os.path.isdir(directory):
            raise ConfigError([Problem(
                "proxy-static", "static", f"{directory!r} is not a directory.",
                "give the directory of the front end's built files, e.g. dist.")])
        self.directory = directory
        self.api_prefix = api_prefix
        self.forward = forward
        # max-age=0 with an ETag: the browser revalidates, so a rebuild shows at once.
        self.files = SharedDataMiddleware(not_found, {}, cache_timeout=0)
        self.files.exports.append(("/", self.load))

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        try:
            path = request_path(environ)
        except PathError:
            return not_found(environ, start_response)
        if below(path, self.api_prefix):
            return self.forward(environ, start_response)
        if any(encoded in path for encoded in _NOT_IN_FILE_PATHS):
            return not_found(environ, start_response)
        if path.endswith("/"):
            path += "index.html"
        return self.files({**environ, "PATH_INFO": path_info(path)}, start_response)

    def load(self, name: str | None) -> tuple[str | None, Opener | None]:
        """SharedDataMiddleware's loader: *name* (the path without its leading ``/``)
        as ``(file name, opener)``, or ``(None, None)`` for a 404."""
        found = real_file(self.directory, name or "")
        if found is None:
            return None, None
        return os.path.basename(found), lambda: _open(found)


Opener = Callable[[], tuple[IO[bytes], datetime, int]]


def _open(path: str) -> tuple[IO[bytes], datetime, int]:
    """The file at *path*, its modification time and its size (what the loader's
    opener returns); the size and time are the open file's own."""
    file = open(path, "rb")  # noqa: SIM115 (SharedDataMiddleware closes it)
    stat = os.fstat(file.fileno())
    return file, datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc), stat.st_size


def real_file(directory: str, name: str) -> str | None:
    """The real path of the regular file *name* (``/``-separated) names inside
    *directory*, or None when it is missing, not a file, or resolves outside."""
    parts = name.split("/")
    if "\0" in name or "\\" in name or any(part in ("", ".", "..") for part in parts):
        return None  # never produced by canonical paths: refused whatever the caller
    root = os.path.realpath(directory)
    found = os.path.realpath(os.path.join(root, *parts))
    if os.path.commonpath([root, found]) != root or not os.path.isfile(found):
        return None
    return found


def not_found(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """404 with a short plain-text body."""
    return plain_answer(start_response, "404 Not Found", "not found")
