"""``wsgicors check``'s whole fix: the Fix section and the ``fix`` object, the user's stack
(from ``--app``, ``--django-settings``, ``--config`` or guessed), a live API kept safe
(``--preflight-only``, ``--data``), ``--read-header``, and cookies across sites."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wsgicors.cli import main
from wsgicors.doctor import HTTPTransport, WSGITransport, check
from wsgicors.doctor.cookies import cross_site_cookie_warning, site_of
from wsgicors.doctor.transport import in_process
from wsgicors.toolbase.snippets import STACKS

from . import rawserver
from .rawserver import Request

SPA = "http://localhost:5173"

APP_MODULE = '''
from flask import Flask, jsonify
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from wsgicors.asgi import CORSMiddleware
from wsgicors_flask import CORS

plain = Flask("plain")


@plain.route("/api/items", methods=["GET", "POST", "PUT"])
def items():
    return jsonify([]), 200, {"X-Total-Count": "0"}


configured = Flask("configured")
CORS(configured, origins=["https://admin.example.com"], methods=["GET", "PUT"],
     allow_headers=["x-api-key"], supports_credentials=True)


@configured.route("/api/items", methods=["GET", "PUT"])
def configured_items():
    return jsonify([])


from wsgicors import CORSMiddleware as WSGICORS, CORSPolicy


def bare(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b"[]"]


application = WSGICORS(bare, CORSPolicy(allow_origins=["https://admin.example.com"],
                                        allow_credentials=True))


async def boom(request):
    raise RuntimeError("the database is down")


async def fine(request):
    return PlainTextResponse("ok")


inside = Starlette(routes=[Route("/boom", boom), Route("/fine", fine)], middleware=[
    Middleware(CORSMiddleware, allow_origins=["http://localhost:5173"])])
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "fixapp.py").write_text(textwrap.dedent(APP_MODULE))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("fixapp", None)


def _json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    status = main([*args, "--json"])
    return status, json.loads(capsys.readouterr().out)


def _text(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main([*args, "--color", "never"])
    return status, capsys.readouterr().out


CREDENTIALED_POST = ["/api/items", "--origin", SPA, "-X", "POST", "-H", "content-type",
                     "-H", "authorization", "--credentials", "--read-header", "X-Total-Count"]


def test_plain_flask_app_gets_the_whole_fix_at_once(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, report = _json(["check", "--app", "fixapp:plain", *CREDENTIALED_POST], capsys)
    assert status == 1
    fix = report["fix"]
    assert set(fix) == {"preflight", "actual", "config", "alternatives"}
    assert fix["preflight"] == [
        ["Access-Control-Allow-Origin", SPA], ["Access-Control-Allow-Credentials", "true"],
        ["Access-Control-Allow-Headers", "authorization, content-type"],
        ["Access-Control-Max-Age", "600"]]
    assert fix["actual"] == [
        ["Access-Control-Allow-Origin", SPA], ["Access-Control-Allow-Credentials", "true"],
        ["Access-Control-Expose-Headers", "X-Total-Count"], ["Vary", "Origin"]]
    assert fix["config"]["stack"] == "flask"
    snippet = fix["config"]["snippet"]
    assert "CORS(\n    plain,\n" in snippet and "supports_credentials=True" in snippet
    assert f'origins=["{SPA}"]' in snippet
    assert 'allow_headers=["authorization", "content-type"]' in snippet
    assert set(fix["alternatives"]) == set(STACKS) - {"flask"}
    assert report["stack"] == {"name": "flask", "source": "from --app", "guessed": False}
    # Every rule that fails, once each: origin, credentials, headers (and nothing else).
    assert len(report["fixes"]) == 3, report["fixes"]
    assert "Access-Control-Allow-Origin is missing on the preflight" in report["fixes"][0]


def test_the_printed_snippet_makes_the_app_work(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _status, report = _json(["check", "--app", "fixapp:plain", *CREDENTIALED_POST], capsys)
    import fixapp  # type: ignore[import-not-found]

    namespace = {"plain": fixapp.plain}
    exec(report["fix"]["config"]["snippet"], namespace)
    after = check(WSGITransport(fixapp.plain), "http://localhost/api/items", origin=SPA,
                  method="POST", headers=[("Content-Type", "application/json"),
                                          ("Authorization", "Bearer t")],
                  credentials=True, read_headers=["X-Total-Count"])
    assert after.allowed and not after.unreadable
    assert not after.fixes and not after.fix.preflight  # type: ignore[union-attr]


def test_text_output_has_one_fix_section(project: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _text(["check", "--app", "fixapp:plain", *CREDENTIALED_POST], capsys)
    assert status == 1
    assert out.count("Fix:") == 1
    section = out[out.index("Fix:"):]
    assert section.index("Send on the preflight (OPTIONS) response") < section.index(
        "Send on the POST response") < section.index("Configuration for Flask")
    assert "    Access-Control-Allow-Headers: authorization, content-type" in section
    assert "Configuration for Flask (wsgicors_flask), from --app:" in section
    assert "        supports_credentials=True," in section
    lines = [line for line in section.splitlines() if line.startswith("  - ")]
    assert len(lines) == len(set(lines)) == 3


def test_a_configured_app_keeps_its_options(project: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """wsgicors_flask already in place: the fix is the configuration, restated whole,
    with the origin and header added and the credentials kept."""
    status, report = _json(["check", "--app", "fixapp:configured", "/api/items",
                            "--origin", SPA, "-X", "PUT", "-H", "x-trace"], capsys)
    assert status == 1
    snippet = report["fix"]["config"]["snippet"]
    assert f'origins=["https://admin.example.com", "{SPA}"]' in snippet
    assert "supports_credentials=True" in snippet
    assert 'allow_headers=["x-api-key", "x-trace"]' in snippet
    assert 'methods=["GET", "PUT"]' in snippet
    # One line per rule, in the app's words: origin refused, header refused.
    assert [line.split(":")[0] for line in report["fixes"]] == ["wsgicors", "wsgicors"]
    assert "add 'http://localhost:5173' to origins" in report["fixes"][0]


def test_a_wsgicors_middleware_gets_its_policy_restated(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, report = _json(["check", "--app", "fixapp:application", "/api/items",
                            "--origin", SPA, "-X", "PUT", "--credentials"], capsys)
    assert status == 1
    snippet = report["fix"]["config"]["snippet"]
    assert "policy = CORSPolicy(" in snippet and "CORSMiddleware" not in snippet
    import fixapp

    namespace: dict[str, Any] = {}
    exec(snippet, namespace)
    fixed = fixapp.WSGICORS(fixapp.bare, namespace["policy"])
    for origin in (SPA, "https://admin.example.com"):
        # The API on the page's scheme: WebKit blocks http:// from an https:// page.
        url = origin.partition(":")[0] + "://localhost/api/items"
        assert check(WSGITransport(fixed), url, origin=origin, method="PUT",
                     credentials=True).allowed


def test_starlette_500_gets_the_wrap_the_whole_app_remedy(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, report = _json(["check", "--app", "fixapp:inside", "/boom", "--origin", SPA],
                           capsys)
    assert status == 1
    assert report["exchanges"][0]["status"] == 500
    assert any("ServerErrorMiddleware" in line for line in report["fixes"])
    assert not any("error responses too" in line for line in report["fixes"])
    snippet = report["fix"]["config"]["snippet"]
    assert report["fix"]["config"]["stack"] == "starlette"
    assert "inside = CORSMiddleware(\n    inside,\n" in snippet
    assert ".add_middleware(" not in snippet and "allow_headers" not in snippet
    import fixapp

    namespace = {"inside": fixapp.inside}
    exec(snippet, namespace)
    after = check(in_process(namespace["inside"]), "http://localhost/boom", origin=SPA)
    assert after.exchanges[0].response.status == 500 and after.allowed


# -- the stack, guessed from the server -----------------------------------------------


@pytest.fixture
def raw() -> Iterator[tuple[rawserver.RawServer, dict[str, bytes]]]:
    """A raw server answering each path with the bytes in the dict (default 404)."""
    answers: dict[str, bytes] = {}

    def script(request: Request) -> bytes:
        return answers.get(request.path, rawserver.response("404 Not Found"))

    with rawserver.serve(script) as server:
        yield server, answers


@pytest.mark.parametrize(("line", "stack"), [
    ("Server: nginx/1.22.1", "nginx"), ("X-Powered-By: Express", "express"),
    ("Server: Werkzeug/3.1.3 Python/3.11.2", "flask"), ("Server: uvicorn", "starlette"),
    ("Server: gunicorn", "wsgicors"), ("X-Other: 1", "wsgicors"),
])
def test_stack_is_guessed_from_the_response(
        line: str, stack: str, raw: tuple[rawserver.RawServer, dict[str, bytes]],
        capsys: pytest.CaptureFixture[str]) -> None:
    server, answers = raw
    answers["/data"] = rawserver.response("200 OK", line, "Content-Length: 0")
    status, report = _json(["check", f"http://127.0.0.1:{server.port}/data",
                            "--origin", SPA], capsys)
    assert status == 1
    assert report["fix"]["config"]["stack"] == stack
    assert report["stack"]["guessed"] is True
    expected = line.split(":", 1)[0] if stack != "wsgicors" or "gunicorn" in line else ""
    assert expected in report["stack"]["source"]
    assert report["fix"]["config"]["snippet"]


def test_every_failing_rule_is_named(raw: tuple[rawserver.RawServer, dict[str, bytes]],
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The browsers stop at the origin; the fix names the header rule too."""
    server, answers = raw
    answers["/data"] = rawserver.response(
        "204 No Content", "Access-Control-Allow-Origin: https://other.example",
        "Access-Control-Allow-Methods: GET, PUT", "Access-Control-Allow-Headers: x-a")
    status, report = _json(["check", f"http://127.0.0.1:{server.port}/data", "--origin",
                            SPA, "-X", "PUT", "-H", "x-api-key", "--preflight-only"], capsys)
    assert status == 1
    assert {b["code"] for b in report["browsers"].values()} == {"allow-origin-mismatch"}
    assert any("Access-Control-Allow-Origin" in f for f in report["fixes"])
    assert any("must list x-api-key" in f for f in report["fixes"])
    assert ["Access-Control-Allow-Headers", "x-a, x-api-key"] in report["fix"]["preflight"]
    assert ["Access-Control-Allow-Methods", "GET, PUT"] in report["fix"]["preflight"]


# -- safe against a live API ---------------------------------------------------------


@pytest.fixture
def logged() -> Iterator[tuple[int, list[Request]]]:
    """A server that allows SPA everything and logs what it gets."""
    log: list[Request] = []

    def script(request: Request) -> bytes:
        log.append(request)
        return rawserver.response(
            "204 No Content" if request.method == "OPTIONS" else "200 OK",
            f"Access-Control-Allow-Origin: {SPA}", "Access-Control-Allow-Methods: PUT, DELETE",
            "Access-Control-Allow-Headers: content-type", "Vary: Origin", "Content-Length: 0")

    with rawserver.serve(script) as server:
        yield server.port, log


def test_preflight_only_never_sends_the_request(logged: tuple[int, list[Request]],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    port, log = logged
    url = f"http://127.0.0.1:{port}/items/1"
    status, out = _text(["check", url, "--origin", SPA, "-X", "DELETE", "--preflight-only"],
                        capsys)
    assert status == 0
    assert [r.method for r in log] == ["OPTIONS"]
    assert "--preflight-only: the DELETE request itself was not sent" in out
    assert "< 200 (actual, not sent: predicted from the preflight)" in out
    log.clear()
    status, report = _json(["check", url, "--origin", SPA, "--preflight-only"], capsys)
    assert status == 0 and [r.method for r in log] == ["OPTIONS"]
    assert [e["sent"] for e in report["exchanges"]] == [True, False]


def test_a_real_request_is_sent_with_its_body_and_said_so(
        logged: tuple[int, list[Request]], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    port, log = logged
    url = f"http://127.0.0.1:{port}/items/1"
    status, out = _text(["check", url, "--origin", SPA, "-X", "PUT", "-H", "content-type",
                         "--data", '{"done": true}'], capsys)
    assert status == 0
    assert [r.method for r in log] == ["OPTIONS", "PUT"]
    assert log[1].body == b'{"done": true}'
    assert f"this check sent a real PUT request to {url}" in out
    body = tmp_path / "body.txt"
    body.write_bytes(b"plain text")
    log.clear()
    status, report = _json(["check", url, "--origin", SPA, "-X", "POST", "--data-file",
                            str(body)], capsys)
    assert [(r.method, r.body) for r in log] == [("POST", b"plain text")]
    assert ["Content-Type", "text/plain;charset=UTF-8"] in report["request"]["headers"]
    assert report["notes"] and report["preflight"]["needed"] is False


def test_body_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "http://127.0.0.1:9/", "--origin", SPA, "--data", "x"]) == 2
    assert "fetch() refuses a body with GET" in capsys.readouterr().err
    assert main(["check", "http://127.0.0.1:9/", "--origin", SPA, "-X", "POST",
                 "--data-file", "/nonexistent/body"]) == 2
    assert "--data-file: cannot read" in capsys.readouterr().err
    assert main(["check", "http://127.0.0.1:9/", "--origin", SPA, "--preflight-only",
                 "--browser", "chromium"]) == 2
    assert "--preflight-only" in capsys.readouterr().err


def test_read_header_must_be_exposed(logged: tuple[int, list[Request]],
                                     capsys: pytest.CaptureFixture[str]) -> None:
    port, _log = logged
    url = f"http://127.0.0.1:{port}/items"
    status, report = _json(["check", url, "--origin", SPA, "--read-header", "X-Total",
                            "--read-header", "Content-Type"], capsys)
    assert status == 1 and report["verdict"] == "allowed"
    assert report["unreadable_headers"] == ["X-Total"]
    assert ["Access-Control-Expose-Headers", "X-Total"] in report["fix"]["actual"]
    assert report["fixes"] == ["Access-Control-Expose-Headers must list X-Total on the "
                               "response: the script reads them and cannot."]


# -- cookies across sites -----------------------------------------------------------------


def test_sites_follow_the_public_suffix_list() -> None:
    assert site_of("https://app.example.com") == site_of("https://api.example.com:8443/x")
    assert site_of("https://a.github.io") != site_of("https://b.github.io")
    assert site_of("http://example.com") != site_of("https://example.com")
    assert site_of("http://127.0.0.1:8000") == "http://127.0.0.1"
    assert site_of("http://[::1]:3000") == "http://[::1]"
    assert site_of("http://localhost:5173") == site_of("http://localhost:8000")


@pytest.mark.parametrize(("origin", "url", "credentials", "warned"), [
    ("https://app.example.com", "https://api.example.com/x", True, False),
    ("https://app.example.com", "https://api.example.net/x", True, True),
    ("https://app.example.com", "https://api.example.net/x", False, False),
    ("http://localhost:5173", "http://127.0.0.1:8000/x", True, True),
    ("https://a.github.io", "https://b.github.io/x", True, True),
    ("null", "https://api.example.net/x", True, False),
])
def test_cross_site_credentials_warn(origin: str, url: str, credentials: bool,
                                     warned: bool) -> None:
    warning = cross_site_cookie_warning(origin, url, credentials)
    assert (warning is not None) == warned
    if warning is not None:
        assert "Safari" in warning and "Total Cookie Protection" in warning
        assert "SameSite=None; Secure; Partitioned" in warning


def test_cookie_warning_in_the_report(logged: tuple[int, list[Request]],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    port, _log = logged
    url = f"http://127.0.0.1:{port}/items"
    report = check(HTTPTransport(5), url, origin=SPA, credentials=True)
    assert not report.allowed  # no Access-Control-Allow-Credentials
    assert report.warnings and "localhost for both" in report.warnings[0]
    _status, out = _text(["check", url, "--origin", SPA, "--credentials"], capsys)
    assert "Warning: cookies: the page (http://localhost) and the API " \
           "(http://127.0.0.1) are different sites" in out


def test_config_names_the_options_of_a_server_on_the_network(
        raw: tuple[rawserver.RawServer, dict[str, bytes]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``--config`` with a URL: the answers come over the network, the words from the
    configuration (here its policy refuses the origin the server refused)."""
    (tmp_path / "corsconf.py").write_text(
        "from wsgicors import CORSPolicy\n"
        "policy = CORSPolicy(allow_origins=['https://admin.example.com'], "
        "allow_headers=['x-api-key'], max_age=300)\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    server, answers = raw
    answers["/data"] = rawserver.response("200 OK", "Server: gunicorn", "Content-Length: 0")
    status, report = _json(["check", f"http://127.0.0.1:{server.port}/data", "--origin", SPA,
                            "--config", "corsconf:policy"], capsys)
    sys.modules.pop("corsconf", None)
    assert status == 1
    assert report["stack"] == {"name": "wsgicors", "source": "from --config",
                               "guessed": False}
    assert "add 'http://localhost:5173' to allow_origins" in report["fixes"][0]
    snippet = report["fix"]["config"]["snippet"]
    assert f'allow_origins=["https://admin.example.com", "{SPA}"]' in snippet
    assert 'allow_headers=["x-api-key"]' in snippet and "max_age=300" in snippet
    assert snippet.startswith("# In place of the CORS configuration the application has "
                              "now:\nfrom wsgicors import CORSPolicy\n\npolicy = CORSPolicy(\n")
