"""In-process checks (``--app``), fixes in wsgicors's terms, ``explain --config``, and
the browser rules judging wsgicors's own responses."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from wsgicors import CORSMiddleware, CORSPolicy
from wsgicors.cli import main
from wsgicors.doctor import WSGITransport, check
from wsgicors.toolbase.targets import find_target

ORIGIN = "https://app.example.com"

APP_MODULE = '''
from flask import Flask
from wsgicors import CORSMiddleware, CORSPolicy
from wsgicors_flask import CORS

policy = CORSPolicy(allow_origins=["https://app.example.com"], allow_methods=["GET", "PUT"],
                    allow_headers=["content-type"], max_age=600)


def bare(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json"), ("X-Total", "3")])
    return [b"[]"]


application = CORSMiddleware(bare, policy)

flask_app = Flask(__name__)
flask_app.wsgi_app = CORSMiddleware(flask_app.wsgi_app, policy)


@flask_app.route("/api/items", methods=["GET", "PUT"])
def items():
    return {"items": []}


flask_cors_app = Flask("flask_cors_app")
CORS(flask_cors_app, resources={r"/api/*": {
    "origins": ["https://app.example.com"], "methods": ["GET", "PUT"],
    "allow_headers": ["content-type"], "max_age": 600}})


@flask_cors_app.route("/api/items", methods=["GET", "PUT", "DELETE"])
def flask_items():
    return {"items": []}


class Wrapper:
    """Some WSGI middleware put around the Flask app after CORS(app)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


wrapped_flask = Wrapper(flask_cors_app)


def auth_first(environ, start_response):
    """Authentication wrapped around CORS: preflights get 401 before CORS sees them."""
    if "HTTP_AUTHORIZATION" not in environ:
        start_response("401 Unauthorized", [("WWW-Authenticate", "Bearer")])
        return [b"login"]
    return application(environ, start_response)
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A user's project directory with a module ``corsapp``, as the cwd."""
    (tmp_path / "corsapp.py").write_text(textwrap.dedent(APP_MODULE))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("corsapp", None)


def _json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    status = main([*args, "--json"])
    return status, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("target", ["corsapp:application", "corsapp:flask_app"])
def test_app_mode_allowed(target: str, project: Path, capsys: pytest.CaptureFixture[str]
                          ) -> None:
    status, report = _json(["check", "--app", target, "/api/items", "--origin", ORIGIN,
                            "-X", "PUT", "-H", "content-type"], capsys)
    assert status == 0
    assert [e["kind"] for e in report["exchanges"]] == ["preflight", "actual"]
    assert report["browsers"]["chrome"]["preflight_cache_seconds"] == 600
    assert all(decision["allowed"] for decision in report["wsgicors"])


@pytest.mark.parametrize(("app", "args", "setting", "fix"), [
    ("flask_app", ["-X", "PUT", "-H", "authorization"], "allow_headers",
     "add 'authorization' to allow_headers"),
    ("flask_app", ["-X", "DELETE"], "allow_methods", "add 'DELETE' to allow_methods"),
    ("flask_app", ["--origin", "https://evil.example"], "allow_origins",
     "add 'https://evil.example' to allow_origins"),
    # Issue 10, defect 1: wsgicors_flask.CORS apps, in flask-cors's vocabulary.
    ("flask_cors_app", ["-X", "DELETE"], "methods", "add 'DELETE' to methods"),
    ("flask_cors_app", ["-X", "PUT", "-H", "x-api-key"], "allow_headers",
     "add 'x-api-key' to allow_headers"),
    ("wrapped_flask", ["--origin", "https://evil.example"], "origins",
     "add 'https://evil.example' to origins"),
])
def test_app_mode_names_the_option_to_change(
    app: str, args: list[str], setting: str, fix: str, project: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["check", "--app", f"corsapp:{app}", "/api/items"]
    if "--origin" not in args:
        base += ["--origin", ORIGIN]
    status, report = _json([*base, *args], capsys)
    assert status == 1
    refused = [d for d in report["wsgicors"] if not d["allowed"]]
    assert refused[0]["setting"] == setting
    assert any(fix in line for line in report["fixes"]), report["fixes"]


def test_credentials_not_allowed_by_the_policy(project: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    status, report = _json(["check", "--app", "corsapp:application", "/api/items",
                            "--origin", ORIGIN, "--credentials"], capsys)
    assert status == 1
    assert report["browsers"]["chrome"]["code"] == "allow-credentials-not-true"
    assert any("allow_credentials=True" in fix for fix in report["fixes"])


def test_layer_in_front_of_cors_is_blamed(project: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    status, report = _json(["check", "--app", "corsapp:auth_first", "/api/items",
                            "--origin", ORIGIN, "-X", "PUT"], capsys)
    assert status == 1
    assert report["exchanges"][0]["status"] == 401
    assert any("answer them before any authentication" in fix for fix in report["fixes"])


def test_app_errors_are_one_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--app", "corsapp:nothing", "/", "--origin", ORIGIN]) == 2
    assert main(["check", "--app", "no_such_module:app", "/", "--origin", ORIGIN]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "no attribute" in err[0] and "cannot import" in err[1]


def test_explain_config_describes_the_policy(project: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    for spec in ("corsapp:policy", "corsapp:application", "corsapp.py:flask_app", "corsapp"):
        status, data = _json(["explain", "--config", spec], capsys)
        assert status == 0
        assert data["origins"] == [ORIGIN]
        assert data["preflight_cache_seconds"] == {"chrome": 600, "firefox": 600, "safari": 600}
    assert main(["explain", "--config", "corsapp:policy"]) == 0
    out = capsys.readouterr().out
    assert f"Origins: {ORIGIN} (echoed exactly)." in out
    assert "Credentials: not allowed" in out


def test_explain_config_decides_a_request(project: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    status, data = _json(["explain", "--config", "corsapp:policy", "--origin", ORIGIN,
                          "-X", "PATCH"], capsys)
    assert status == 1
    assert data["decisions"][0]["option"] == "allow_methods"
    status, data = _json(["explain", "--config", "corsapp:policy", "--origin", ORIGIN], capsys)
    assert status == 0
    assert ["Access-Control-Allow-Origin", ORIGIN] in data["decisions"][0]["headers"]


@pytest.mark.parametrize("spec", ["corsapp:flask_cors_app", "corsapp:wrapped_flask"])
def test_explain_config_on_a_wsgicors_flask_app(spec: str, project: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 10, defect 1: a Flask app configured with wsgicors_flask.CORS is a target."""
    status, data = _json(["explain", "--config", spec, "--path", "/api/items"], capsys)
    assert status == 0
    assert data["origins"] == [ORIGIN] and data["methods"] == ["GET", "PUT"]
    assert data["preflight_cache_seconds"]["firefox"] == 600
    status, data = _json(["explain", "--config", spec, "--path", "/other"], capsys)
    assert (status, data) == (0, {"covered": False})


def test_credentials_fix_in_flask_cors_words(project: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    status, report = _json(["check", "--app", "corsapp:flask_cors_app", "/api/items",
                            "--origin", ORIGIN, "--credentials"], capsys)
    assert status == 1
    assert any("set supports_credentials=True (with an explicit origins list)" in fix
               for fix in report["fixes"]), report["fixes"]


def test_find_target_looks_through_wrappers() -> None:
    policy = CORSPolicy(allow_origins=[ORIGIN])
    flask_app = Flask(__name__)
    middleware = CORSMiddleware(flask_app.wsgi_app, policy)
    flask_app.wsgi_app = middleware  # type: ignore[method-assign]
    found = find_target(flask_app)
    assert found is not None and found.found is middleware and found.kind == "wsgicors"
    found = find_target(policy)
    assert found is not None and found.match("/anything") == (policy, None)
    assert find_target(Flask("plain")) is None
    assert find_target(object()) is None


# -- wsgicors's answers, judged by the browser rules -----------------------------------

_ALLOWED = ["https://app.example.com", "https://admin.example.com"]
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "patch"]
_HEADERS = ["content-type", "authorization", "x-api-key", "x-trace"]


def _inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


@settings(max_examples=150, deadline=None)
@given(
    origins=st.lists(st.sampled_from(_ALLOWED), min_size=1, unique=True) | st.just("*"),
    methods=st.lists(st.sampled_from(_METHODS[:5]), unique=True) | st.just("*"),
    headers=st.lists(st.sampled_from(_HEADERS), unique=True) | st.just("*"),
    credentials=st.booleans(),
    origin=st.sampled_from([*_ALLOWED, "https://evil.example"]),
    method=st.sampled_from(_METHODS),
    sent=st.lists(st.sampled_from(_HEADERS), unique=True, max_size=3),
    with_credentials=st.booleans(),
)
def test_browsers_accept_what_wsgicors_allows(
    origins: Any, methods: Any, headers: Any, credentials: bool, origin: str, method: str,
    sent: list[str], with_credentials: bool,
) -> None:
    """Whatever the policy, a browser allows a request exactly when wsgicors does."""
    if origins == "*" and credentials:
        origins = list(_ALLOWED)
    policy = CORSPolicy(allow_origins=origins, allow_methods=methods, allow_headers=headers,
                        allow_credentials=credentials)
    app = CORSMiddleware(_inner, policy)
    request_headers = [(name, "application/json" if name == "content-type" else "v")
                       for name in sent]
    report = check(WSGITransport(app), "https://localhost/api", origin=origin, method=method,
                   headers=request_headers, credentials=with_credentials, target=app)
    engine_allows = all(decision.allowed for decision in report.wsgicors)
    needs_credentials = with_credentials and not credentials
    for outcome in report.outcomes.values():
        assert outcome.allowed == (engine_allows and not needs_credentials), (
            outcome.message, report.wsgicors)
