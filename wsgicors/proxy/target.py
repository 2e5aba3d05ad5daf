"""The request target: one canonical path, so nothing downstream can read it otherwise.

A path with dot-segments is read differently by different servers: ``/api/../admin``
is ``/admin`` for most upstreams, ``/api/%2e%2e/admin`` for many, ``/api/..;/admin``
for Tomcat, ``/api/..%2Fadmin`` for one that decodes ``%2F`` first, ``/api/..\\admin``
for one that takes ``\\`` for ``/``. If the proxy routed and prefixed the path as
sent, any of them could leave ``--api-prefix`` or the upstream's path prefix. So the
proxy first puts the path in one canonical form (:func:`normalize`), routes by that
form, and forwards that form, which no server reads two ways:

1. ``\\`` is ``/`` (as browsers read http URLs), and runs of ``/`` are one (as nginx's
   ``merge_slashes``): ``//x`` and ``/a//../b`` cannot be read two ways;
2. percent-encoded unreserved characters are decoded (``%2e`` is ``.``, ``%7E`` is
   ``~``, RFC 3986 6.2.2.2), other percent-encodings are upper-cased and kept, a
   ``%`` that starts no encoding becomes ``%25``, and characters a path may not hold
   raw (``"<>[]^`{|}``) are percent-encoded;
3. dot-segments are removed (RFC 3986 5.2.4); one that climbs above ``/`` is refused;
4. encoded slashes (``%2F``, ``%5C``) are kept as they are, so an API whose
   identifiers hold them (GitLab's ``/projects/group%2Fname``) works; but a segment
   in which they sit beside a dot-segment (``..%2F``, ``%2e%2e%5C``), and a
   dot-segment with parameters or a NUL (``..;x``, ``..%3B``, ``..%00``), are
   refused: a server that decodes, strips or cuts them first would climb.

Refused targets (:class:`PathError`, answered 400 by :class:`~wsgicors.proxy.guard.Guard`)
also include control characters, spaces, ``#`` and raw non-ASCII bytes (a browser
percent-encodes them all). The query string is forwarded as sent.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, unquote_to_bytes

from ..logsafe import logsafe

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

#: environ key holding the canonical path (percent-encoded), set by the Guard.
PATH_KEY = "wsgicors.proxy.path"
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
#: RFC 3986 pchar without pct-encoded: what a canonical segment may hold raw.
_PCHAR = "!$&'()*+,;=:@-._~"
#: A percent-encoding, or a lone "%" (kept in the split to be escaped as %25).
_PERCENT = re.compile(r"(%[0-9A-Fa-f]{2}|%)")
#: Printable ASCII but "#": everything else must come percent-encoded.
_TARGET_CHARS = re.compile(r"[!-\"$-~]*")
#: Separators once decoded, and what starts parameters or ends a C string.
_SEPARATORS = re.compile(r"[/\\]")
_PARAMETERS = re.compile(r"[;\0]")
_DOTS = frozenset({".", ".."})
_MUST_ENCODE = ("holds a character a URL must percent-encode (a control character, a "
                "space, '#' or a non-ASCII byte)")


class PathError(ValueError):
    """A request target the proxy refuses to route or forward (its text: why)."""


def split_target(environ: WSGIEnvironment) -> tuple[str, str]:
    """The path and the query (``""`` or ``"?..."``) the client sent, as raw text.

    From ``REQUEST_URI`` (werkzeug, waitress) or ``RAW_URI`` (gunicorn); without
    them, ``PATH_INFO`` percent-encoded again (an encoded ``/`` is then lost).
    """
    raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if isinstance(raw, str) and raw.startswith("/"):
        path, sep, query = raw.partition("?")
        return path, sep + query
    path_info = (environ.get("PATH_INFO", "") or "/").encode("latin-1")
    query = environ.get("QUERY_STRING", "")
    return quote(path_info, safe="/" + _PCHAR), ("?" + query if query else "")


def normalize(path: str) -> str:
    """*path* (raw, as sent) in the canonical form described above; PathError when
    it climbs above ``/`` or would read as a dot-segment to a server that decodes."""
    if not _TARGET_CHARS.fullmatch(path):
        raise PathError(f"the path {_MUST_ENCODE}")
    if not path.startswith("/"):
        raise PathError("the path does not start with '/'")
    segments: list[str] = []
    raw_segments = path.replace("\\", "/").split("/")[1:]
    for index, raw in enumerate(raw_segments):
        segment = _canonical_segment(raw)
        last = index == len(raw_segments) - 1
        if segment == "..":
            if not segments:
                raise PathError("the path climbs above '/' with '..'")
            segments.pop()
        elif segment not in ("", "."):
            _refuse_hidden_dots(segment)
            segments.append(segment)
            continue
        if last:
            segments.append("")  # "/a/" "/a/." "/a/b/.." all end with a slash
    return "/" + "/".join(segments)


def _canonical_segment(raw: str) -> str:
    """One segment: unreserved characters decoded, other encodings upper case."""
    out = []
    for index, part in enumerate(_PERCENT.split(raw)):
        if index % 2 == 0:  # text between encodings
            out.append(quote(part, safe=_PCHAR))
        elif part == "%":
            out.append("%25")
        else:
            char = chr(int(part[1:], 16))
            out.append(char if char in _UNRESERVED else part.upper())
    return "".join(out)


def _refuse_hidden_dots(segment: str) -> None:
    """PathError when a server that decodes *segment* first (``%2F``, ``%5C`` then
    separators), strips ``;params`` or cuts at a NUL would find a dot-segment in it."""
    parts = _SEPARATORS.split(unquote(segment, "latin-1"))
    if any(_PARAMETERS.split(part, maxsplit=1)[0] in _DOTS for part in parts):
        raise PathError("a dot-segment hides behind an encoded slash, a ';' parameter "
                        f"or a NUL ({logsafe(segment, 60)})")


def canonical_target(environ: WSGIEnvironment) -> tuple[str, str]:
    """The canonical path and the query as sent; PathError when either is refused."""
    path, query = split_target(environ)
    if not _TARGET_CHARS.fullmatch(query):
        raise PathError(f"the query {_MUST_ENCODE}")
    return normalize(path), query


def request_path(environ: WSGIEnvironment) -> str:
    """The canonical path of this request (the Guard's, or computed); PathError."""
    path = environ.get(PATH_KEY)
    if isinstance(path, str):
        return path
    return normalize(split_target(environ)[0])


def path_info(path: str) -> str:
    """``PATH_INFO`` for canonical *path*: decoded bytes as latin-1 text (PEP 3333)."""
    return unquote_to_bytes(path).decode("latin-1")


def below(path: str, prefix: str) -> bool:
    """True when canonical *path* is *prefix* or below it (``/api`` and ``/api/x``,
    never ``/apiary``); *prefix* without a trailing slash."""
    return path == prefix or path.startswith(prefix + "/")
