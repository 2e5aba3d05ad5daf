"""A minimal WebSocket client (RFC 6455) for the browsers' remote protocols.

Enough for WebDriver BiDi and the Chrome DevTools protocol on loopback: one
connection, text frames out (masked), text frames in (fragmented ones joined),
pings answered, every read bounded by the socket timeout. Stdlib only: wsgicors has
no WebSocket dependency.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import struct
from typing import Any
from urllib.parse import urlsplit

_TEXT, _CLOSE, _PING, _PONG = 0x1, 0x8, 0x9, 0xA


class WebSocket:
    """A connected client: :meth:`send_json`, :meth:`recv_json`, :meth:`close`."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                   "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("the browser closed the WebSocket handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(f"WebSocket handshake refused: {head[:200]!r}")

    def send_json(self, data: Any) -> None:
        """Send *data* as one masked text frame."""
        payload = json.dumps(data).encode()
        header = bytes([0x80 | _TEXT])
        size = len(payload)
        if size < 126:
            header += bytes([0x80 | size])
        elif size < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", size)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", size)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def recv_json(self) -> Any:
        """The next text message, decoded; raises on close or timeout."""
        message = b""
        while True:
            fin, opcode, payload = self._frame()
            if opcode == _PING:
                self._control(_PONG, payload)
            elif opcode == _CLOSE:
                raise ConnectionError("the browser closed the WebSocket")
            elif opcode != _PONG:
                message += payload
                if fin:
                    return json.loads(message)

    def close(self) -> None:
        """Close the connection (without waiting for the browser's answer)."""
        with contextlib.suppress(OSError):
            self._control(_CLOSE, b"")
        self.sock.close()

    def _control(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def _frame(self) -> tuple[bool, int, bytes]:
        first, second = self._exact(2)
        size = second & 0x7F
        if size == 126:
            size = struct.unpack("!H", self._exact(2))[0]
        elif size == 127:
            size = struct.unpack("!Q", self._exact(8))[0]
        return bool(first & 0x80), first & 0x0F, self._exact(size)

    def _exact(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("the browser closed the WebSocket")
            data += chunk
        return data
