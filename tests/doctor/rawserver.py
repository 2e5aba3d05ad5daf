"""A TCP server that answers each HTTP request with scripted raw bytes.

No HTTP library stands between a test and the wire: a script gets the parsed
request and returns the exact bytes to send (duplicated, padded, folded or malformed
header lines included), after which the connection is closed. ``HOLD`` keeps it
open without a word, to test timeouts.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

#: Returned by a script: send what came before and keep the connection open, silent.
HOLD = b"\x00HOLD"
_MAX_HEAD = 65536


@dataclass
class Request:
    """What the client sent: method, target, headers (names lower-cased), body."""

    method: str
    target: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def path(self) -> str:
        """The target without its query."""
        return self.target.split("?", 1)[0]


Script = Callable[[Request], bytes]


def response(status: str, *lines: str, body: bytes = b"") -> bytes:
    """A response from header lines written as they go on the wire (no CRLF added inside)."""
    head = f"HTTP/1.1 {status}\r\n" + "".join(line + "\r\n" for line in lines)
    return head.encode("latin-1") + b"\r\n" + body


class RawServer:
    """Serve *script* on 127.0.0.1 (a free port, or *port*) from a thread per connection."""

    def __init__(self, script: Script, port: int = 0) -> None:
        self.script = script
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(64)
        self.port = int(self.sock.getsockname()[1])
        self.requests: list[Request] = []
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        # shutdown() wakes the thread blocked in accept(); close() alone does not.
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        for conn in self._held:
            conn.close()
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        try:
            request = _read_request(conn)
            if request is None:
                conn.close()
                return
            self.requests.append(request)
            answer = self.script(request)
            if answer.endswith(HOLD):
                conn.sendall(answer[: -len(HOLD)])
                self._held.append(conn)
                return
            conn.sendall(answer)
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        conn.close()


def _read_request(conn: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk or len(data) > _MAX_HEAD:
            return None
        data += chunk
    head, _sep, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _colon, value = line.partition(":")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    size = int(headers.get("content-length", "0") or 0)
    while len(body) < size:
        chunk = conn.recv(4096)
        if not chunk:
            break
        body += chunk
    return Request(method, target, headers, body)


@contextmanager
def serve(script: Script, port: int = 0) -> Iterator[RawServer]:
    """``with serve(script) as server:`` a running :class:`RawServer`."""
    with RawServer(script, port) as server:
        yield server
