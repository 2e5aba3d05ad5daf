"""Audit an application in process, WSGI or ASGI, through the doctor's transports.

The ASGI transport runs one ``http`` scope per request on a fresh event loop, as a
server would (no lifespan, an empty body), and keeps the status and headers of the
``http.response.start`` message: all an audit reads.
"""

from __future__ import annotations

from ..doctor.transport import ASGITransport, WSGITransport, in_process, is_asgi
from ..toolbase.targets import load_app

__all__ = ["ASGITransport", "WSGITransport", "app_transport", "in_process", "is_asgi"]


def app_transport(spec: str, timeout: float | None = None) -> WSGITransport | ASGITransport:
    """A transport calling the WSGI or ASGI application *spec* names, in process, each
    call within *timeout* seconds (None: unbounded)."""
    return in_process(load_app(spec), timeout)
