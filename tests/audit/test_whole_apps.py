"""``wsgicors audit --app`` without URLs: every route of a real Flask, Django and FastAPI app.

Each app (tests/audit/wholeapps) mixes wsgicors with a peer route by route; the
audit must name exactly the misconfigured routes, with their findings, and say
which configuration answers each route. Django runs in a subprocess: a process
configures Django's settings once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import python_env
from wsgicors.cli import main

TRUSTED = "https://app.example.com"


def _findings(entry: dict[str, Any]) -> dict[str, str]:
    return {f["id"]: f["severity"] for f in entry["findings"] if f["severity"] != "info"}


def _check(data: dict[str, Any], module: Any) -> None:
    routes = {entry["route"]: entry for entry in data["routes"]}
    assert {r: e["error"] for r, e in routes.items() if e["error"]} == {}
    wrong = {route: _findings(entry) for route, entry in routes.items() if _findings(entry)}
    assert wrong == module.MISCONFIGURED
    assert {route: routes[route]["policy"] for route in module.POLICIES} == module.POLICIES
    for entry in routes.values():
        assert entry["requests"] <= 60 and entry["url"].startswith("http://localhost/")


def _run_json(spec: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, Any]:
    status = main(["audit", "--app", spec, "--origin", TRUSTED, "--json", *extra])
    return status, json.loads(capsys.readouterr().out)


def test_flask_app_with_wsgicors_flask_and_flask_cors(
        capsys: pytest.CaptureFixture[str]) -> None:
    from .wholeapps import flaskapp

    status, data = _run_json("tests.audit.wholeapps.flaskapp:app", capsys)
    _check(data, flaskapp)
    routes = {entry["route"]: entry for entry in data["routes"]}
    assert routes["/api/items/<int:item_id>"]["url"] == "http://localhost/api/items/1"
    assert routes["/api/items/<int:item_id>"]["methods"] == ["GET", "PUT"]
    # A POST-only route is probed with preflights for POST, never with a POST.
    assert {p["method"] for p in routes["/orders"]["probes"]} == {"OPTIONS"}
    assert data["target"] == "app tests.audit.wholeapps.flaskapp:app"
    assert data["requests"] == sum(e["requests"] for e in data["routes"])
    assert status == 1


def test_flask_app_behind_a_wrapper(capsys: pytest.CaptureFixture[str]) -> None:
    """The app is found through a WSGI wrapper around it, and the wrapper's own policy
    (a wsgicors CORSMiddleware outside Flask) is named for the paths it covers."""
    _status, data = _run_json("tests.audit.test_whole_apps:wrapped_flask", capsys)
    routes = {entry["route"]: entry["policy"] for entry in data["routes"]}
    assert routes["/health"] == "wsgicors"
    assert routes["/api/me"] == "wsgicors"  # the wrapper and wsgicors_flask: one name
    assert routes["/widget"] == "wsgicors + flask-cors"


def test_fastapi_app_with_wsgicors_asgi_and_starlette(
        capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("fastapi")
    from .wholeapps import fastapiapp

    status, data = _run_json("tests.audit.wholeapps.fastapiapp:app", capsys)
    _check(data, fastapiapp)
    routes = {entry["route"]: entry for entry in data["routes"]}
    assert routes["/api/items/{item_id:int}"]["url"] == "http://localhost/api/items/1"
    assert routes["/api/orders"]["methods"] == ["POST"]
    assert routes["/assets/{path:path}"]["url"] == "http://localhost/assets/sample/path"
    assert "/ws" not in routes  # a WebSocket route: CORS does not apply
    assert status == 1


def test_django_project_with_wsgicors_django_and_django_cors_headers() -> None:
    from .wholeapps import djangoexpected as expected

    done = subprocess.run(
        [sys.executable, "-m", "wsgicors", "audit", "--app",
         "tests.audit.wholeapps.djangourls:application", "--origin", TRUSTED, "--json"],
        capture_output=True, text=True, timeout=120,
        env=python_env(DJANGO_SETTINGS_MODULE="tests.audit.wholeapps.djangosettings"))
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    _check(data, expected)
    routes = {entry["route"]: entry for entry in data["routes"]}
    assert routes["/api/items/<int:pk>/"]["methods"] == ["GET", "PUT"]
    assert routes["/api/me/"]["methods"] == []  # a function view decides for itself
    # A regex route gets a sample its group accepts: Django resolves the path to it.
    assert routes["/reports/(?P<year>[0-9]{4})/"]["url"] == "http://localhost/reports/2024/"


def test_text_is_a_table_then_the_details(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["audit", "--app", "tests.audit.wholeapps.flaskapp:app", "--origin",
                   TRUSTED, "--color", "never"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Audit of app tests.audit.wholeapps.flaskapp:app for "
                               "https://app.example.com: 8 routes, ")
    assert lines[1].split() == ["ROUTE", "METHODS", "POLICY", "FINDINGS"]
    row = next(line for line in lines if line.startswith("/legacy/<int:record_id>"))
    assert row.split()[1:3] == ["GET", "flask-cors"] and "high prefix-match" in row
    assert "Route /legacy/<int:record_id> (flask-cors):" in lines
    assert "Route /api/me (wsgicors):" not in lines  # info only: in the table and --json
    assert lines[-1] == ("Result: 5 of 8 routes with findings: 3 high, 0 medium, 3 low, "
                         "2 info (failing on low and above)")
    assert status == 1


def test_sarif_one_result_per_route_and_finding_with_stable_fingerprints(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs = []
    for attempt in range(2):  # a new random attacker domain each time
        target = tmp_path / f"run{attempt}.sarif"
        main(["audit", "--app", "tests.audit.wholeapps.flaskapp:app", "--origin", TRUSTED,
              "--sarif", str(target)])
        capsys.readouterr()
        runs.append(json.loads(target.read_text())["runs"][0]["results"])
    first, second = runs
    pairs = [(r["properties"]["route"], r["ruleId"]) for r in first]
    assert len(pairs) == len(set(pairs))
    assert {route for route, _rule in pairs} == {"/legacy/<int:record_id>", "/widget",
                                                "/partners/<slug>", "/api/me",
                                                "/api/items/<int:item_id>"}
    assert [r["partialFingerprints"] for r in first] == [r["partialFingerprints"]
                                                        for r in second]
    assert first[0]["message"]["text"].startswith(f"{first[0]['properties']['route']} (")


def test_a_bare_wsgi_app_is_audited_at_slash(capsys: pytest.CaptureFixture[str]) -> None:
    """No framework router to list: the audit falls back to one URL, /, as before."""
    status = main(["audit", "--app", "tests.audit.apps:right", "--origin", TRUSTED, "--json"])
    assert json.loads(capsys.readouterr().out)["url"] == "http://localhost/"
    assert status == 0


def _wrapped() -> Any:
    from wsgicors import CORSMiddleware

    from .wholeapps import flaskapp

    return CORSMiddleware(flaskapp.app, allow_origins=[TRUSTED],
                          paths={"/legacy/*": None, "/partners/*": None})


wrapped_flask = _wrapped()
