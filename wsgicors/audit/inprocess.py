"""Audit an application in process, WSGI or ASGI, through the doctor's transports.

The ASGI transport runs one ``http`` scope per request on a fresh event loop, as a
server would (no lifespan, an empty body), and keeps the status and headers of the
``http.response.start`` message: all an audit reads.
"""

from __future__ import annotations

from typing import Any

from ..doctor.report import DoctorError
from ..doctor.transport import ASGITransport, WSGITransport, in_process, is_asgi

__all__ = ["ASGITransport", "WSGITransport", "app_transport", "is_asgi"]


def app_transport(spec: str) -> Any:
    """A transport calling the WSGI or ASGI application *spec* names, in process."""
    from ..doctor.cli import load_object

    app = load_object(spec)
    if not callable(app):
        raise DoctorError(f"{spec} is not a WSGI or ASGI application")
    return in_process(app)
