"""The audit's fix works: applied as printed, it closes the hole and keeps the app working.

For each stack a credentialed application with a hole (tests/audit/fixapps.py, Django
projects, nginx and Express servers) is audited; the whole corrected configuration
the audit prints for that stack is applied (executed for the Python stacks, appended
to settings.py for Django, served by nginx and Express), and then:

* the audit finds nothing at ``--fail-on low`` (exit status 0);
* the trusted origin still reads with credentials, sends the method and request
  header the application allowed and reads the header it exposed (the doctor's
  browser model over the fixed application's real answers), and so does any other
  origin the configuration listed that was no hole.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import free_port, python_env, spawn
from wsgicors import CORSMiddleware
from wsgicors.audit.configs import Configured
from wsgicors.audit.findings import Result
from wsgicors.audit.fixes import corrected, observed
from wsgicors.audit.probes import Probe
from wsgicors.cli import main
from wsgicors.doctor import HTTPTransport, check
from wsgicors.doctor.transport import Transport, in_process
from wsgicors.toolbase.snippets import ALL_STACKS, CORSConfig, render

from . import fixapps, servers
from .fixapps import OTHER, TRUSTED

PATH = "/api/items"
ATTACKER = "https://attackerexample.com"


def _audit(spec: str, url: str, capsys: pytest.CaptureFixture[str],
           *extra: str) -> tuple[int, dict[str, Any]]:
    args = ["audit", url, "--origin", TRUSTED, "--json", *extra]
    if spec:
        args[1:1] = ["--app", spec]
    status = main(args)
    return status, json.loads(capsys.readouterr().out)


def _fix(data: dict[str, Any]) -> dict[str, Any]:
    """The whole corrected configuration of a finding at low or above."""
    serious = [f for f in data["findings"] if f["severity"] != "info"]
    assert serious, data["findings"]
    fixes = {json.dumps(f["fix"]["configuration"], sort_keys=True) for f in data["findings"]
             if f["fix"]["configuration"] is not None}
    assert len(fixes) == 1  # one configuration fixes every finding of the URL
    return dict(serious[0]["fix"]["configuration"])


def _works(transport: Transport, url: str, origin: str, method: str = "PUT",
           header: str = "X-Api-Key", read: tuple[str, ...] = ("X-Total",)) -> None:
    """*origin*'s page still sends *method* with *header* and credentials, and reads.

    An in-process app is reached on the page's scheme: WebKit refuses even
    ``http://localhost`` from an ``https://`` page (mixed content)."""
    if origin.startswith("https://") and url.startswith("http://localhost"):
        url = "https" + url[len("http"):]
    report = check(transport, url, origin=origin, method=method, headers=[(header, "k")],
                   credentials=True, read_headers=read)
    # Real nginx and Express serve plain http on loopback, which WebKit refuses to an
    # https:// page whatever the headers: there only the other engines' verdicts count.
    assert all(o.allowed or (o.failure is not None and o.failure.code == "mixed-content")
               for o in report.outcomes.values()), {
        b: o.message for b, o in report.outcomes.items()}
    assert any(o.allowed for o in report.outcomes.values())
    assert report.unreadable == []


# -- the Python stacks, in process --------------------------------------------------

#: fixapps attribute -> (the stack its fix is written for, OTHER kept or not).
PYTHON = {
    "wsgicors_app": ("wsgicors", True), "flask_app": ("flask", True),
    "starlette_app": ("starlette", True), "flask_cors_app": ("flask-cors", True),
    "flask_cors_one_app": ("flask-cors", False), "starlette_cors_app": ("starlette-cors", False),
}


def _apply(name: str, stack: str, fix: dict[str, Any]) -> Any:
    """The application without CORS, with the snippet executed as its module would."""
    bare = fixapps.bare(stack)
    namespace: dict[str, Any] = {name: bare}
    exec(compile(fix["snippet"], "<fix>", "exec"), namespace)
    if "policy" in namespace:  # the CORSPolicy the middleware serves
        return CORSMiddleware(bare, namespace["policy"])
    return namespace[name]


@pytest.mark.parametrize("name", list(PYTHON))
def test_python_fix_applied_closes_the_hole_and_keeps_the_app(
        name: str, capsys: pytest.CaptureFixture[str]) -> None:
    stack, other_kept = PYTHON[name]
    status, data = _audit(f"tests.audit.fixapps:{name}", PATH, capsys)
    assert status == 1
    fix = _fix(data)
    assert (fix["stack"], fix["guessed"]) == (stack, False)
    assert fix["config"]["credentials"] is True
    assert set(fix["alternatives"]) == set(ALL_STACKS) - {stack}
    fixapps.FIXED = _apply(name, stack, fix)
    status, after = _audit("tests.audit.fixapps:FIXED", PATH, capsys)
    assert [f["id"] for f in after["findings"] if f["severity"] != "info"] == []
    assert status == 0
    transport, url = in_process(fixapps.FIXED), f"http://localhost{PATH}"
    _works(transport, url, TRUSTED)
    if other_kept:
        _works(transport, url, OTHER)
    assert not check(transport, url, origin=ATTACKER, credentials=True).allowed


def test_the_text_prints_the_whole_configuration(capsys: pytest.CaptureFixture[str]) -> None:
    _status, data = _audit("tests.audit.fixapps:flask_cors_app", PATH, capsys)
    fix = _fix(data)
    main(["audit", "--app", "tests.audit.fixapps:flask_cors_app", PATH, "--origin", TRUSTED,
          "--color", "never"])
    out = capsys.readouterr().out
    assert "Fix: the whole corrected configuration for Flask (flask-cors), from --app" in out
    assert "\n".join(f"    {line}" if line else "" for line in fix["snippet"].splitlines()) \
        in out
    assert "supports_credentials=True" in fix["snippet"]
    assert out.count("    fix: ") == len(data["findings"])


def test_sarif_results_carry_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "cors.sarif"
    main(["audit", "--app", "tests.audit.fixapps:flask_app", PATH, "--origin", TRUSTED,
          "--sarif", str(target)])
    capsys.readouterr()
    [result] = json.loads(target.read_text())["runs"][0]["results"]
    text = result["message"]["text"]
    assert "The whole corrected configuration for Flask (wsgicors_flask)" in text
    assert f'origins=["{OTHER}", "{TRUSTED}"]' in text and "supports_credentials=True" in text
    assert result["properties"]["fix"]["stack"] == "flask"


PATTERNS = CORSConfig(
    origins=("https://*.example.com", "http://localhost:*", OTHER),
    origin_regexes=(r"https://[a-z]+\.example\.org",), credentials=True,
    methods=("GET", "PUT"), headers=("x-api-key",), expose_headers=("X-Total",))


@pytest.mark.parametrize("stack", ["flask-cors", "starlette-cors"])
def test_peer_snippets_keep_patterns_and_anchor_them(stack: str) -> None:
    """Subdomain and port patterns and regexes, written for a library that matches at
    the start (flask-cors) or takes one regex (Starlette): what they allowed still
    passes, and an attacker's domain after an allowed one does not."""
    snippet = render(PATTERNS, stack, app="app")  # type: ignore[arg-type]
    namespace: dict[str, Any] = {"app": fixapps.bare(stack)}
    exec(compile(snippet, "<snippet>", "exec"), namespace)
    transport, url = in_process(namespace["app"]), f"http://localhost{PATH}"
    for origin in ("https://a.b.example.com", "http://localhost:3000",
                   "https://shop.example.org", OTHER):
        _works(transport, url, origin)
    for origin in ("https://shop.example.org.evil.example", "https://a.example.com.evil.example",
                   "http://localhost.evil.example", "https://example.org", ATTACKER):
        assert not check(transport, url, origin=origin, credentials=True).allowed, origin


# -- a configuration that is not the application's whole one ----------------------------

RESOURCES_APP = """
from flask import Flask
from wsgicors_flask import CORS

app = Flask(__name__)
CORS(app, resources={
    "/api/*": {"origins": ["https://app.example.com"], "supports_credentials": True},
%s
})


@app.route("/api/me")
def me():
    return "me"


@app.route("/partners/<slug>", methods=["GET", "PUT"])
def partner(slug):
    return slug
"""
PARTNERS = ('"/partners/*": {"origins": ["https://*.example.com"], '
            '"supports_credentials": True, "methods": ["GET", "PUT"], '
            '"allow_headers": ["x-api-key"]},')
VIEW_APP = """
from flask import Flask
from flask_cors import cross_origin

app = Flask(__name__)
%s

@app.route("/widget", methods=["GET", "PUT"])
%s
def widget():
    return "widget"
"""
WIDGET = ('@cross_origin(origins="*", supports_credentials=True, methods=["GET", "PUT"], '
          'allow_headers=["x-api-key"])')
BLUEPRINT_APP = """
import flask_cors
from flask import Blueprint, Flask

app = Flask(__name__)
legacy = Blueprint("legacy", __name__, url_prefix="/legacy")
%s


@legacy.route("/<int:record_id>", methods=["GET", "PUT"])
def record(record_id):
    return str(record_id)


app.register_blueprint(legacy)
"""
LEGACY = ('flask_cors.CORS(legacy, origins=[r"https://app\\.example\\.com"], '
          'supports_credentials=True, methods=["GET", "PUT"], allow_headers=["x-api-key"])')


MOUNTED_APP = """
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route


async def item(request):
    return PlainTextResponse("item")


legacy = Starlette(routes=[Route("/items/{item_id}", item, methods=["GET", "PUT"])])
%s

app = Starlette(routes=[Mount("/legacy", app=legacy)])
"""
MOUNTED = ('legacy.add_middleware(CORSMiddleware, allow_origins=["*"], '
           'allow_credentials=True, allow_methods=["GET", "PUT"], allow_headers=["x-api-key"])')


def _code(snippet: str) -> str:
    """The snippet without its comment lines on where it goes."""
    return "\n".join(line for line in snippet.splitlines()
                     if not line.startswith(("# In ", "# On the view")))


def _put_resource(snippet: str) -> str:
    return RESOURCES_APP % _code(snippet)


def _put_view(snippet: str) -> str:
    module, _sep, decorator = snippet.partition("# On the view widget")
    return VIEW_APP % (_code(module), decorator.partition("\n")[2])


def _put_blueprint(snippet: str) -> str:
    return BLUEPRINT_APP % _code(snippet)


def _put_mounted(snippet: str) -> str:
    return MOUNTED_APP % _code(snippet)


#: name -> (the app's source, the route with the hole, where its fix goes, its stack,
#: the source's words for the place, a path the trusted origin uses).
PLACES = {
    "wsgicors_flask-resource": (RESOURCES_APP % PARTNERS, "/partners/<slug>", _put_resource,
                                "flask", "the resource '/partners/*'", "/partners/sample"),
    "flask-cors-view": (VIEW_APP % ("", WIDGET), "/widget", _put_view, "flask-cors",
                        "the @cross_origin of the view widget", "/widget"),
    "flask-cors-blueprint": (BLUEPRINT_APP % LEGACY, "/legacy/<int:record_id>",
                             _put_blueprint, "flask-cors",
                             "the CORS() of the blueprint 'legacy'", "/legacy/1"),
    "starlette-cors-mounted": (MOUNTED_APP % MOUNTED, "/legacy/items/{item_id}", _put_mounted,
                               "starlette-cors", "the CORSMiddleware of the application "
                               "mounted at '/legacy'", "/legacy/items/sample"),
}


@pytest.mark.parametrize("name", list(PLACES))
def test_a_fix_for_one_part_of_the_app_goes_there(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The whole-application audit names where the configuration of the faulty route
    is (a view, a resource, a blueprint, a mounted application); put there, the fix
    closes the hole and the other routes keep working."""
    source, route, put, stack, place, path = PLACES[name]
    before = tmp_path / "before.py"
    before.write_text(source)
    main(["audit", "--app", f"{before}:app", "--origin", TRUSTED, "--json"])
    routes = {e["route"]: e for e in json.loads(capsys.readouterr().out)["routes"]}
    fix = _fix(routes[route])
    assert (fix["stack"], fix["source"]) == (stack, f"from --app: {place}")
    after = tmp_path / "after.py"
    after.write_text(put(fix["snippet"]))
    status = main(["audit", "--app", f"{after}:app", "--origin", TRUSTED, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert {e["route"]: [f["id"] for f in e["findings"] if f["severity"] != "info"]
            for e in data["routes"]} == {e["route"]: [] for e in data["routes"]}
    assert status == 0
    from wsgicors.toolbase.loading import import_file

    fixed = in_process(import_file(str(after)).app)
    _works(fixed, f"http://localhost{path}", TRUSTED, read=())
    if name.endswith("resource"):  # the other resource is as it was
        _works(fixed, "http://localhost/api/me", TRUSTED, method="GET", read=())


# -- the corrected configuration ------------------------------------------------------


class _Answer:
    """A response with the given headers."""

    def __init__(self, *headers: tuple[str, str]) -> None:
        self.status = 200
        self.headers = list(headers)

    def get(self, name: str) -> str | None:
        values = self.get_all(name)
        return ", ".join(values) if values else None

    def get_all(self, name: str) -> list[str]:
        return [v for n, v in self.headers if n.lower() == name.lower()]


def _allowed(kind: str, origin: str, *headers: tuple[str, str], method: str | None = None,
             asked: str | None = None) -> Result:
    answer = _Answer(("Access-Control-Allow-Origin", origin), *headers)
    return Result(Probe(kind, origin, TRUSTED, method, asked), (), answer)  # type: ignore[arg-type]


def test_each_entry_that_let_an_attacker_in_is_dropped_and_the_rest_kept() -> None:
    results = [_allowed("control", TRUSTED), _allowed("suffix-match", ATTACKER),
               _allowed("null-origin-allowed", "null"),
               _allowed("insecure-scheme-trusted", "http://app.example.com")]
    config = CORSConfig(
        origins=(OTHER, "null", "http://app.example.com", "https://*.example.org"),
        origin_regexes=(r"https://.*example\.com", r"https://partner\.example\.net"),
        credentials=True, methods=("GET", "PUT"), headers=("x-api-key",),
        expose_headers=("X-Total",), max_age=120)
    fixed = corrected(results, [TRUSTED], Configured(config, prefix_regexes=True))
    assert fixed.origins == (OTHER, "https://*.example.org", TRUSTED)
    assert fixed.origin_regexes == (r"https://partner\.example\.net",)
    assert (fixed.credentials, fixed.methods, fixed.headers, fixed.expose_headers,
            fixed.max_age) == (True, ("GET", "PUT"), ("x-api-key",), ("X-Total",), 120)


def test_a_regex_is_judged_as_its_library_matches_it() -> None:
    """flask-cors's re.match lets the prefix probe past r"https://app\\.example\\.com";
    wsgicors's full match does not."""
    results = [_allowed("prefix-match", "https://app.example.com.evil.example")]
    config = CORSConfig(origin_regexes=(r"https://app\.example\.com",), credentials=True)
    assert corrected(results, [TRUSTED], Configured(config, prefix_regexes=True)
                     ).origin_regexes == ()
    assert corrected(results, [TRUSTED], Configured(config)).origin_regexes == \
        config.origin_regexes


def test_an_origin_function_that_lets_an_attacker_in_is_dropped() -> None:
    config = CORSConfig(origin_func="tests.audit.fixapps.ends_with_example_com",
                        credentials=True)
    attacked = [_allowed("suffix-match", ATTACKER)]
    func = fixapps.ends_with_example_com
    assert corrected(attacked, [TRUSTED], Configured(config, origin_func=func)
                     ).origin_func is None
    kept = corrected([_allowed("null-origin-allowed", "null")], [TRUSTED],
                     Configured(config, origin_func=func))
    assert kept.origin_func == config.origin_func


def test_any_origin_with_credentials_becomes_the_trusted_origins() -> None:
    config = CORSConfig(origins="*", credentials=True)
    assert corrected([], [TRUSTED], Configured(config)).origins == (TRUSTED,)
    public = CORSConfig(origins="*")
    assert corrected([], [TRUSTED], Configured(public)).origins == "*"


def test_what_the_answers_show_is_kept_and_hostile_values_are_not() -> None:
    """A hostile server's list values never reach code users paste: only HTTP tokens."""
    injected = 'x-ok, "); import os; os.system("id"); ("'
    results = [
        _allowed("control", TRUSTED, ("Access-Control-Allow-Credentials", "true"),
                 ("Access-Control-Allow-Methods", "GET, PUT, " + injected),
                 ("Access-Control-Allow-Headers", "X-Api-Key, " + injected),
                 ("Access-Control-Max-Age", "300"), method="PUT", asked="x-wsgicors-audit-t"),
        _allowed("control", TRUSTED, ("Access-Control-Expose-Headers",
                                      "X-Total, x-token\r\nInjected: 1, " + injected)),
    ]
    seen = observed(results)
    assert seen.credentials and seen.max_age == 300
    assert seen.methods == ("GET", "PUT", "x-ok")
    assert seen.headers == ("x-api-key", "x-ok")
    assert seen.expose_headers == ("X-Total", "x-ok")


def test_an_echo_of_the_asked_header_or_method_is_any() -> None:
    results = [
        _allowed("control", TRUSTED, ("Access-Control-Allow-Headers", "x-wsgicors-audit-t"),
                 method="PUT", asked="x-wsgicors-audit-t"),
        _allowed("preflight-any-method", TRUSTED, ("Access-Control-Allow-Methods", "AUDITT"),
                 method="AUDITT", asked="x-wsgicors-audit"),
    ]
    seen = observed(results)
    assert (seen.methods, seen.headers) == ("*", "*")


# -- whole applications ---------------------------------------------------------------


def test_each_route_gets_the_fix_of_its_own_configuration(
        capsys: pytest.CaptureFixture[str]) -> None:
    """A Flask app mixing wsgicors_flask and flask-cors: each misconfigured route's fix
    is written for the library that answers it."""
    main(["audit", "--app", "tests.audit.wholeapps.flaskapp:app", "--origin", TRUSTED,
          "--json"])
    data = json.loads(capsys.readouterr().out)
    stacks = {"wsgicors": "flask", "flask-cors": "flask-cors"}
    seen = set()
    for entry in data["routes"]:
        fixes = [f["fix"]["configuration"] for f in entry["findings"]
                 if f["fix"]["configuration"] is not None]
        if fixes:
            assert fixes[0]["stack"] == stacks[entry["policy"]], entry["route"]
            seen.add(fixes[0]["stack"])
    assert seen == {"flask", "flask-cors"}


# -- Django, in projects of their own --------------------------------------------------

SETTINGS = '''
SECRET_KEY = "fix-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "mysite.urls"
DATABASES = {{}}
USE_TZ = True
INSTALLED_APPS = ["{app}"]
MIDDLEWARE = ["{middleware}", "django.middleware.common.CommonMiddleware"]
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_METHODS = ["GET", "PUT"]
CORS_ALLOW_HEADERS = ["x-api-key"]
CORS_EXPOSE_HEADERS = ["X-Total"]
'''
URLS = '''
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def items(request):
    response = HttpResponse("[]")
    response["X-Total"] = "3"
    return response


urlpatterns = [path("api/items", items)]
'''
WSGI = '''
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
'''
#: stack -> (INSTALLED_APPS entry, middleware, the origin settings with the hole).
DJANGO = {
    "django": ("wsgicors_django", "wsgicors_django.middleware.CorsMiddleware",
               f'CORS_ALLOWED_ORIGINS = ["{OTHER}", "https://*.example.com"]'),
    "django-cors-headers": ("corsheaders", "corsheaders.middleware.CorsMiddleware",
                            f'CORS_ALLOWED_ORIGINS = ["{OTHER}"]\n'
                            'CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://app\\.example\\.com"]'),
}


@contextmanager
def _django_project(settings: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="wsgicors-fix-django-") as tmp:
        project = Path(tmp)
        (project / "mysite").mkdir()
        for name, text in (("__init__", ""), ("settings", settings), ("urls", URLS),
                           ("wsgi", WSGI)):
            (project / "mysite" / f"{name}.py").write_text(textwrap.dedent(text))
        yield project


def _run(project: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "wsgicors", *args, "--json"], cwd=project,
                          capture_output=True, text=True, timeout=120,
                          env=python_env(PYTHONPATH=os.pathsep.join(
                              [str(project), python_env()["PYTHONPATH"]]),
                              PYTHONDONTWRITEBYTECODE="1"))
    assert done.returncode in (0, 1), done.stderr
    return {"status": done.returncode, **json.loads(done.stdout)}


def _django_works(project: Path, origin: str) -> None:
    report = _run(project, "check", "--django-settings", "mysite.settings", PATH,
                  "--origin", origin, "-X", "PUT", "-H", "X-Api-Key", "--credentials",
                  "--read-header", "X-Total")
    assert report["verdict"] == "allowed", report["browsers"]
    assert report["unreadable_headers"] == []


@pytest.mark.slow
@pytest.mark.parametrize("stack", list(DJANGO))
def test_django_fix_appended_to_settings_closes_the_hole(stack: str) -> None:
    app, middleware, origins = DJANGO[stack]
    settings = SETTINGS.format(app=app, middleware=middleware) + origins + "\n"
    with _django_project(settings) as project:
        audit = ["audit", "--app", "mysite.wsgi:application", PATH, "--origin", TRUSTED]
        before = _run(project, *audit)
        assert before["status"] == 1
        fix = _fix(before)
        assert fix["stack"] == stack
        assert "INSTALLED_APPS" not in fix["snippet"]  # installed already: settings only
        (project / "mysite" / "settings.py").write_text(settings + fix["snippet"])
        after = _run(project, *audit)
        assert [f["id"] for f in after["findings"] if f["severity"] != "info"] == []
        assert after["status"] == 0
        _django_works(project, TRUSTED)
        _django_works(project, OTHER)


# -- nginx and Express, really served ---------------------------------------------------

PROXY_PASS = "# proxy_pass http://127.0.0.1:8000;  (what this location already does)"


@pytest.mark.server
def test_nginx_fix_served_closes_the_hole(capsys: pytest.CaptureFixture[str]) -> None:
    """The classic ``add_header ... $http_origin`` with credentials: the fix, guessed
    from ``Server: nginx``, served in its place."""
    try:
        with servers.nginx(servers.NGINX_REFLECT) as running:
            status, data = _audit("", f"{running.url}/data", capsys)
        assert status == 1
        fix = _fix(data)
        assert (fix["stack"], fix["guessed"]) == ("nginx", True)
        block = fix["snippet"].replace(PROXY_PASS, 'add_header X-Total 3 always;\n'
                                                   '    return 200 "data\\n";')
        with servers.nginx(("", block)) as running:
            url = f"{running.url}/data"
            status, after = _audit("", url, capsys)
            assert [f["id"] for f in after["findings"] if f["severity"] != "info"] == []
            assert status == 0
            # What the old configuration allowed: POST, any request header, credentials.
            _works(HTTPTransport(5), url, TRUSTED, method="POST", read=())
    except servers.Unavailable as exc:
        pytest.skip(str(exc))


EXPRESS_APP = """
const express = require("express");
const app = express();
{snippet}
app.all("/data", (req, res) => res.set("X-Total", "3").type("text/plain").send("data\\n"));
app.listen(Number(process.env.PORT), "127.0.0.1");
"""


@pytest.mark.server
def test_express_fix_served_closes_the_hole(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """cors({origin: true, credentials: true}): the fix, guessed from X-Powered-By."""
    try:
        modules = servers.node_modules()
        with servers.express("reflect") as running:
            status, data = _audit("", f"{running.url}/data", capsys)
    except servers.Unavailable as exc:
        pytest.skip(str(exc))
    assert status == 1
    fix = _fix(data)
    assert (fix["stack"], fix["guessed"]) == ("express", True)
    script = tmp_path / "app.js"
    script.write_text(EXPRESS_APP.format(snippet=fix["snippet"]))
    port = free_port()
    env = {**os.environ, "NODE_PATH": str(modules), "PORT": str(port)}
    with spawn("express", "fix", ["node", str(script)], port, env=env, cwd=tmp_path,
               log=tmp_path / "server.log") as running:
        url = f"{running.url}/data"
        status, after = _audit("", url, capsys)
        assert [f["id"] for f in after["findings"] if f["severity"] != "info"] == []
        assert status == 0
        # cors()'s default methods and its echo of the request headers, kept.
        _works(HTTPTransport(5), url, TRUSTED, read=())
