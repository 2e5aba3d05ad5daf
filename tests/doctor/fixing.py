"""Apply a doctor's fix to scripted answers, as a server would after the fix.

Each header of the fix replaces every header line of that name (a line is named by
what comes before its colon, white space stripped; its obs-fold continuation lines
go with it); ``(":status", "204")`` replaces the status. A 204 or 304 loses its body
and framing. Interim 1xx responses before the final one are kept as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from . import rawserver
from .behaviours import Behaviour, Stage
from .rawserver import Request

Header = tuple[str, str]
_BLOCK_END = re.compile(rb"\r?\n\r?\n")
_NO_BODY = ("204", "304")


def apply_fix(answer: bytes, headers: Sequence[Header]) -> bytes:
    """*answer*, a whole HTTP response, with *headers* applied."""
    if not headers:
        return answer
    prefix = b""
    rest = answer
    while True:
        match = _BLOCK_END.search(rest)
        if match is None:
            head, body = rest, b""
            break
        head, body = rest[: match.start()], rest[match.end():]
        status = head.split(b" ", 2)[1:2]
        if status and status[0].startswith(b"1") and status[0] != b"101":
            prefix += rest[: match.end()]
            rest = body
            continue
        break
    return prefix + _apply(head.decode("latin-1"), body, headers)


def _apply(head: str, body: bytes, headers: Sequence[Header]) -> bytes:
    lines = [line.removesuffix("\r") for line in head.split("\n")]
    status_line, fields = lines[0], _fields(lines[1:])
    replaced = {name.lower() for name, _value in headers if name != ":status"}
    status = dict(headers).get(":status")
    if status is not None:
        version = status_line.split(" ", 1)[0]
        status_line = f"{version} {status} {'No Content' if status == '204' else 'OK'}"
        if status in _NO_BODY:
            body = b""
            replaced |= {"content-length", "transfer-encoding"}
    kept = [f for f in fields if _name(f) not in replaced]
    added = [f"{name}: {value}" for name, value in headers if name != ":status"]
    text = "\r\n".join([status_line, *kept, *added]) + "\r\n\r\n"
    return text.encode("latin-1") + body


def _fields(lines: list[str]) -> list[str]:
    """Header lines with their obs-fold continuations joined on (CRLF kept)."""
    fields: list[str] = []
    for line in lines:
        if fields and line[:1] in (" ", "\t"):
            fields[-1] += "\r\n" + line
        elif line:
            fields.append(line)
    return fields


def _name(field: str) -> str:
    return field.partition(":")[0].strip(" \t").lower()


class FixedStage(Stage):
    """A :class:`Stage` whose answers get each case's fix, once :attr:`fixes` has it;
    the page's origin may be given (a page served elsewhere)."""

    def __init__(self, behaviours: list[Behaviour], page_origin: str | None = None) -> None:
        super().__init__(behaviours)
        self.page_origin = page_origin
        #: Case name -> (preflight headers, actual headers).
        self.fixes: dict[str, tuple[list[Header], list[Header]]] = {}

    @property
    def origin(self) -> str:
        """The page's origin."""
        return self.page_origin or super().origin

    def script(self, request: Request) -> bytes:
        """The scripted answer, with the case's fix applied."""
        answer = super().script(request)
        name = request.path.partition("/case/")[2].partition("/")[0]
        if name not in self.fixes:
            return answer
        preflight, actual = self.fixes[name]
        is_preflight = (request.method == "OPTIONS"
                        and "access-control-request-method" in request.headers)
        return apply_fix(answer, preflight if is_preflight else actual)


@contextmanager
def fixed_stage(behaviours: list[Behaviour], page_origin: str | None = None
                ) -> Iterator[FixedStage]:
    """Serve *behaviours* on a :class:`FixedStage`."""
    stage = FixedStage(behaviours, page_origin)
    with rawserver.serve(stage.script) as server:
        stage.port = server.port
        yield stage
