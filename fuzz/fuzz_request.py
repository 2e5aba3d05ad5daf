"""atheris fuzz target for the request path: any Origin / ACRM / ACRH / method bytes.

Run without bounds while developing::

    .venv/bin/python fuzz/fuzz_request.py

CI runs it bounded (``-runs=N``) from tests/attack/test_fuzz.py. A crash is an
uncaught exception or a broken invariant: CR/LF/NUL or non-latin-1 in an emitted
header, a second ACAO, an ACAO other than the request's own allowed origin, or a
preflight answered with something other than 204/403.
"""

from __future__ import annotations

import io
import os
import sys
from typing import Any

import atheris

with atheris.instrument_imports():
    from wsgicors import CORSMiddleware, CORSPolicy

POLICY = CORSPolicy(
    allow_origins=["https://app.example.com", "https://*.example.com", "http://localhost:*"],
    allow_origin_regex=r"https://[a-z0-9-]+\.example\.org",
    allow_credentials=True, allow_headers=["content-type", "x-a"],
    allow_methods=["PUT", "PATCH"], max_age=600, allow_private_network=True,
)


def _app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Vary", "Accept")])
    return [b"ok"]


def _reflecting(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A deliberately broken layer (reflects any Origin): proves the checks can fail."""
    def reflect(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
        origin = environ.get("HTTP_ORIGIN")
        extra = [("Access-Control-Allow-Origin", origin)] if origin else []
        return start_response(status, headers + extra, exc)

    return _app(environ, reflect)


APP = _reflecting if os.environ.get("WSGICORS_FUZZ_BROKEN") else CORSMiddleware(_app, POLICY)
METHODS = ["GET", "POST", "OPTIONS", "PUT", "HEAD"]


def _latin1(fdp: atheris.FuzzedDataProvider, limit: int) -> str:
    return fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, limit)).decode("latin-1")


def test_one_input(data: bytes) -> None:
    """One request built from *data*; raises on a broken invariant."""
    fdp = atheris.FuzzedDataProvider(data)
    method = METHODS[fdp.ConsumeIntInRange(0, len(METHODS) - 1)]
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "PATH_INFO": "/" + _latin1(fdp, 40), "QUERY_STRING": "",
        "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
    }
    origin = _latin1(fdp, 120)
    if fdp.ConsumeBool():
        environ["HTTP_ORIGIN"] = origin
    if fdp.ConsumeBool():
        environ["HTTP_ACCESS_CONTROL_REQUEST_METHOD"] = _latin1(fdp, 20)
    if fdp.ConsumeBool():
        environ["HTTP_ACCESS_CONTROL_REQUEST_HEADERS"] = _latin1(fdp, 200)
    if fdp.ConsumeBool():
        environ["HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"] = _latin1(fdp, 8)
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
        seen.update(status=status, headers=headers)
        return None

    b"".join(APP(environ, start_response))
    _check(seen, environ)


def _check(seen: dict[str, Any], environ: dict[str, Any]) -> None:
    acao = []
    for name, value in seen["headers"]:
        for text in (name, value):
            text.encode("latin-1")
            if set(text) & {"\r", "\n", "\x00"}:
                raise AssertionError(f"control character in header {name!r}: {value!r}")
        if name.lower() == "access-control-allow-origin":
            acao.append(value)
    if len(acao) > 1:
        raise AssertionError(f"several ACAO headers: {acao!r}")
    if acao and (acao[0] != environ.get("HTTP_ORIGIN") or POLICY.lookup(acao[0]) is None):
        raise AssertionError(f"ACAO {acao[0]!r} for Origin {environ.get('HTTP_ORIGIN')!r}")
    preflight = (environ["REQUEST_METHOD"] == "OPTIONS" and "HTTP_ORIGIN" in environ
                 and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ)
    if preflight and seen["status"][:3] not in ("204", "403"):
        raise AssertionError(f"preflight answered {seen['status']!r}")


if __name__ == "__main__":
    atheris.instrument_all()
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
