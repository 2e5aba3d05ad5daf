"""Audit an application in process: WSGI through the doctor's transport, ASGI here.

The ASGI side runs one ``http`` scope per request on a fresh event loop, as a server
would (no lifespan, an empty body), and keeps the status and headers of the
``http.response.start`` message: all an audit reads.
"""

from __future__ import annotations

import asyncio
import inspect
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..doctor.report import DoctorError
from ..doctor.transport import WSGITransport, path_info
from ..logsafe import logsafe
from .findings import Header, Response


@dataclass(frozen=True)
class Answer:
    """Status and headers of a response an ASGI application sent."""

    status: int
    headers: tuple[Header, ...] = ()

    def get_all(self, name: str) -> list[str]:
        """Every value of header *name* (any case), in order."""
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def get(self, name: str) -> str | None:
        """Header *name*, repeats joined with ``", "`` as browsers do."""
        values = self.get_all(name)
        return ", ".join(values) if values else None


def is_asgi(app: Any) -> bool:
    """True if *app* is an ASGI application (a coroutine function, or an object with one
    as ``__call__``)."""
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(
        type(app).__call__)


class ASGITransport:
    """Call an ASGI 3 application in process."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def send(self, method: str, url: str, headers: Sequence[Header]) -> Response:
        """Run the application on one request; raise DoctorError if it fails."""
        try:
            return asyncio.run(self._call(method, url, headers))
        except DoctorError:
            raise
        except Exception as exc:
            raise DoctorError(
                f"the application raised {type(exc).__name__}: {logsafe(exc)}") from exc

    async def _call(self, method: str, url: str, headers: Sequence[Header]) -> Answer:
        sent: list[dict[str, Any]] = []
        requested = False

        async def receive() -> dict[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await self.app(_scope(method, url, headers), receive, send)
        start = next((m for m in sent if m.get("type") == "http.response.start"), None)
        if start is None:
            raise DoctorError("the application returned without http.response.start")
        return Answer(int(start["status"]), tuple(
            (bytes(k).decode("latin-1"), bytes(v).decode("latin-1"))
            for k, v in start.get("headers", ())))


def _scope(method: str, url: str, headers: Sequence[Header]) -> dict[str, Any]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme or "http"
    port = parts.port or (443 if scheme == "https" else 80)
    raw = [(b"host", (parts.netloc or "localhost").encode("latin-1"))]
    raw += [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in headers]
    return {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1", "method": method, "scheme": scheme,
        "path": path_info(url), "raw_path": (parts.path or "/").encode("latin-1"),
        "query_string": parts.query.encode("latin-1"), "root_path": "",
        "headers": raw, "server": (parts.hostname or "localhost", port),
        "client": ("127.0.0.1", 50000), "state": {},
    }


def app_transport(spec: str) -> Any:
    """A transport calling the WSGI or ASGI application *spec* names, in process."""
    from ..doctor.cli import load_object

    app = load_object(spec)
    if not callable(app):
        raise DoctorError(f"{spec} is not a WSGI or ASGI application")
    return ASGITransport(app) if is_asgi(app) else WSGITransport(app)
