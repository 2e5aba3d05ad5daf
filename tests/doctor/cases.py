"""Servers that misbehave in every way the doctor knows, shared by the doctor tests.

Each case is one URL (``/case/<name>``) on a plain WSGI app whose preflight and
actual responses are written out by hand, ``{origin}`` standing for the origin the
test allows. ``expect`` is what the case is built to show, per browser: ``None`` for
allowed, or the failure code. The Chromium test checks those claims against the
real browser.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.support.servers import serve_wsgi

Headers = list[tuple[str, str]]
OTHER = "https://other.example"


@dataclass(frozen=True)
class Case:
    name: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    credentials: bool = False
    preflight: tuple[int, Headers] | None = None
    actual: tuple[int, Headers] = (200, [])
    expect: tuple[str | None, str | None] = (None, None)  # (chrome, firefox)


def _acao(*extra: tuple[str, str]) -> Headers:
    return [("Access-Control-Allow-Origin", "{origin}"), *extra]


_CRED = ("Access-Control-Allow-Credentials", "true")

CASES = [
    Case("allowed-simple", actual=(200, _acao())),
    Case("allowed-star", actual=(200, [("Access-Control-Allow-Origin", "*")])),
    Case("allowed-preflight", "PUT", {"Content-Type": "application/json",
                                      "Authorization": "Bearer t"}, True,
         preflight=(204, _acao(_CRED, ("Access-Control-Allow-Methods", "PUT"),
                               ("Access-Control-Allow-Headers", "authorization, content-type"),
                               ("Access-Control-Max-Age", "86400"))),
         actual=(200, _acao(_CRED))),
    Case("missing-acao", expect=("missing-allow-origin",) * 2),
    Case("wrong-origin", actual=(200, [("Access-Control-Allow-Origin", OTHER)]),
         expect=("allow-origin-mismatch",) * 2),
    Case("trailing-slash", actual=(200, [("Access-Control-Allow-Origin", "{origin}/")]),
         expect=("allow-origin-mismatch",) * 2),
    Case("star-credentials", credentials=True,
         actual=(200, [("Access-Control-Allow-Origin", "*"), _CRED]),
         expect=("wildcard-with-credentials",) * 2),
    Case("acac-missing", credentials=True, actual=(200, _acao()),
         expect=("allow-credentials-not-true",) * 2),
    Case("acac-upper", credentials=True,
         actual=(200, _acao(("Access-Control-Allow-Credentials", "TRUE"))),
         expect=("allow-credentials-not-true",) * 2),
    Case("method-not-listed", "DELETE",
         preflight=(204, _acao(("Access-Control-Allow-Methods", "GET, POST"))),
         actual=(200, _acao()), expect=("method-not-allowed",) * 2),
    Case("header-not-listed", headers={"X-Api-Key": "k"},
         preflight=(204, _acao(("Access-Control-Allow-Headers", "content-type"))),
         actual=(200, _acao()), expect=("header-not-allowed",) * 2),
    Case("authorization-star", headers={"Authorization": "Bearer t"},
         preflight=(204, [("Access-Control-Allow-Origin", "*"),
                          ("Access-Control-Allow-Headers", "*")]),
         actual=(200, [("Access-Control-Allow-Origin", "*")])),
    Case("preflight-redirect", "PUT",
         preflight=(307, _acao(("Location", "/case/allowed-simple"),
                               ("Access-Control-Allow-Methods", "PUT"))),
         actual=(200, _acao()), expect=("preflight-redirect",) * 2),
    Case("preflight-401", "PUT", preflight=(401, [("WWW-Authenticate", "Bearer")]),
         actual=(200, _acao()), expect=("missing-allow-origin",) * 2),
    Case("preflight-405", "PUT",
         preflight=(405, _acao(("Allow", "GET, HEAD"))),
         actual=(200, _acao()), expect=("preflight-status",) * 2),
    Case("preflight-500", "PATCH",
         preflight=(500, _acao(("Access-Control-Allow-Methods", "PATCH"))),
         actual=(200, _acao()), expect=("preflight-status",) * 2),
    Case("two-acao", actual=(200, _acao(("Access-Control-Allow-Origin", "{origin}"))),
         expect=("multiple-allow-origin",) * 2),
    Case("list-acao", actual=(200, [("Access-Control-Allow-Origin", "{origin}, " + OTHER)]),
         expect=("multiple-allow-origin", "allow-origin-mismatch")),
    Case("redirect-ok", actual=(302, _acao(("Location", "/case/allowed-simple")))),
    Case("redirect-no-acao", actual=(302, [("Location", "/case/allowed-simple")]),
         expect=("missing-allow-origin",) * 2),
    Case("acao-host-only", actual=(200, [("Access-Control-Allow-Origin", "app.example.com")]),
         expect=("invalid-allow-origin", "allow-origin-mismatch")),
    Case("method-lowercase", "patch",
         preflight=(204, _acao(("Access-Control-Allow-Methods", "PATCH"))),
         actual=(200, _acao()), expect=("method-not-allowed",) * 2),
    Case("acam-invalid", "PUT",
         preflight=(204, _acao(("Access-Control-Allow-Methods", "GET;PUT"))),
         actual=(200, _acao()), expect=("invalid-allow-methods",) * 2),
    Case("null-acao", actual=(200, [("Access-Control-Allow-Origin", "null")]),
         expect=("allow-origin-mismatch",) * 2),
    # A redirect to another origin makes the request's origin 'null' from then on.
    Case("redirect-cross-null", actual=(302, _acao(("Location", "{origin}/case/null-acao")))),
    Case("redirect-cross-blocked",
         actual=(302, _acao(("Location", "{origin}/case/allowed-simple"))),
         expect=("allow-origin-mismatch",) * 2),
]
BY_NAME = {case.name: case for case in CASES}


def case_app(origin: str | Callable[[], str], page: bytes = b"",
             on_results: Callable[[Any], None] | None = None) -> Any:
    """The WSGI app serving every case (and, for browser tests, a page and /results)."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ["PATH_INFO"]
        if path == "/page":
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
            return [page]
        if path == "/results" and on_results is not None:
            size = int(environ.get("CONTENT_LENGTH") or 0)
            on_results(json.loads(environ["wsgi.input"].read(size)))
            start_response("204 No Content", [])
            return []
        case = BY_NAME.get(path.removeprefix("/case/"))
        if case is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no such case\n"]
        is_preflight = (environ["REQUEST_METHOD"] == "OPTIONS"
                        and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ)
        status, headers = case.preflight if is_preflight and case.preflight else case.actual
        allowed = origin if isinstance(origin, str) else origin()
        filled = [(k, v.replace("{origin}", allowed)) for k, v in headers]
        start_response(f"{status} Whatever", [("Content-Type", "text/plain"), *filled])
        return [] if status in (204, 304) else [b"case body\n"]

    return app


@contextmanager
def serve_cases(page: bytes = b"", on_results: Callable[[Any], None] | None = None
                ) -> Iterator[tuple[int, str]]:
    """Serve the cases on ``127.0.0.1:P`` allowing ``http://localhost:P``; yield both.

    The same server is thus reachable from two origins, so a redirect to the
    allowed origin is a real cross-origin redirect.
    """
    bound: list[int] = []
    with serve_wsgi(case_app(lambda: f"http://localhost:{bound[0]}", page, on_results)) as port:
        bound.append(port)
        yield port, f"http://localhost:{port}"
