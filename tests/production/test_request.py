"""Request-aware origin functions under WSGI: what the Request holds, when it is built,
and where an async function is refused (only where nothing can await it)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from webtest import TestApp

from tests.production.support import APP, CUSTOMER1, CUSTOMER2, HOST1, HOST2, Recorder
from wsgicors import ConfigError, CORSMiddleware, CORSPolicy, explain
from wsgicors.paste import filter_factory
from wsgicors.request import Request
from wsgicors.sources import OriginSource


def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def acao(app: TestApp, origin: str, host: str, **extra: Any) -> str | None:
    reply = app.get("/api/items", headers={"Origin": origin, "Host": host}, **extra)
    return reply.headers.get("Access-Control-Allow-Origin")


def test_each_tenant_allows_its_own_origin_only() -> None:
    recorder = Recorder()
    app = TestApp(CORSMiddleware(hello, allow_origins=[APP], allow_origin_func=recorder,
                                 allow_credentials=True))
    assert acao(app, CUSTOMER1, HOST1) == CUSTOMER1
    assert acao(app, CUSTOMER1, HOST2) is None
    assert acao(app, CUSTOMER2, HOST2) == CUSTOMER2
    preflight = app.options("/api/items", headers={
        "Origin": CUSTOMER1, "Host": HOST2, "Access-Control-Request-Method": "PUT"},
        expect_errors=True)
    assert preflight.status_int == 403
    assert acao(app, APP, HOST2) == APP  # the static list: the function is not asked
    assert len(recorder.requests) == 4


def test_the_request_holds_host_path_method_scheme_and_headers() -> None:
    recorder = Recorder()
    app = TestApp(CORSMiddleware(hello, allow_origins=[APP], allow_origin_func=recorder))
    app.get("/api/items?x=1", headers={"Origin": CUSTOMER1, "Host": "Customer1.MySite.com:443",
                                       "X-Tenant": "one"},
            extra_environ={"wsgi.url_scheme": "https"})
    app.options("/api/items", headers={"Origin": CUSTOMER1, "Host": "localhost:8000",
                                       "Access-Control-Request-Method": "PUT"},
                expect_errors=True)
    first, second = recorder.requests
    assert (first.host, first.path, first.method, first.scheme) == (
        HOST1, "/api/items", "GET", "https")  # lower case, default port dropped
    assert first.headers["x-tenant"] == first.headers["X-TENANT"] == "one"
    assert "x-tenant" in first.headers and "origin" in list(first.headers)
    assert (second.host, second.method, second.scheme) == ("localhost:8000", "OPTIONS", "http")
    assert second.headers["Access-Control-Request-Method"] == "PUT"
    with pytest.raises(AttributeError):
        first.host = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        first.headers["x-tenant"] = "two"  # type: ignore[index]


def test_without_a_host_header_the_server_name_and_port_are_the_host() -> None:
    request = Request.from_environ({"SERVER_NAME": "api.internal", "SERVER_PORT": "8080",
                                    "wsgi.url_scheme": "http", "PATH_INFO": ""})
    assert (request.host, request.path, request.method) == ("api.internal:8080", "/", "GET")
    assert Request.from_environ({"SERVER_NAME": "a", "SERVER_PORT": "80"}).host == "a"


def test_one_argument_functions_keep_working_and_get_no_request() -> None:
    seen: list[str] = []

    def allowed(origin: str) -> bool:
        seen.append(origin)
        return origin == CUSTOMER1

    app = TestApp(CORSMiddleware(hello, allow_origins=[APP], allow_origin_func=allowed))
    assert acao(app, CUSTOMER1, HOST2) == CUSTOMER1
    assert seen == [CUSTOMER1]


def test_the_request_is_built_only_when_the_function_is_asked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    original = Request.from_environ.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Request], environ: Any) -> Request:
        built.append(environ)
        return original(cls, environ)  # type: ignore[no-any-return]

    monkeypatch.setattr(Request, "from_environ", classmethod(counting))
    one_argument = TestApp(CORSMiddleware(hello, allow_origins=[APP],
                                          allow_origin_func=lambda origin: False))
    acao(one_argument, CUSTOMER1, HOST1)
    two_arguments = TestApp(CORSMiddleware(hello, allow_origins=[APP],
                                           allow_origin_func=Recorder()))
    acao(two_arguments, APP, HOST1)  # decided by the static list
    acao(two_arguments, "not an origin", HOST1)  # malformed: never asked
    assert built == []
    acao(two_arguments, CUSTOMER1, HOST1)
    assert len(built) == 1


def test_explain_passes_no_host_so_a_tenant_function_refuses() -> None:
    policy = CORSPolicy(allow_origins=[APP], allow_origin_func=Recorder())
    decision = explain(policy, origin=CUSTOMER1, path="/api/items")
    assert not decision.allowed and decision.code == "origin-not-allowed"
    env = {"HTTP_HOST": HOST1, "HTTP_ORIGIN": CUSTOMER1, "REQUEST_METHOD": "GET"}
    assert explain(policy, origin=None, environ=env).allowed


def test_a_tenant_source_under_wsgi() -> None:
    calls: list[Any] = []

    def lookup(key: tuple[str, str]) -> bool:
        calls.append(key)
        return key == (HOST1, CUSTOMER1)

    source = OriginSource(lookup, key=lambda origin, request: (request.host, origin))
    app = TestApp(CORSMiddleware(hello, allow_origins=[APP], allow_origin_func=source))
    for _ in range(3):
        assert acao(app, CUSTOMER1, HOST1) == CUSTOMER1
        assert acao(app, CUSTOMER1, HOST2) is None
    assert calls == [(HOST1, CUSTOMER1), (HOST2, CUSTOMER1)]  # then from the cache


def test_a_function_that_raises_refuses_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    def broken(origin: str, request: Request) -> bool:
        raise RuntimeError("database down")

    app = TestApp(CORSMiddleware(hello, allow_origins=[APP], allow_origin_func=broken))
    with caplog.at_level(logging.ERROR, "wsgicors"):
        assert acao(app, CUSTOMER1, HOST1) is None
    assert "allow_origin_func raised for origin 'https://customer1.com'" in caplog.text


# -- async functions: accepted by the policy, refused where only sync code runs ---------

async def async_allowed(origin: str, request: Request) -> bool:
    return request.host == HOST1


def test_the_wsgi_middleware_and_paste_refuse_an_async_function() -> None:
    CORSPolicy(allow_origins=[APP], allow_origin_func=async_allowed)  # fine on its own
    for build in (
        lambda: CORSMiddleware(hello, allow_origins=[APP], allow_origin_func=async_allowed),
        lambda: CORSMiddleware(hello, CORSPolicy(allow_origin_func=async_allowed)),
        lambda: CORSMiddleware(hello, paths={"/api/*": CORSPolicy(
            allow_origin_func=async_allowed)}),
        lambda: CORSMiddleware(hello, allow_origins=[APP], report_only=CORSPolicy(
            allow_origin_func=async_allowed)),
        lambda: filter_factory({}, allow_origins=APP,
                               allow_origin_func=f"{__name__}:async_allowed")(hello),
    ):
        with pytest.raises(ConfigError) as raised:
            build()
        [problem] = raised.value.problems
        assert problem.code == "func-async" and problem.option == "allow_origin_func"
        assert "a WSGI application" in problem.message
        assert "OriginSource(func)" in problem.hint


def test_reconfigure_refuses_an_async_function_and_keeps_the_running_policy() -> None:
    middleware = CORSMiddleware(hello, allow_origins=[APP])
    with pytest.raises(ConfigError):
        middleware.reconfigure(allow_origins=[APP], allow_origin_func=async_allowed)
    assert acao(TestApp(middleware), APP, HOST1) == APP


def test_an_async_source_works_under_wsgi_through_its_sync_call() -> None:
    async def lookup(key: tuple[str, str]) -> bool:
        return key == (HOST1, CUSTOMER1)

    source = OriginSource(lookup, key=lambda origin, request: (request.host, origin))
    app = TestApp(CORSMiddleware(hello, allow_origins=[APP], allow_origin_func=source))
    assert acao(app, CUSTOMER1, HOST1) == CUSTOMER1
    assert acao(app, CUSTOMER1, HOST2) is None


def test_explain_runs_an_async_function_in_a_loop_of_its_own() -> None:
    policy = CORSPolicy(allow_origins=[APP], allow_origin_func=async_allowed)
    env = {"HTTP_HOST": HOST1, "HTTP_ORIGIN": CUSTOMER1, "REQUEST_METHOD": "GET"}
    assert explain(policy, origin=None, environ=env).allowed
