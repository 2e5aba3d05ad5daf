"""Scripted server behaviours for the differential suite, and the server that plays them.

Each :class:`Behaviour` is a ``fetch()`` a page makes (method, headers, credentials)
and the exact bytes a server answers it with, at ``/case/<name>`` and at extra hops
under it (``/case/<name>/<hop>``) for redirect chains. Placeholders in the answers:
``{origin}`` the page's origin, ``{self}`` the case's own URL, ``{port}`` the server's
port. The cases come from the Fetch standard, RFC 9110/9112 header syntax and real
misconfigurations; what a browser does with each is for the browser to say.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from wsgicors.doctor.live import PAGE_PATH

from . import rawserver
from .rawserver import Request

ACAO = "Access-Control-Allow-Origin: {origin}"
ACAC = "Access-Control-Allow-Credentials: true"
BODY = b"case body\n"
_FRAMING = re.compile(r"(content-length|transfer-encoding)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class Answer:
    """One scripted response: a status, header lines as written, and a body.

    ``Content-Length`` and ``Connection: close`` are added unless a line already
    frames the body; ``raw`` replaces everything with exact bytes.
    """

    status: str = "200 OK"
    lines: tuple[str, ...] = ()
    body: bytes = BODY
    raw: bytes | None = None

    def render(self, values: Mapping[str, str]) -> bytes:
        """The bytes to send, placeholders filled in."""
        if self.raw is not None:
            data = self.raw
            for key, value in values.items():
                data = data.replace(f"{{{key}}}".encode(), value.encode())
            return data
        lines = [_fill(line, values) for line in self.lines]
        body = b"" if self.status[:3] in ("204", "304") else self.body
        if not any(_FRAMING.match(line) for line in lines):
            lines.append(f"Content-Length: {len(body)}")
        return rawserver.response(self.status, *lines, "Connection: close", body=body)


def _fill(text: str, values: Mapping[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(f"{{{key}}}", value)
    return text


def ok(*lines: str) -> Answer:
    """A 200 with *lines*."""
    return Answer("200 OK", lines)


def status(text: str, *lines: str) -> Answer:
    """A response with status line *text* (``"204 No Content"``) and *lines*."""
    return Answer(text, lines)


@dataclass(frozen=True)
class Behaviour:
    """A request a page makes and how the server answers it, hop by hop.

    ``answers`` maps ``""`` (the case URL) or a hop name to the answer to an actual
    request there, and ``"<hop> preflight"`` (``"preflight"`` for the case URL) to
    the answer to a preflight. ``probe`` names response headers whose readability
    by the script is compared.
    """

    name: str
    answers: Mapping[str, Answer]
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    credentials: bool = False
    probe: tuple[str, ...] = ()

    def answer(self, hop: str, preflight: bool) -> Answer:
        """The answer at *hop* (``""``: the case URL) to a preflight or not."""
        key = f"{hop} preflight".strip() if preflight else hop
        if key in self.answers:
            return self.answers[key]
        return status("404 Not Found", "Content-Type: text/plain")


def case(name: str, actual: Answer, preflight: Answer | None = None, *,
         hops: Mapping[str, Answer] | None = None, **request: Any) -> Behaviour:
    """A :class:`Behaviour` from its main answers and extra hops."""
    answers = {"": actual, **(hops or {})}
    if preflight is not None:
        answers["preflight"] = preflight
    return Behaviour(name, answers, **request)


# -- the server --------------------------------------------------------------------

class Stage:
    """The server side of a run: the cases, and the log of the requests they got."""

    def __init__(self, behaviours: list[Behaviour]) -> None:
        self.by_name = {b.name: b for b in behaviours}
        #: The cases as the page's script takes them.
        self.spec = [{"name": b.name, "method": b.method, "headers": dict(b.headers),
                      "credentials": b.credentials, "probe": list(b.probe)}
                     for b in behaviours]
        self.log: list[tuple[str, Request]] = []
        self.port = 0

    @property
    def origin(self) -> str:
        """The page's origin (the cases are served from the other one)."""
        return f"http://localhost:{self.port}"

    @property
    def base(self) -> str:
        """The cases' URLs, but for their names."""
        return f"http://127.0.0.1:{self.port}/case/"

    def url(self, name: str) -> str:
        """The URL of case *name*."""
        return self.base + name

    def script(self, request: Request) -> bytes:
        """Answer one request (the rawserver callback)."""
        if request.path == PAGE_PATH:
            return Answer("200 OK", ("Content-Type: text/html; charset=utf-8",),
                          b"<!doctype html><title>doctor differential</title>").render({})
        _prefix, _case, rest = request.path.partition("/case/")
        name, _slash, hop = rest.partition("/")
        behaviour = self.by_name.get(name)
        if not _case or behaviour is None:
            return status("404 Not Found").render({})
        self.log.append((name, request))
        preflight = (request.method == "OPTIONS"
                     and "access-control-request-method" in request.headers)
        values = {"origin": self.origin, "self": self.url(name), "port": str(self.port)}
        return behaviour.answer(hop, preflight).render(values)

    def requests_for(self, name: str) -> list[Request]:
        """The requests the server got for case *name*, in order."""
        return [request for case_name, request in self.log if case_name == name]


@contextmanager
def staged(behaviours: list[Behaviour]) -> Iterator[Stage]:
    """Serve *behaviours* on 127.0.0.1 (any free port); yield the :class:`Stage`."""
    stage = Stage(behaviours)
    with rawserver.serve(stage.script) as server:
        stage.port = server.port
        yield stage
