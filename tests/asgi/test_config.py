"""Configuring wsgicors.asgi.CORSMiddleware: Starlette's names and defaults, policy=,
paths=, the ConfigErrors Starlette does not raise, and finding it from outside."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware as StarletteCORS
from starlette.testclient import TestClient

from wsgicors import ConfigError, CORSPolicy, explain
from wsgicors.asgi import CORSMiddleware
from wsgicors.cli import main
from wsgicors.toolbase.targets import find_target

from .support import EVIL, ORIGIN, OTHER, Site, cors_names, preflight_headers


def client(options: dict[str, Any], layer: Any = CORSMiddleware) -> TestClient:
    return TestClient(Site().starlette([Middleware(layer, **options)]))


def problems(error: pytest.ExceptionInfo[ConfigError]) -> list[tuple[str, str]]:
    return [(problem.code, problem.option) for problem in error.value.problems]


# -- Starlette's keyword names and defaults -------------------------------------------

def test_starlette_defaults() -> None:
    reply = client({"allow_origins": [ORIGIN]}).options(
        "/items", headers=preflight_headers(method="GET", headers="content-type"))
    assert reply.status_code == 204
    assert reply.headers["access-control-allow-methods"] == "GET"
    assert reply.headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in reply.headers


def test_default_methods_refuse_put_like_starlette() -> None:
    sent = preflight_headers(method="PUT")
    assert client({"allow_origins": [ORIGIN]}).options("/items", headers=sent).status_code == 403
    assert client({"allow_origins": [ORIGIN]}, StarletteCORS).options(
        "/items", headers=sent).status_code == 400


@pytest.mark.parametrize("method", ["PUT", "PATCH", "PROPFIND"])
def test_star_methods_allow_any(method: str) -> None:
    reply = client({"allow_origins": [ORIGIN], "allow_methods": ["*"]}).options(
        "/items", headers=preflight_headers(method=method))
    assert reply.status_code == 204
    assert method in reply.headers["access-control-allow-methods"]


def test_star_headers_allow_any() -> None:
    reply = client({"allow_origins": [ORIGIN], "allow_headers": ["*"]}).options(
        "/items", headers=preflight_headers(method="GET", headers="x-anything,authorization"))
    assert reply.status_code == 204
    assert reply.headers["access-control-allow-headers"] == "x-anything,authorization"


def test_star_origins_without_credentials() -> None:
    reply = client({"allow_origins": ["*"]}).get("/items", headers={"Origin": EVIL})
    assert reply.headers["access-control-allow-origin"] == "*"


def test_regex_is_full_matched() -> None:
    options = {"allow_origin_regex": r"https://[a-z0-9-]+\.example\.com"}
    test_client = client(options)
    assert test_client.get("/items", headers={"Origin": OTHER}).headers[
        "access-control-allow-origin"] == OTHER
    for origin in ("https://other.example.com.evil.net", "https://example.com"):
        assert cors_names(test_client.get("/items", headers={"Origin": origin}).headers) == set()


def test_other_policy_options_as_keywords() -> None:
    test_client = client({"allow_origin_func": lambda origin: origin == OTHER})
    assert test_client.get("/items", headers={"Origin": OTHER}).headers[
        "access-control-allow-origin"] == OTHER


# -- what Starlette accepts and wsgicors refuses ----------------------------------------

@pytest.mark.parametrize(("options", "expected"), [
    ({"allow_origins": ["*"], "allow_credentials": True}, ("star-credentials", "allow_origins")),
    ({"allow_origin_regex": r"https://.*example\.com"}, ("regex-unproven", "allow_origin_regex")),
    ({"allow_origin_regex": "https://app.example.com"}, ("regex-unproven", "allow_origin_regex")),
    ({"allow_origins": ["https://app.example.com/"]}, ("origin-not-serialized", "allow_origins")),
    ({"allow_origins": [ORIGIN], "max_age": -1}, ("max-age-range", "max_age")),
])
def test_insecure_or_ineffective_configuration_is_a_config_error(
    options: dict[str, Any], expected: tuple[str, str]
) -> None:
    with pytest.raises(ConfigError) as error:
        CORSMiddleware(Site().starlette(), **options)
    assert expected in problems(error)
    StarletteCORS(Site().starlette(), **options)  # Starlette takes every one of them


def test_unknown_option_is_a_config_error_with_a_suggestion() -> None:
    with pytest.raises(ConfigError) as error:
        CORSMiddleware(Site().starlette(), allow_origins=[ORIGIN], allow_origin_fun=bool)
    assert problems(error) == [("unknown-option", "allow_origin_fun")]
    assert "allow_origin_func" in str(error.value)


def test_error_raised_when_starlette_builds_the_stack() -> None:
    app = Site().starlette([Middleware(CORSMiddleware, allow_origins=["*"],
                                       allow_credentials=True)])
    with pytest.raises(ConfigError):
        TestClient(app).get("/items")


@pytest.mark.parametrize("framework", ["starlette", "fastapi"])
def test_error_fails_the_lifespan_start_up(framework: str) -> None:
    """Issue 20 item 8: the stack is built with the lifespan start-up; the error fails
    it (lifespan.startup.failed), so servers stop there instead of serving 500s."""
    if framework == "fastapi":
        app: Any = FastAPI()
        app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
    else:
        app = Site().starlette([Middleware(CORSMiddleware, allow_origins=["*"],
                                           allow_credentials=True)])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    with pytest.raises(ConfigError):
        asyncio.run(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
                        receive, send))
    [failed] = sent
    assert failed["type"] == "lifespan.startup.failed"
    assert failed["message"].startswith("1 problem in the CORS configuration:")
    with pytest.raises(ConfigError), TestClient(app):
        pass


def test_nothing_configured_is_an_error() -> None:
    with pytest.raises(ConfigError) as error:
        CORSMiddleware(Site().starlette())
    assert problems(error) == [("no-policy", "policy")]


def test_policy_and_options_together_is_an_error() -> None:
    with pytest.raises(ConfigError) as error:
        CORSMiddleware(Site().starlette(), allow_origins=[OTHER],
                       policy=CORSPolicy(allow_origins=[ORIGIN]))
    assert problems(error) == [("policy-and-options", "policy")]


# -- policy= and paths= ---------------------------------------------------------------

def test_policy_keyword_and_positional() -> None:
    policy = CORSPolicy(allow_origins=[ORIGIN], allow_methods=["PUT"], max_age=None)
    for app in (CORSMiddleware(Site().starlette(), policy=policy),
                CORSMiddleware(Site().starlette(), policy)):
        reply = TestClient(app).options("/items", headers=preflight_headers())
        assert reply.status_code == 204
        # The policy's own defaults, not Starlette's.
        assert "access-control-max-age" not in reply.headers


def test_paths() -> None:
    public = CORSPolicy(allow_origins="*")
    app = CORSMiddleware(Site().starlette(), allow_origins=[ORIGIN],
                         paths={"/api/*": public, "/admin/*": None})
    test_client = TestClient(app)
    assert test_client.get("/api/items", headers={"Origin": EVIL}).headers[
        "access-control-allow-origin"] == "*"
    admin = test_client.get("/admin/items", headers={"Origin": ORIGIN})
    assert cors_names(admin.headers) == set()
    assert "vary" not in admin.headers  # CORS off there: untouched
    assert test_client.get("/items", headers={"Origin": ORIGIN}).headers[
        "access-control-allow-origin"] == ORIGIN


def test_paths_match_below_the_root_path() -> None:
    app = CORSMiddleware(Site().starlette(), paths={"/api/*": CORSPolicy(allow_origins="*")})
    test_client = TestClient(app, root_path="/mounted")
    reply = test_client.get("/api/items", headers={"Origin": EVIL})
    assert reply.headers["access-control-allow-origin"] == "*"


def test_reconfigure_swaps_the_configuration() -> None:
    app = CORSMiddleware(Site().starlette(), allow_origins=[ORIGIN])
    test_client = TestClient(app)
    app.reconfigure(allow_origins=[OTHER])
    assert cors_names(test_client.get("/items", headers={"Origin": ORIGIN}).headers) == set()
    assert test_client.get("/items", headers={"Origin": OTHER}).headers[
        "access-control-allow-origin"] == OTHER
    with pytest.raises(ConfigError):
        app.reconfigure(allow_origins=["*"], allow_credentials=True)
    assert test_client.get("/items", headers={"Origin": OTHER}).status_code == 200


# -- drop-in: the same answers as Starlette where both are right -----------------------

DROP_IN = {"allow_origins": [ORIGIN], "allow_methods": ["GET", "PUT"],
           "allow_headers": ["x-request-id"], "allow_credentials": True,
           "expose_headers": ["X-Total"]}


@pytest.mark.parametrize(("method", "headers"), [
    ("GET", {"Origin": ORIGIN}),
    ("GET", {"Origin": EVIL}),
    ("POST", {"Origin": ORIGIN, "Content-Type": "text/plain"}),
    ("OPTIONS", preflight_headers(headers="x-request-id,content-type")),
    ("OPTIONS", preflight_headers(origin=EVIL)),
    ("OPTIONS", preflight_headers(method="DELETE")),
])
def test_same_browser_verdict_as_starlette(method: str, headers: dict[str, str]) -> None:
    ours = client(DROP_IN).request(method, "/items", headers=headers)
    theirs = client(DROP_IN, StarletteCORS).request(method, "/items", headers=headers)
    # Starlette's refusals carry CORS headers (a 400 preflight with Allow-Origin, ACAC
    # on refused origins); a browser judges the status and Allow-Origin together.
    assert browser_allows(ours, headers["Origin"]) == browser_allows(theirs, headers["Origin"])


def browser_allows(reply: Any, origin: str) -> bool:
    """The CORS check of the Fetch standard for a credentialed request."""
    return (reply.is_success and reply.headers.get("access-control-allow-origin") == origin
            and reply.headers.get("access-control-allow-credentials") == "true")


# -- found from outside: explain(), the doctor's find_target, wsgicors explain ---------

def test_explain_accepts_the_middleware() -> None:
    app = CORSMiddleware(Site().starlette(), allow_origins=[ORIGIN],
                         paths={re.compile(r"/admin/.*"): None})
    assert explain(app, origin=ORIGIN).allowed
    refused = explain(app, origin=EVIL, method="OPTIONS", request_method="PUT")
    assert (refused.kind, refused.status, refused.option) == ("preflight", 403, "allow_origins")
    assert explain(app, origin=ORIGIN, path="/admin/x").code == "path-not-covered"


@pytest.mark.parametrize("style", ["add_middleware", "middleware=", "wrapped"])
def test_find_target_in_a_fastapi_or_starlette_app(style: str) -> None:
    app = fastapi_app(style)
    target = find_target(app)
    assert target is not None
    assert isinstance(target.found, CORSMiddleware)
    assert explain(target, origin=ORIGIN, path="/items").allowed
    assert not explain(target, origin=EVIL, path="/items").allowed
    if style != "wrapped":
        assert app.middleware_stack is None  # built to look, not installed


def test_find_target_ignores_starlettes_own_cors_middleware() -> None:
    app = FastAPI()
    app.add_middleware(StarletteCORS, allow_origins=[ORIGIN])
    assert find_target(app) is None


def test_find_target_reports_an_invalid_configuration() -> None:
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
    with pytest.raises(ConfigError):
        find_target(app)


APP_MODULE = """
from fastapi import FastAPI
from wsgicors.asgi import CORSMiddleware

app = FastAPI()


@app.get("/items")
def items():
    return []


app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"],
                   allow_methods=["GET", "PUT"])

wrapped = CORSMiddleware(FastAPI(), allow_origins="*", allow_methods="*")
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The module name of a FastAPI project written to disk, importable once."""
    (tmp_path / "asgi_cors_project.py").write_text(APP_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "asgi_cors_project"
    sys.modules.pop("asgi_cors_project", None)


@pytest.mark.parametrize(("origin", "method", "status", "verdicts"), [
    (ORIGIN, "PUT", 0, [("preflight", True), ("actual", True)]),
    (EVIL, "GET", 1, [("actual", False)]),
    (ORIGIN, "DELETE", 1, [("preflight", False), ("actual", True)]),
])
def test_explain_command_on_a_fastapi_module(
    project: str, capsys: pytest.CaptureFixture[str],
    origin: str, method: str, status: int, verdicts: list[tuple[str, bool]],
) -> None:
    code = main(["explain", "--config", f"{project}:app", "--path", "/items",
                 "--origin", origin, "--method", method, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == status
    assert data["methods"] == ["GET", "PUT"]
    assert data["max_age"] == 600
    assert [(d["kind"], d["allowed"]) for d in data["decisions"]] == verdicts


@pytest.mark.parametrize(("app", "origin", "method", "status"), [
    ("app", ORIGIN, "PUT", 0), ("app", EVIL, "GET", 1), ("app", ORIGIN, "DELETE", 1),
    ("wrapped", ORIGIN, "PUT", 0),
])
def test_check_command_calls_an_asgi_app_in_process(
    project: str, capsys: pytest.CaptureFixture[str],
    app: str, origin: str, method: str, status: int,
) -> None:
    code = main(["check", "--app", f"{project}:{app}", "/items",
                 "--origin", origin, "--method", method, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == status
    assert report["verdict"] == ("allowed" if status == 0 else "blocked")
    # The preflight was answered by the middleware, in process.
    first = report["exchanges"][0]
    assert (first["kind"], first["status"]) == (
        ("preflight", 204 if status == 0 else 403) if method != "GET" else ("actual", 200))


def fastapi_app(style: str) -> Any:
    options = {"allow_origins": [ORIGIN]}
    if style == "wrapped":
        return CORSMiddleware(FastAPI(), **options)
    if style == "middleware=":
        return FastAPI(middleware=[Middleware(CORSMiddleware, **options)])
    app = FastAPI()
    app.add_middleware(CORSMiddleware, **options)
    return app


def test_find_target_sees_through_wrappers() -> None:
    app = CORSMiddleware(Site().starlette(), allow_origins=[ORIGIN])

    class Outer:
        def __init__(self, app: Any) -> None:
            self.app = app

    target = find_target(Outer(app))
    assert target is not None
    assert target.found is app
    assert target.match("/items")[0] is app.routes.default


# -- issue 21: Starlette's literal wildcards, warnings, every problem at once -----------

def test_starlettes_literal_wildcards_are_named_in_a_start_up_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Starlette compared 'https://*.trailmix.dev' as text: it never matched. Live here,
    it widens what the app allows, so the migration says so."""
    test_client = client({"allow_origins": ["http://localhost:3000", "https://*.trailmix.dev"]})
    with caplog.at_level("WARNING", logger="wsgicors"):
        reply = test_client.get("/items", headers={"Origin": "https://app.trailmix.dev"})
        test_client.get("/items", headers={"Origin": "https://app.trailmix.dev"})
    lines = [r.getMessage() for r in caplog.records if r.name == "wsgicors"]
    assert lines == [
        "CORS configuration: allow_origins: 'https://*.trailmix.dev' never matched under "
        "Starlette's CORSMiddleware, which compares origins as text; wsgicors reads it as a "
        "pattern (every subdomain, or every port), so origins Starlette refused are now "
        "allowed. Fix: keep it if you meant those origins, or remove it to allow only what "
        "Starlette allowed."]  # once: when Starlette builds the stack
    assert reply.headers["access-control-allow-origin"] == "https://app.trailmix.dev"


def test_no_literal_wildcard_warning_for_star_or_a_policy(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("WARNING", logger="wsgicors"):
        CORSMiddleware(Site().starlette(), allow_origins=("https://a.example",))
        CORSMiddleware(Site().starlette(),
                       policy=CORSPolicy(allow_origins=["https://*.example.com"]))
    assert [r for r in caplog.records if r.name == "wsgicors"] == []


def test_a_refused_literal_wildcard_can_simply_be_removed() -> None:
    with pytest.raises(ConfigError) as error:
        CORSMiddleware(Site().starlette(), allow_credentials=True,
                       allow_origins=["https://proxima-web.vercel.app", "https://*.vercel.app"])
    [problem] = error.value.problems
    assert problem.code == "origin-public-suffix"
    assert problem.hint.startswith("remove 'https://*.vercel.app', or ")
    assert "never matched it" in problem.message
    CORSMiddleware(Site().starlette(), allow_credentials=True,
                   allow_origins=["https://proxima-web.vercel.app"])


def test_an_unknown_keyword_is_reported_with_every_other_problem() -> None:
    with pytest.raises(ConfigError) as error:
        CORSMiddleware(Site().starlette(), allow_origins=["*"], allow_credential=True,
                       max_age=-1)
    assert sorted(problems(error)) == [("max-age-range", "max_age"),
                                       ("star-credentials", "allow_origins"),
                                       ("unknown-option", "allow_credential")]


@pytest.mark.parametrize(("options", "code"), [
    ({"allow_origins": ["https://a.example"], "allow_headers": ["Origin", "Cookie"]},
     "header-forbidden"),
    ({"allow_origins": ["null", "https://a.example"]}, "origin-null"),
    ({"allow_origins": ["https://a.example", "*"]}, "origin-star-mixed"),
    ({"allow_origins": ["*"], "allow_origin_regex": r"https://.*\.trailmix\.dev"},
     "star-redundant"),
])
def test_what_starlette_took_without_effect_starts_with_a_warning(
    options: dict[str, Any], code: str, caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("WARNING", logger="wsgicors"):
        reply = client(options).get("/items", headers={"Origin": "https://a.example"})
    assert reply.status_code == 200
    assert [r for r in caplog.records if r.name == "wsgicors" and r.levelname == "WARNING"]
