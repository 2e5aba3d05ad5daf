"""Small servers on loopback for the audit's network tests, run in a thread."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def serving(server: Any) -> Iterator[str]:
    """Run *server* (a socketserver: http.server's, Werkzeug's) in a thread; yield its
    base URL, ``http://127.0.0.1:PORT``; stop it afterwards."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def handler_server(handler: type[http.server.BaseHTTPRequestHandler]) -> Any:
    """A threading HTTP server on a free loopback port, answering with *handler*."""
    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
