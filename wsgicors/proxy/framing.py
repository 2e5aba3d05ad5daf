"""Message framing (RFC 9112 section 6): where a body ends, in both directions.

A proxy that copies ``Content-Length`` or ``Transfer-Encoding`` from one side to the
other lets the two sides disagree on where a message ends: a truncated page, or a
request the upstream reads differently from the proxy (request smuggling). So the
proxy never copies them. It decides the length of what it received with the rules
below, refuses what is ambiguous, and frames what it sends itself: the exact number
of bytes it forwards, or chunked when that is not known in advance.

Requests from the client (refused with 400 or 501, nothing forwarded):

* ``Content-Length`` and ``Transfer-Encoding`` together;
* a ``Content-Length`` that is not one number of ASCII digits (``-1``, ``+3``,
  ``0x10``, ``5, 6``, two different headers, more than 18 digits);
* a ``Transfer-Encoding`` other than ``chunked`` alone (chunked not last: 400;
  another coding before it: 501), or any in an HTTP/1.0 request (400);
* a chunked body that breaks the chunk syntax (:class:`ChunkedReader`).

Responses from the upstream: ``Transfer-Encoding: chunked`` wins over a
``Content-Length`` (which is dropped, RFC 9112 6.3 item 3); an invalid
``Content-Length`` or a transfer coding other than ``chunked`` is a 502.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from ..logsafe import logsafe

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer
    from _typeshed.wsgi import WSGIEnvironment

#: environ key holding the request's raw framing headers, set by the proxy's own
#: server (:mod:`wsgicors.proxy.serving`): werkzeug keeps only the last
#: ``Content-Length`` in ``CONTENT_LENGTH``, so duplicates are only visible here.
RAW_FRAMING_KEY = "wsgicors.proxy.framing"
#: At most 18 digits: every length below 10**18 bytes, and never a huge int() to parse.
_LENGTH = re.compile(r"[0-9]{1,18}")
_OWS = " \t"
#: 1*HEXDIG, at most 16 digits (2**64 bytes): int() never parses more.
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")


class FramingError(ValueError):
    """A message whose length cannot be told for sure; *status* is the answer."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def content_length(values: Iterable[str]) -> int | None:
    """The length that the ``Content-Length`` field values *values* give, None without
    any; ValueError unless they all say the same number of ASCII digits.

    Copies of one number (``5, 5``, or two headers of ``5``) are one length, as RFC
    9110 8.6 allows; ``-1``, ``+3``, ``٣``, ``5, 6`` or an empty value are errors.
    """
    lengths = {item.strip(_OWS) for value in values for item in value.split(",")}
    if not lengths:
        return None
    if len(lengths) > 1:
        raise ValueError(f"several different Content-Length values ({_shown(sorted(lengths))})")
    (length,) = lengths
    if not _LENGTH.fullmatch(length):
        raise ValueError(f"Content-Length {logsafe(length, 40)} is not a number of digits")
    return int(length)


def transfer_codings(values: Iterable[str]) -> list[str]:
    """The transfer codings that ``Transfer-Encoding`` values list, lower case, in
    order (empty list elements are ignored, as RFC 9110 5.6.1 says)."""
    return [item.strip(_OWS).lower() for value in values
            for item in value.split(",") if item.strip(_OWS)]


def request_length(environ: WSGIEnvironment) -> int | None:
    """The number of body bytes to read from the client, or None for a chunked body
    (read to its end); FramingError when the request's framing is ambiguous."""
    lengths, encodings = _request_framing(environ)
    codings = transfer_codings(encodings)
    if encodings:  # even an empty one: no reading of it is safe beside a length
        if lengths:
            raise FramingError("400 Bad Request", "the request has both Content-Length "
                               "and Transfer-Encoding (ambiguous framing, RFC 9112 6.3)")
        if environ.get("SERVER_PROTOCOL") == "HTTP/1.0":
            raise FramingError("400 Bad Request", "Transfer-Encoding in an HTTP/1.0 "
                               "request (faulty framing, RFC 9112 6.1)")
        if not codings or codings[-1] != "chunked" or codings.count("chunked") > 1:
            raise FramingError("400 Bad Request", "Transfer-Encoding must end with one "
                               f"chunked coding, not {_shown(codings)} (RFC 9112 6.3)")
        if len(codings) > 1:
            raise FramingError("501 Not Implemented", "the proxy decodes no transfer "
                               f"coding but chunked ({_shown(codings)})")
        return None
    try:
        return content_length(lengths) or 0
    except ValueError as exc:
        raise FramingError("400 Bad Request", f"{exc} (RFC 9112 6.3)") from None


def _request_framing(environ: WSGIEnvironment) -> tuple[list[str], list[str]]:
    """The request's Content-Length and Transfer-Encoding field values."""
    raw = environ.get(RAW_FRAMING_KEY)
    if raw is not None:
        lengths, encodings = raw
        return list(lengths), list(encodings)
    length = environ.get("CONTENT_LENGTH")
    encoding = environ.get("HTTP_TRANSFER_ENCODING")
    return ([length] if length else []), ([encoding] if encoding is not None else [])


def response_length(lengths: Sequence[str], encodings: Sequence[str],
                    decoder_chunked: bool, decoder_length: int | None) -> int | None:
    """The upstream's body length to announce to the client, None when unknown (the
    body is then passed on chunked); FramingError (a 502) when it is ambiguous.

    *decoder_chunked* and *decoder_length* are what the HTTP client reading the body
    decided: the proxy only forwards a body whose end both agree on.
    """
    codings = transfer_codings(encodings)
    if codings:
        if codings != ["chunked"] or not decoder_chunked:
            raise FramingError("502 Bad Gateway", "the upstream used a transfer coding "
                               f"the proxy does not decode ({_shown(codings)})")
        return None  # a Content-Length beside chunked is dropped (RFC 9112 6.3 item 3)
    try:
        length = content_length(lengths)
    except ValueError as exc:
        raise FramingError("502 Bad Gateway", f"the upstream sent {exc}") from None
    if length != decoder_length:
        raise FramingError("502 Bad Gateway", "the upstream's Content-Length "
                           f"{_shown(lengths)} is ambiguous")
    return length


def _shown(values: Iterable[str]) -> str:
    """Request or response values for a message: escaped, each and all cut short."""
    return ", ".join(logsafe(value, 40) for value in list(values)[:4])


class ByteStream(Protocol):
    """What :class:`ChunkedReader` reads from: a buffered binary stream."""

    def read(self, size: int, /) -> bytes:
        """Up to *size* bytes."""

    def readline(self, size: int, /) -> bytes:
        """One line of at most *size* bytes."""


class ChunkedReader(io.RawIOBase):
    """A client's chunked request body, strictly decoded (RFC 9112 7.1).

    Lenient decoders (werkzeug's dev server accepts ``0x1a``, ``+5``, ``1_0``, a bare
    LF or CR after a chunk) read some bodies differently from the rest of the web;
    this one accepts only ``1*HEXDIG [ BWS ; chunk-ext ] CRLF data CRLF`` and a last
    chunk with optional trailer fields (read and dropped), and raises OSError on
    anything else. Every line is bounded, so a hostile client costs bounded memory.
    """

    #: Longest chunk-size line (with extensions) and trailer field line accepted.
    MAX_LINE = 4096
    #: Most trailer fields accepted after the last chunk.
    MAX_TRAILERS = 64

    def __init__(self, stream: ByteStream) -> None:
        super().__init__()
        self.stream = stream
        self.left = 0  # bytes left in the current chunk
        self.done = False

    def readable(self) -> bool:
        """True: this is an input stream."""
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        """Read up to ``len(buffer)`` bytes of the body into *buffer*; 0 at its end."""
        view = memoryview(buffer).cast("B")
        if self.done or not len(view):
            return 0
        if self.left == 0:
            self.left = self._chunk_size()
            if self.left == 0:
                self._trailers()
                self.done = True
                return 0
        data = self.stream.read(min(len(view), self.left))
        if not data:
            raise OSError("the chunked body ended inside a chunk")
        view[:len(data)] = data
        self.left -= len(data)
        if self.left == 0 and self._line() != b"":
            raise OSError("a chunk is longer than its size")
        return len(data)

    def _chunk_size(self) -> int:
        size, sep, _extensions = self._line().partition(b";")
        if sep:
            size = size.rstrip(b" \t")  # BWS before a chunk extension
        if not _CHUNK_SIZE.fullmatch(size):
            raise OSError(f"invalid chunk size {logsafe(size.decode('latin-1'), 20)}")
        return int(size, 16)

    def _trailers(self) -> None:
        for _count in range(self.MAX_TRAILERS + 1):
            if self._line() == b"":
                return
        raise OSError("too many trailer fields")

    def _line(self) -> bytes:
        """One CRLF-terminated line without its CRLF; OSError for anything else."""
        line = self.stream.readline(self.MAX_LINE + 2)
        if not line.endswith(b"\r\n") or b"\r" in line[:-2] or b"\n" in line[:-2]:
            raise OSError("a chunk line is not terminated by CRLF (or is too long)")
        return line[:-2]
