"""Actual requests: the app always runs; its response gets CORS headers and Vary right."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from wsgiref.util import FileWrapper
from wsgiref.validate import validator

import pytest
from webtest import TestApp

from tests.core.support import ALLOWED, OTHER, client
from wsgicors import CORSMiddleware, CORSPolicy

POLICY = CORSPolicy(allow_origins=[ALLOWED], allow_credentials=True, expose_headers=["X-Request-Id"])


def app_with(status: str, headers: list[tuple[str, str]], body: bytes = b"x") -> Any:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response(status, [*list(headers), ("Content-Length", str(len(body)))])
        return [body]
    return app


def test_allowed_origin_gets_headers_and_app_runs(calls) -> None:  # type: ignore[no-untyped-def]
    r = client(POLICY).post("/items", params="a=1", headers={"Origin": ALLOWED})
    assert r.body == b"POST /items"
    assert r.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    assert r.headers["Access-Control-Expose-Headers"] == "x-request-id"
    assert r.headers["Vary"] == "Origin"
    assert calls() == 1


def test_denied_origin_still_reaches_the_app(calls) -> None:  # type: ignore[no-untyped-def]
    # CORS is not access control: same-origin POSTs carry Origin too.
    r = client(POLICY).post("/items", params="a=1", headers={"Origin": OTHER})
    assert r.body == b"POST /items" and calls() == 1
    assert not any(k.startswith("Access-Control-") for k in r.headers)
    assert r.headers["Vary"] == "Origin"


def test_no_origin_gets_vary_only() -> None:
    r = client(POLICY).get("/")
    assert not any(k.startswith("Access-Control-") for k in r.headers)
    assert r.headers["Vary"] == "Origin"


@pytest.mark.parametrize(("app_vary", "expected"), [
    ("Accept-Encoding", "Accept-Encoding, Origin"),
    ("origin", "origin"),
    ("Accept-Encoding, ORIGIN", "Accept-Encoding, ORIGIN"),
    ("*", "*"),
    ("", "Origin"),
])
def test_vary_is_merged_never_duplicated(app_vary: str, expected: str) -> None:
    wrapped = client(POLICY, app=app_with("200 OK", [("Content-Type", "text/plain"), ("vary", app_vary)]))
    for headers in ({"Origin": ALLOWED}, {"Origin": OTHER}, {}):
        r = wrapped.get("/", headers=headers)
        assert r.headers.getall("Vary") == [expected]


@pytest.mark.parametrize("status", ["404 Not Found", "500 Internal Server Error",
                                    "302 Found", "401 Unauthorized", "204 No Content"])
def test_every_status_gets_cors_headers(status: str) -> None:
    headers = [("Location", "/elsewhere")] if status.startswith("302") else []
    body = b"" if status.startswith("204") else b"x"
    if body:
        headers.append(("Content-Type", "text/plain"))
    r = client(POLICY, app=app_with(status, headers, body)).get(
        "/", headers={"Origin": ALLOWED}, expect_errors=True)
    assert r.status == status
    assert r.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_app_that_sets_its_own_cors_headers_is_left_alone() -> None:
    own = app_with("200 OK", [("access-control-allow-origin", "https://own.example"),
                              ("Content-Type", "text/plain")])
    r = client(POLICY, app=own).get("/", headers={"Origin": ALLOWED})
    assert r.headers.getall("Access-Control-Allow-Origin") == ["https://own.example"]
    assert "Access-Control-Allow-Credentials" not in r.headers
    assert r.headers["Vary"] == "Origin"


def test_shared_constant_header_list_is_not_mutated() -> None:
    constant = [("Content-Type", "text/plain"), ("Content-Length", "1")]

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", constant)
        return [b"x"]

    wrapped = client(POLICY, app=app)
    for _ in range(3):
        wrapped.get("/", headers={"Origin": ALLOWED})
    assert constant == [("Content-Type", "text/plain"), ("Content-Length", "1")]


def test_exc_info_second_start_response_gets_cors_headers() -> None:
    def failing(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise ValueError("boom")
        except ValueError:
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")],
                           sys.exc_info())
        return [b"error page"]

    r = TestApp(CORSMiddleware(failing, POLICY)).get("/", headers={"Origin": ALLOWED}, status=500)
    assert r.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert r.body == b"error page"


def test_streaming_body_and_close_are_passed_through() -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"one,"
            yield b"two"

        def close(self) -> None:
            closed.append(True)

    body = Body()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Body:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_ORIGIN": ALLOWED}
    seen: list[Any] = []
    result = CORSMiddleware(app, POLICY)(environ, lambda s, h, e=None: seen.append((s, h)))
    assert result is body  # untouched, not wrapped
    assert b"".join(result) == b"one,two"
    result.close()  # type: ignore[attr-defined]
    assert closed == [True]
    assert ("Access-Control-Allow-Origin", ALLOWED) in seen[0][1]


def test_file_wrapper_is_passed_through(tmp_path: Any) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"file body")

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return environ["wsgi.file_wrapper"](open(path, "rb"))

    r = TestApp(CORSMiddleware(app, POLICY)).get(
        "/", headers={"Origin": ALLOWED}, extra_environ={"wsgi.file_wrapper": FileWrapper})
    assert r.body == b"file body"
    assert r.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_wsgiref_validator_accepts_the_middleware() -> None:
    inner = validator(app_with("200 OK", [("Content-Type", "text/plain")]))
    outer = validator(CORSMiddleware(inner, POLICY))
    app = TestApp(outer, lint=False)
    assert app.get("/", headers={"Origin": ALLOWED}).headers["Access-Control-Allow-Origin"] == ALLOWED
    assert app.options("/", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "PUT"}).status_int == 204
    app.options("/", headers={"Origin": OTHER, "Access-Control-Request-Method": "PUT"}, status=403)


def test_threads_never_see_each_others_origin() -> None:
    policy = CORSPolicy(allow_origins=["https://*.example.com"])
    middleware = CORSMiddleware(app_with("200 OK", [("Content-Type", "text/plain")]), policy)
    errors: list[str] = []

    def worker(n: int) -> None:
        for i in range(500):
            origin = f"https://t{n}-{i % 50}.example.com" if i % 3 else f"https://t{n}.evil.net"
            got: list[list[tuple[str, str]]] = []
            middleware({"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_ORIGIN": origin},
                       lambda s, h, e=None, got=got: got.append(h))
            acao = dict(got[0]).get("Access-Control-Allow-Origin")
            expected = None if origin.endswith("evil.net") else origin
            if acao != expected:
                errors.append(f"{origin} got {acao}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_reconfigure_swaps_policy_for_new_requests() -> None:
    middleware = CORSMiddleware(app_with("200 OK", [("Content-Type", "text/plain")]), POLICY)
    app = TestApp(middleware)
    assert "Access-Control-Allow-Origin" not in app.get("/", headers={"Origin": OTHER}).headers
    middleware.reconfigure(allow_origins=[OTHER])
    assert app.get("/", headers={"Origin": OTHER}).headers["Access-Control-Allow-Origin"] == OTHER
    assert "Access-Control-Allow-Origin" not in app.get("/", headers={"Origin": ALLOWED}).headers


def test_reconfigure_with_bad_config_keeps_the_running_one() -> None:
    from wsgicors import ConfigError

    middleware = CORSMiddleware(app_with("200 OK", [("Content-Type", "text/plain")]), POLICY)
    with pytest.raises(ConfigError):
        middleware.reconfigure(allow_origins=["https://app.example.com/"])
    r = TestApp(middleware).get("/", headers={"Origin": ALLOWED})
    assert r.headers["Access-Control-Allow-Origin"] == ALLOWED
