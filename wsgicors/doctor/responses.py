"""HTTP/1.1 responses as each browser reads them off the wire.

A header block is kept as received (:attr:`Response.raw`); :func:`seen_by` gives the
header list one browser makes of it. Both browsers take a line feed with or without
carriage return as a line end, strip optional whitespace around values and unfold
obs-fold continuation lines (RFC 9112 §5.2); they differ on the rest:

* **Chromium** (``HttpUtil::AssembleRawHeaders``, ``HeadersIterator``) splits lines
  on any run of CR and LF, joins a continuation with one space, drops NUL bytes,
  trims whitespace around the *name* too (``Name : value`` is accepted) and skips
  lines without a colon or whose name is not a token.
* **Firefox** (``nsHttpTransaction::ParseLineSegment``,
  ``nsHttpHeaderArray::ParseHeaderLine``) splits lines on LF only, keeps a
  continuation's own whitespace, and ignores a line whose name, as written, is not
  a token (``Name : value`` is dropped).

Both refuse a response with two different ``Content-Length`` (unless chunked, for
Chromium), ``Content-Disposition`` or ``Location`` values: a network error.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, replace

from ..http import TOKEN
from .vocabulary import Browser

Header = tuple[str, str]

_STATUS_LINE = re.compile(rb"[ \t\r\n]{0,4}HTTP/[0-9.]+[ \t]*([0-9]{0,3})", re.IGNORECASE)
_LWS = " \t"
_LINE = re.compile(r"([^\n]*?)(\r?\n|$)")
# Headers whose copies must agree, or the response is a network error (smuggling).
_SINGLETONS = ("content-length", "content-disposition", "location")
_NETWORK_ERRORS = {
    "content-length": "ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH",
    "content-disposition": "ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_DISPOSITION",
    "location": "ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION",
}
# What the WHATWG URL parser removes from a URL string before parsing it.
_URL_STRIP = "".join(chr(c) for c in range(0x21))
_URL_DROP = re.compile(r"[\t\n\r]")


@dataclass(frozen=True)
class Response:
    """An HTTP response as a browser received it.

    ``headers`` is the header list (for a response read off the network: as
    Chromium reads it; :func:`seen_by` gives each browser's own), ``url`` the URL
    that was fetched, ``body`` at most the first MiB of the body, ``raw`` the status
    line and header block exactly as received (None for an in-process response).
    """

    status: int
    headers: tuple[Header, ...] = ()
    url: str = ""
    body: bytes = b""
    raw: bytes | None = None

    def get_all(self, name: str) -> list[str]:
        """Every value of header *name* (any case), in order."""
        lname = name.lower()
        return [value for key, value in self.headers if key.lower() == lname]

    def get(self, name: str) -> str | None:
        """Header *name* combined the way browsers combine repeats (``", "``)."""
        values = self.get_all(name)
        return ", ".join(values) if values else None

    @property
    def location(self) -> str | None:
        """The Location header resolved against :attr:`url` (None when absent)."""
        values = self.get_all("location")
        return None if not values else resolve_url(self.url, values[0])

    @property
    def is_redirect(self) -> bool:
        """True for a redirect status with a Location (what browsers follow)."""
        return self.status in (301, 302, 303, 307, 308) and self.location is not None

    @property
    def lines(self) -> list[str]:
        """The header lines as received, for display, or ``Name: value`` lines.

        An obs-fold continuation stays on its header's line, after the line break
        that folded it (which a printer must escape).
        """
        if self.raw is None:
            return [f"{name}: {value}" for name, value in self.headers]
        lines: list[str] = []
        for match in _LINE.finditer(self.raw.decode("latin-1")):
            line, end = match[1], match[2]
            if len(lines) > 1 and line[:1] in (" ", "\t"):
                lines[-1] += end + line
            elif line:
                lines.append(line)
        return lines[1:]


def resolve_url(base: str, value: str) -> str:
    """*value* (a Location) resolved against *base*, cleaned as the URL parser does.

    An unparsable value comes back as it is; following it is then a network error.
    """
    cleaned = _URL_DROP.sub("", value.strip(_URL_STRIP))
    if urllib.parse.urlsplit(base).scheme in ("http", "https"):
        cleaned = cleaned.replace("\\", "/")
    try:
        return urllib.parse.urljoin(base, cleaned)
    except ValueError:
        return value


def response_from_head(head: bytes, url: str, body: bytes = b"") -> Response:
    """The response whose status line and header block are *head*.

    :raises ValueError: when *head* does not start with an HTTP status line.
    """
    return Response(status_of(head), read_head(head, "chrome"), url, body, head)


def status_of(head: bytes) -> int:
    """The status code of a header block (200 when the line has none, as Chromium).

    :raises ValueError: when *head* does not start with an HTTP status line.
    """
    match = _STATUS_LINE.match(head)
    if match is None:
        raise ValueError("not an HTTP response")
    return int(match[1] or 200)


def is_interim(head: bytes) -> bool:
    """True for a 1xx response other than 101: browsers skip it and read on."""
    try:
        status = status_of(head)
    except ValueError:
        return False
    return 100 <= status <= 199 and status != 101


def seen_by(response: Response, browser: Browser) -> Response:
    """*response* with the header list *browser* makes of its raw header block."""
    if response.raw is None:
        return response
    return replace(response, headers=read_head(response.raw, browser))


def read_head(head: bytes, browser: Browser) -> tuple[Header, ...]:
    """The header list *browser* reads from a status line and header block."""
    text = head.decode("latin-1")
    if browser != "chrome":  # WebKit reads header lines as Firefox does
        return _firefox_headers(text)
    return _chromium_headers(text)


def _chromium_headers(text: str) -> tuple[Header, ...]:
    text = text.replace("\0", "")
    segments = [s for s in re.split(r"[\r\n]+", text) if s][1:]
    lines: list[str] = []
    continuable = False
    for segment in segments:
        if continuable and segment[0] in _LWS:
            lines[-1] += " " + segment.lstrip(_LWS)
            continue
        lines.append(segment)
        name, colon, _value = segment.partition(":")
        continuable = bool(colon) and bool(name) and name[0] not in _LWS
    headers: list[Header] = []
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name or name[0] in _LWS:
            continue
        name = name.strip(_LWS)
        if TOKEN.fullmatch(name):
            headers.append((name, value.strip(_LWS)))
    return tuple(headers)


def _firefox_headers(text: str) -> tuple[Header, ...]:
    segments = [s.removesuffix("\r") for s in text.split("\n")][1:]
    lines: list[str] = []
    for segment in segments:
        if lines and segment[:1] in (" ", "\t"):
            lines[-1] += segment
        elif segment:
            lines.append(segment)
    headers: list[Header] = []
    for line in lines:
        name, colon, value = line.partition(":")
        if colon and TOKEN.fullmatch(name):
            headers.append((name, value.strip(_LWS)))
    return tuple(headers)


def network_error(response: Response, browser: Browser) -> str | None:
    """Why *browser* refuses *response* outright (a net error name), or None."""
    chunked = "chunked" in (response.get("transfer-encoding") or "").lower()
    for name in _SINGLETONS:
        if name == "content-length" and chunked and browser == "chrome":
            continue
        if len(set(response.get_all(name))) > 1:
            return _NETWORK_ERRORS[name]
    return None


@dataclass(frozen=True)
class Framing:
    """How a response body ends: ``length`` bytes, chunked, or at connection close."""

    length: int | None = None
    chunked: bool = False
    empty: bool = False

    def wants_more(self, data: bytes) -> bool:
        """True while more body bytes are expected after *data*."""
        if self.empty:
            return False
        if self.chunked:
            return re.search(rb"(^|\r?\n)0[ \t;]*[^\n]*\r?\n\r?\n", data) is None
        return self.length is None or len(data) < self.length

    def decode(self, data: bytes) -> bytes:
        """The body in *data*: chunked encoding removed, cut to its length."""
        if self.empty:
            return b""
        if not self.chunked:
            return data if self.length is None else data[: self.length]
        body = b""
        while True:
            size_line, sep, data = data.partition(b"\n")
            try:
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
            except ValueError:
                return body
            if not sep or size == 0:
                return body
            body += data[:size]
            data = data[size:].removeprefix(b"\r\n").removeprefix(b"\n")


def body_framing(head: bytes, method: str) -> Framing:
    """How the body after *head* ends, for a request with *method*."""
    status = status_of(head)
    headers = read_head(head, "chrome")
    if method.upper() == "HEAD" or status in (204, 304) or 100 <= status <= 199:
        return Framing(empty=True)
    encoding = ", ".join(v for k, v in headers if k.lower() == "transfer-encoding")
    if encoding.lower().rstrip(_LWS).endswith("chunked"):
        return Framing(chunked=True)
    lengths = [v for k, v in headers if k.lower() == "content-length"]
    if lengths and lengths[0].isdigit():
        return Framing(length=int(lengths[0]))
    return Framing()
