"""A hostile HTTP server: it answers every request with scripted bytes, paced as it likes.

A script gets the request target and yields the answer in steps: ``bytes`` to send,
or a ``float``, seconds to wait first. When the steps run out the connection is
closed, or kept open in silence if the last step is :data:`HOLD`. Steps are sent as
they are produced, so an endless generator drips bytes until the client hangs up.
Everything here is what a malicious server may do; nothing is well-formed on purpose.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from .rawserver import RawServer

#: The last step of a script that keeps the connection open without a word.
HOLD = b"\x00HOLD"

Step = bytes | float
Script = Callable[[str], Iterable[Step]]


class HostileServer(RawServer):
    """Serve *script* on 127.0.0.1 (a free port), one thread per connection."""

    def __init__(self, script: Script) -> None:
        super().__init__(lambda request: b"")  # not used: _serve plays the script
        self.steps = script
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()

    def __enter__(self) -> HostileServer:
        super().__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()  # ends the scripts still dripping or holding
        super().__exit__(*exc)

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(60)
            try:
                target = _read_target(conn)
                for step in self.steps(target):
                    if self._stop.is_set():
                        return
                    if step == HOLD:
                        self._stop.wait()
                        return
                    if isinstance(step, float):
                        time.sleep(step)
                    else:
                        conn.sendall(step)
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the client hung up: what a tool at its deadline does


def _read_target(conn: socket.socket) -> str:
    """The request target of the request on *conn* (its head read, any body ignored)."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    parts = data.split(b" ", 2)
    return parts[1].decode("latin-1") if len(parts) > 1 else "/"


@contextmanager
def serve(script: Script) -> Iterator[HostileServer]:
    """``with serve(script) as server:`` a running :class:`HostileServer`."""
    with HostileServer(script) as server:
        yield server


def answer(*steps: Step) -> Script:
    """A script giving every request the same *steps*."""
    return lambda target: steps


def head(*lines: str, status: str = "200 OK") -> bytes:
    """A status line and header lines, CRLF-terminated, and the empty line after them."""
    return (f"HTTP/1.1 {status}\r\n" + "".join(f"{line}\r\n" for line in lines)
            + "\r\n").encode("latin-1")


def drip(first: bytes, byte: bytes, every: float) -> Script:
    """Send *first*, then *byte* every *every* seconds, for ever."""

    def steps(target: str) -> Iterator[Step]:
        yield first
        while True:
            yield every
            yield byte

    return steps
