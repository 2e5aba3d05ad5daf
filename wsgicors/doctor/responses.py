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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ..http import TOKEN
from .vocabulary import Browser

Header = tuple[str, str]

_STATUS_LINE = re.compile(rb"[ \t\r\n]{0,4}HTTP/[0-9.]+[ \t]*([0-9]{0,3})", re.IGNORECASE)
_LWS = " \t"
_ASCII_DIGITS = "0123456789"
_HEX_DIGITS = b"0123456789abcdefABCDEF"
_INT64_LIMIT = 1 << 63
#: Longest chunk-size or trailer line read in a chunked body (Chromium's limit).
MAX_CHUNK_LINE = 16 * 1024
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
        lines: list[list[str]] = []  # each line as its parts, joined once at the end
        fold = ""
        for received in self.raw.decode("latin-1").split("\n"):
            line = received.removesuffix("\r")
            if len(lines) > 1 and line[:1] in (" ", "\t"):
                lines[-1] += [fold, line]
            elif line:
                lines.append([line])
            fold = "\r\n" if received.endswith("\r") else "\n"
        return ["".join(parts) for parts in lines[1:]]


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


def line_count(head: bytes) -> int:
    """How many lines *head* has at most, for any browser: a line ends at a LF, a CRLF
    or a lone CR (Chromium splits on CR too)."""
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n")


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
    lines: list[list[str]] = []  # each line as its parts, joined once at the end
    continuable = False
    for segment in segments:
        if continuable and segment[0] in _LWS:
            lines[-1] += [" ", segment.lstrip(_LWS)]
            continue
        lines.append([segment])
        name, colon, _value = segment.partition(":")
        continuable = bool(colon) and bool(name) and name[0] not in _LWS
    headers: list[Header] = []
    for parts in lines:
        name, colon, value = "".join(parts).partition(":")
        if not colon or not name or name[0] in _LWS:
            continue
        name = name.strip(_LWS)
        if TOKEN.fullmatch(name):
            headers.append((name, value.strip(_LWS)))
    return tuple(headers)


def _firefox_headers(text: str) -> tuple[Header, ...]:
    segments = [s.removesuffix("\r") for s in text.split("\n")][1:]
    lines: list[list[str]] = []  # each line as its parts, joined once at the end
    for segment in segments:
        if lines and segment[:1] in (" ", "\t"):
            lines[-1].append(segment)
        elif segment:
            lines.append([segment])
    headers: list[Header] = []
    for parts in lines:
        name, colon, value = "".join(parts).partition(":")
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
        """True while more body bytes are expected after *data* (O(len(data)))."""
        reader = BodyReader(self, len(data) + 1)
        reader.feed(data)
        return not reader.done

    def decode(self, data: bytes) -> bytes:
        """The body in *data*: chunked encoding removed, cut to its length (O(len(data)))."""
        reader = BodyReader(self, len(data))
        reader.feed(data)
        return reader.body


class BodyReader:
    """A response body read as it arrives, in time linear in the bytes fed.

    Feed it the bytes after the header block as they come off the wire. It is
    :attr:`done` once the body is complete, once *limit* bytes were fed (the rest is
    never read), or at the first framing error; the body read so far then stands,
    since browsers judge CORS on the header block alone. Every byte is looked at
    once: no regex, no copy of what is left of the buffer per chunk, and a chunk-size
    or trailer line longer than :data:`MAX_CHUNK_LINE` is a framing error, as in
    Chromium (``ERR_INVALID_CHUNKED_ENCODING``).
    """

    def __init__(self, framing: Framing, limit: int) -> None:
        self.framing = framing
        self.limit = limit
        self.fed = 0
        self.done = framing.empty or framing.length == 0 or limit <= 0
        self._body = bytearray()
        self._line = bytearray()  # a chunk-size or trailer line still arriving
        self._step: Literal["size", "data", "data-end", "trailer"] = "size"
        self._left = 0  # bytes of the current chunk still to come

    @property
    def body(self) -> bytes:
        """The body bytes read so far (chunked encoding removed)."""
        return bytes(self._body)

    def feed(self, data: bytes) -> None:
        """Read the next bytes of the body (those past the end are ignored)."""
        if self.done:
            return
        data = data[: self.limit - self.fed]
        self.fed += len(data)
        if self.framing.chunked:
            self._chunks(data)
        else:
            self._body += data
            if self.framing.length is not None and len(self._body) >= self.framing.length:
                del self._body[self.framing.length:]
                self.done = True
        if self.fed >= self.limit:
            self.done = True

    def _chunks(self, data: bytes) -> None:
        at = 0
        while at < len(data) and not self.done:
            if self._step == "data":
                taken = data[at: at + self._left]
                self._body += taken
                self._left -= len(taken)
                at += len(taken)
                if not self._left:
                    self._step = "data-end"
                continue
            end = data.find(b"\n", at)
            if end < 0:  # the line goes on in the next bytes fed
                self._line += data[at:]
                self.done = len(self._line) > MAX_CHUNK_LINE  # too long: a framing error
                return
            line = data[at:end]
            if self._line:
                line = bytes(self._line + line)
                self._line.clear()
            at = end + 1
            if len(line) > MAX_CHUNK_LINE:
                self.done = True
            else:
                self._end_of_line(line.removesuffix(b"\r"))

    def _end_of_line(self, line: bytes) -> None:
        if self._step == "size":
            size = chunk_size(line)
            if size is None:
                self.done = True  # not a chunk size: a framing error
            elif size == 0:
                self._step = "trailer"
            else:
                self._step, self._left = "data", size
        elif self._step == "data-end":
            self._step = "size"
            self.done = line != b""  # chunk data must end with a line end
        elif not line:  # the empty line after the last chunk's trailer fields
            self.done = True


def chunk_size(line: bytes) -> int | None:
    """The size a chunk-size line gives, extensions ignored; None if it gives none.

    As in Chromium: hexadecimal digits only (no sign, ``0x`` or ``_``, which
    :func:`int` would take), trailing spaces allowed, a value that fits in 63 bits.
    """
    digits = line.partition(b";")[0].rstrip(b" \t")
    if not digits or digits.strip(_HEX_DIGITS):
        return None
    size = int(digits, 16)  # linear: the base is a power of two
    return size if size < _INT64_LIMIT else None


def content_length(values: Sequence[str]) -> int | None:
    """The body length the first Content-Length value gives, or None (read to the end).

    As in Chromium: ASCII digits only (``str.isdigit`` also takes ``²`` and other
    scripts' digits, which :func:`int` rejects or reads as numbers), a value that
    fits in 63 bits; leading zeros are dropped before :func:`int` sees the digits,
    whose conversion is quadratic in their number.
    """
    value = values[0].strip(_LWS) if values else ""
    if not value or value.strip(_ASCII_DIGITS):
        return None
    significant = value.lstrip("0") or "0"
    if len(significant) > len(str(_INT64_LIMIT)):
        return None
    length = int(significant)
    return length if length < _INT64_LIMIT else None


def body_framing(head: bytes, method: str) -> Framing:
    """How the body after *head* ends, for a request with *method*."""
    status = status_of(head)
    headers = read_head(head, "chrome")
    if method.upper() == "HEAD" or status in (204, 304) or 100 <= status <= 199:
        return Framing(empty=True)
    encoding = ", ".join(v for k, v in headers if k.lower() == "transfer-encoding")
    if encoding.lower().rstrip(_LWS).endswith("chunked"):
        return Framing(chunked=True)
    return Framing(length=content_length(
        [v for k, v in headers if k.lower() == "content-length"]))
