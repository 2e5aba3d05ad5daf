"""Every configuration snippet works: pasted into a real application (Flask, Starlette,
a plain WSGI app, a Django project) or served by real nginx and Express, it makes
the browsers allow the requests it was written for, keeps every origin the
application already allowed, and allows no other origin.

The browsers' verdicts come from the doctor's browser model (which the differential
suite holds to the real browsers) over the configured application's real answers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from wsgicors import CORSMiddleware, CORSPolicy
from wsgicors.doctor import HTTPTransport, Report, check
from wsgicors.doctor.transport import Transport, in_process
from wsgicors.toolbase.snippets import (
    STACKS,
    CORSConfig,
    from_options,
    merge,
    origin_regex,
    render,
    render_all,
)

EVIL = "https://evil.example"
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@dataclass(frozen=True)
class Need:
    """A fetch() the configuration must allow."""

    origin: str
    method: str = "GET"
    headers: tuple[str, ...] = ()
    credentials: bool = False
    read: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """What the application allowed before, what it needs now, and who must stay out."""

    name: str
    config: CORSConfig
    needs: tuple[Need, ...]
    #: Origins the application allowed before the fix, which must still work.
    kept: tuple[str, ...] = ()
    refused: tuple[str, ...] = (EVIL,)
    stacks: tuple[str, ...] = STACKS


def _scenario(name: str, existing: CORSConfig | None, *needs: Need, kept: tuple[str, ...] = (),
              refused: tuple[str, ...] = (EVIL,), stacks: tuple[str, ...] = STACKS) -> Scenario:
    config = merge(existing, origins=[n.origin for n in needs],
                   credentials=any(n.credentials for n in needs),
                   methods=[n.method for n in needs],
                   headers=[h for n in needs for h in n.headers],
                   expose_headers=[h for n in needs for h in n.read])
    return Scenario(name, config, needs, kept, refused, stacks)


SPA = "http://localhost:5173"


def is_partner(origin: str) -> bool:
    """An allow_origin_func (the snippets import it by name)."""
    return origin == "https://partner.example"


SCENARIOS = [
    _scenario("fresh-credentialed-json-put", None,
              Need(SPA, "PUT", ("content-type", "authorization", "x-api-key"), True,
                   ("X-Total",))),
    _scenario("fresh-simple-get", None, Need("https://app.example.com")),
    # nginx and Node's HTTP parser answer a lower-case method with 400, whatever the
    # configuration: there the fix is to write PATCH in the script.
    _scenario("fresh-lower-case-patch", None, Need(SPA, "patch", ("x-api-key",)),
              stacks=("wsgicors", "flask", "django", "starlette")),
    _scenario(
        "keeps-patterns-regexes-credentials",
        from_options(CORSPolicy(
            allow_origins=["https://*.example.com", "http://localhost:*"],
            allow_origin_regex=r"https://[a-z]+\.example\.org",
            allow_headers=["x-a"], expose_headers=["X-Page"],
            allow_credentials=True).options),
        Need("https://new.example.net", "DELETE", ("x-b",), True, ("X-Total",)),
        kept=("https://a.b.example.com", "http://localhost:3000", "https://shop.example.org"),
        refused=(EVIL, "https://example.com.evil.example", "https://example.org")),
    _scenario("keeps-an-origin-function",
              from_options(CORSPolicy(allow_origin_func=is_partner).options), Need(SPA),
              kept=("https://partner.example",), stacks=("wsgicors", "flask", "starlette")),
    _scenario("any-origin-stays-any", from_options(CORSPolicy(allow_origins="*").options),
              Need(SPA, "DELETE", ("x-api-key",)), kept=("https://anyone.example",),
              refused=()),
    _scenario("any-origin-becomes-a-list-with-credentials",
              from_options(CORSPolicy(allow_origins="*").options),
              Need(SPA, "GET", ("authorization",), True)),
    _scenario("plain-http-lan-origin-with-credentials", None,
              Need("http://192.168.1.4:3000", "POST", ("content-type",), True)),
]
IDS = [s.name for s in SCENARIOS]


def _allowed(report: Report) -> bool:
    return report.allowed and not report.hidden_headers


def _verify(scenario: Scenario, transport: Transport, url: str) -> None:
    """The scenario's requests pass in every browser; kept origins too; refused fail.

    In process, the URL takes the page's scheme. A real server here is plain http on
    loopback, which WebKit refuses to an https:// page (mixed content) whatever the
    headers: there WebKit's CORS verdict cannot be had, and only the others count.
    """
    for need in scenario.needs:
        headers = [(h, "application/json" if h == "content-type" else "v")
                   for h in need.headers]
        report = check(transport, _on_scheme(url, need.origin), origin=need.origin,
                       method=need.method, headers=headers, credentials=need.credentials)
        assert _cors_allows(report), {b: o.message for b, o in report.outcomes.items()}
        readable = {h.lower() for h in need.read} - set(report.hidden_headers)
        assert readable == {h.lower() for h in need.read}, report.hidden_headers
    for origin in scenario.kept:
        assert _cors_allows(check(transport, _on_scheme(url, origin), origin=origin)), origin
    for origin in scenario.refused:
        assert not _cors_allows(check(transport, _on_scheme(url, origin), origin=origin)), origin


def _on_scheme(url: str, origin: str) -> str:
    """An in-process URL (``http://localhost/...``) on the page's scheme."""
    if url.startswith("http://localhost/") and origin.startswith("https:"):
        return "https" + url.removeprefix("http")
    return url


def _cors_allows(report: Report) -> bool:
    """Every browser allows the request, but for WebKit's mixed-content refusal."""
    return all(o.allowed or (o.failure is not None and o.failure.code == "mixed-content")
               for o in report.outcomes.values())


# -- Python stacks, in process -------------------------------------------------------


def _plain_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "application/json"), ("X-Total", "3"),
                              ("X-Page", "1")])
    return [b"[]"]


def _flask_app() -> Flask:
    app = Flask("snippet_flask")

    @app.route("/api/items", methods=[*METHODS, "patch"])
    def items() -> Response:
        return Response("[]", headers={"X-Total": "3", "X-Page": "1"})

    return app


async def _items(request: Request) -> PlainTextResponse:
    return PlainTextResponse("[]", headers={"X-Total": "3", "X-Page": "1"})


def _starlette_app() -> Starlette:
    return Starlette(routes=[Route("/api/items", _items, methods=[*METHODS, "patch"])])


APPS: dict[str, Callable[[], Any]] = {
    "wsgicors": lambda: _plain_wsgi, "flask": _flask_app, "starlette": _starlette_app,
}


def _run(snippet: str, app: Any) -> Any:
    """Execute *snippet* in a module where ``app`` is *app*; the application to serve."""
    namespace: dict[str, Any] = {"app": app}
    exec(compile(snippet, "<snippet>", "exec"), namespace)
    return namespace["app"]


_PYTHON = [(stack, s) for stack in APPS for s in SCENARIOS if stack in s.stacks]


@pytest.mark.parametrize(("stack", "scenario"), _PYTHON,
                         ids=[f"{stack}-{s.name}" for stack, s in _PYTHON])
def test_python_snippets_work(stack: str, scenario: Scenario) -> None:
    snippet = render(scenario.config, stack)  # type: ignore[arg-type]
    app = _run(snippet, APPS[stack]())
    _verify(scenario, in_process(app), "http://localhost/api/items")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_a_wsgicors_policy_snippet_works(scenario: Scenario) -> None:
    namespace: dict[str, Any] = {}
    exec(render(scenario.config, "wsgicors", app="policy", policy=True), namespace)
    app = CORSMiddleware(_plain_wsgi, namespace["policy"])
    _verify(scenario, in_process(app), "http://localhost/api/items")


@pytest.mark.parametrize("scenario", SCENARIOS[:4], ids=IDS[:4])
def test_starlette_wrapped_whole_works(scenario: Scenario) -> None:
    app = _run(render(scenario.config, "starlette", wrap_whole=True), _starlette_app())
    assert type(app).__module__ == "wsgicors.asgi"
    _verify(scenario, in_process(app), "http://localhost/api/items")


def test_snippets_never_widen() -> None:
    """No stack's snippet allows every origin or echoes request headers unless the
    configuration already did."""
    config = merge(None, origins=[SPA], credentials=True, headers=["x-api-key"])
    for stack, snippet in render_all(config).items():
        assert "*" not in snippet.replace("*INSTALLED_APPS", "").replace("*MIDDLEWARE", ""), \
            stack
        assert SPA in snippet
    assert 'allowedHeaders: []' in render(merge(None, origins=[SPA]), "express")


def test_merge_keeps_what_the_application_needs() -> None:
    existing = from_options(CORSPolicy(allow_origins=["https://app.example.com"],
                                       allow_headers=["x-a"], allow_methods=["GET", "PUT"],
                                       expose_headers=["X-Page"], allow_credentials=True,
                                       max_age=120).options)
    merged = merge(existing, origins=[SPA], methods=["POST", "DELETE"], headers=["X-B"])
    assert merged.origins == ("https://app.example.com", SPA)
    assert merged.credentials and merged.max_age == 120
    assert merged.methods == ("GET", "PUT", "DELETE")
    assert merged.headers == ("x-a", "x-b")
    assert merge(existing, expose_headers=["X-PAGE", "X-Total"]).expose_headers == (
        "x-page", "X-Total")
    assert merge(None, origins=[SPA]).max_age == 600


def test_origin_regex_matches_exactly_what_wsgicors_allows() -> None:
    import re

    config = CORSConfig(origins=("https://*.example.com", "http://localhost:*",
                                 "https://app.example.net"),
                        origin_regexes=(r"https://[a-z]+\.example\.org",))
    pattern = re.compile(origin_regex(config) or "")
    policy = CORSPolicy(allow_origins=list(config.origins),
                        allow_origin_regex=list(config.origin_regexes))
    for origin in ("https://a.example.com", "https://a.b.example.com", "https://example.com",
                   "http://localhost", "http://localhost:8080", "https://app.example.net",
                   "https://appXexample.net", "https://shop.example.org", "https://example.org",
                   "https://a.example.com.evil.example"):
        assert bool(pattern.fullmatch(origin)) == (policy.lookup(origin) is not None), origin


# -- Django, in a project of its own ----------------------------------------------------

BASE_SETTINGS = '''
SECRET_KEY = "snippet-tests-only"
DEBUG = True
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = []
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
DATABASES = {}
USE_TZ = True
'''
URLS = '''
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def items(request):
    response = HttpResponse("[]")
    response["X-Total"] = "3"
    response["X-Page"] = "1"
    return response


urlpatterns = [path("api/items/", items)]
'''


@contextmanager
def _django_project(settings: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="wsgicors-snippet-django-") as tmp:
        root = Path(tmp)
        (root / "mysite").mkdir()
        (root / "mysite" / "__init__.py").write_text("")
        (root / "mysite" / "settings.py").write_text(settings)
        (root / "mysite" / "urls.py").write_text(textwrap.dedent(URLS))
        yield root


def _doctor(root: Path, need: Need) -> dict[str, Any]:
    args = [sys.executable, "-m", "wsgicors", "check", "--django-settings", "mysite.settings",
            "/api/items/", "--origin", need.origin, "-X", need.method, "--json"]
    for name in need.headers:
        args += ["-H", name]
    if need.credentials:
        args.append("--credentials")
    for name in need.read:
        args += ["--read-header", name]
    done = subprocess.run(args, cwd=root, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode in (0, 1), done.stderr
    return dict(json.loads(done.stdout))


_DJANGO = [s for s in SCENARIOS if s.name in ("fresh-credentialed-json-put",
                                               "keeps-patterns-regexes-credentials")]


@pytest.mark.slow
@pytest.mark.parametrize("scenario", _DJANGO, ids=[s.name for s in _DJANGO])
def test_django_snippet_works(scenario: Scenario) -> None:
    snippet = render(scenario.config, "django")
    with _django_project(textwrap.dedent(BASE_SETTINGS) + snippet) as root:
        for need in scenario.needs:
            report = _doctor(root, need)
            assert report["verdict"] == "allowed", report["browsers"]
            assert report["unreadable_headers"] == [], report["unreadable_headers"]
        for origin in scenario.kept:
            assert _doctor(root, Need(origin))["verdict"] == "allowed", origin
        for origin in scenario.refused:
            assert _doctor(root, Need(origin))["verdict"] == "blocked", origin


INSTALLED = """
INSTALLED_APPS = ["wsgicors_django"]
MIDDLEWARE = ["wsgicors_django.middleware.CorsMiddleware", *MIDDLEWARE]
CORS_ALLOWED_ORIGINS = ["https://admin.example.com"]
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_HEADERS = ["x-api-key"]
"""


@pytest.mark.slow
@pytest.mark.parametrize("installed", [False, True], ids=["without", "with-wsgicors-django"])
def test_the_doctors_django_fix_round_trip(installed: bool) -> None:
    """``check --django-settings``: the snippet the doctor prints, appended to settings.py,
    makes the request pass (and keeps the project's own origins)."""
    settings = textwrap.dedent(BASE_SETTINGS) + (INSTALLED if installed else "")
    need = Need(SPA, "PUT", ("content-type", "x-trace"), True, ("X-Total",))
    with _django_project(settings) as root:
        report = _doctor(root, need)
        assert report["verdict"] == "blocked"
        assert report["stack"] == {"name": "django", "source": "from --django-settings",
                                   "guessed": False}
        snippet = report["fix"]["config"]["snippet"]
        assert ("INSTALLED_APPS" in snippet) is not installed
        (root / "mysite" / "settings.py").write_text(settings + snippet)
        after = _doctor(root, need)
        assert after["verdict"] == "allowed" and not after["unreadable_headers"], after
        if installed:
            assert _doctor(root, Need("https://admin.example.com"))["verdict"] == "allowed"
            assert f'CORS_ALLOWED_ORIGINS = ["https://admin.example.com", "{SPA}"]' in snippet


# -- nginx and Express, really served --------------------------------------------------


def _for(stack: str) -> Any:
    chosen = [s for s in SCENARIOS if stack in s.stacks]
    return pytest.mark.parametrize("scenario", chosen, ids=[s.name for s in chosen])


@pytest.mark.server
@_for("nginx")
def test_nginx_snippet_works(scenario: Scenario) -> None:
    from tests.audit.servers import Unavailable, nginx

    server_block = render(scenario.config, "nginx").replace(
        "# proxy_pass http://127.0.0.1:8000;  (what this location already does)",
        'add_header X-Total 3 always;\n    add_header X-Page 1 always;\n'
        '    return 200 "[]\\n";')
    try:
        with nginx(("", server_block)) as server:
            _verify(scenario, HTTPTransport(5), server.url + "/api/items")
    except Unavailable as exc:
        pytest.skip(str(exc))


EXPRESS_APP = """
const express = require("express");
const app = express();
{snippet}
app.all("/api/items", (req, res) => {{
  res.set("X-Total", "3").set("X-Page", "1").type("application/json").send("[]");
}});
app.listen(Number(process.env.PORT), "127.0.0.1");
"""


@pytest.mark.server
@_for("express")
def test_express_snippet_works(scenario: Scenario, tmp_path: Path) -> None:
    from tests.audit.servers import Unavailable, node_modules
    from tests.support.servers import free_port, spawn

    try:
        modules = node_modules()
    except Unavailable as exc:
        pytest.skip(str(exc))
    script = tmp_path / "app.js"
    script.write_text(EXPRESS_APP.format(snippet=render(scenario.config, "express")))
    port = free_port()
    env = {**os.environ, "NODE_PATH": str(modules), "PORT": str(port)}
    with spawn("express", "snippet", ["node", str(script)], port, env=env, cwd=tmp_path,
               log=tmp_path / "server.log") as server:
        _verify(scenario, HTTPTransport(5), server.url + "/api/items")
