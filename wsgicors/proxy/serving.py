"""The proxy's own server: werkzeug's development server, strict where it is lenient.

werkzeug's request handler is made for one developer's own application; in front of
a proxy, three of its leniencies would let the client and the proxy disagree about a
request (RFC 9112):

* a header line it cannot parse (``Content-Length : 5``, a line without a colon)
  silently ends the header block; here it is a 400;
* of several ``Content-Length`` headers it keeps the last; here all of them reach
  :func:`wsgicors.proxy.framing.request_length`, which refuses different ones;
* its chunked decoder accepts ``0x1a``, ``+5``, ``1_0`` and bare line feeds; here the
  body is read by :class:`wsgicors.proxy.framing.ChunkedReader`.

What werkzeug already does well is kept: it closes the connection after every
response (no second request can hide in a body), drops header names with ``_``, and
the proxy opens a new upstream connection for each request. Imported only when
serving (werkzeug is the ``proxy`` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.serving import WSGIRequestHandler

from .framing import RAW_FRAMING_KEY, ChunkedReader, transfer_codings

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment


class ProxyRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler with strict header parsing and framing."""

    def parse_request(self) -> bool:
        """Parse the request line and headers; 400 for a malformed header line."""
        if not super().parse_request():
            return False
        if self.headers.defects:
            self.send_error(400, "Bad Request", "a header line is malformed (RFC 9112 5)")
            return False
        return True

    def make_environ(self) -> WSGIEnvironment:
        """werkzeug's environ, with every framing header and the strict decoder."""
        environ = super().make_environ()
        lengths = self.headers.get_all("Content-Length") or []
        encodings = self.headers.get_all("Transfer-Encoding") or []
        environ[RAW_FRAMING_KEY] = (lengths, encodings)
        if transfer_codings(encodings) == ["chunked"]:
            environ["wsgi.input"] = ChunkedReader(self.rfile)
        return environ
