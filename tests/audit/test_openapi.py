"""``wsgicors audit --openapi spec.json --base URL``: every path of a document, on a live server.

The Flask app of tests/audit/wholeapps/flaskapp.py runs under Werkzeug's server on
loopback; its OpenAPI document lists its paths (and one it does not serve).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wsgicors.audit.openapi import openapi_routes
from wsgicors.audit.routes import SAMPLE_UUID
from wsgicors.cli import main

from .loopback import serving

TRUSTED = "https://app.example.com"
_GET = {"get": {"responses": {"200": {"description": "ok"}}}}
DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "whole app", "version": "1"},
    "paths": {
        "/api/me": _GET,
        "/api/items/{item_id}": {
            "parameters": [{"$ref": "#/components/parameters/ItemId"}],
            "get": _GET["get"], "put": _GET["get"]},
        "/orders": {"post": _GET["get"]},
        "/partners/{slug}": {"get": {"parameters": [
            {"name": "slug", "in": "path", "required": True,
             "schema": {"type": "string", "enum": ["acme", "globex"]}}],
            "responses": {}}},
        "/legacy/{record_id}": {"get": {"parameters": [
            {"name": "record_id", "in": "path", "required": True,
             "schema": {"type": "integer", "minimum": 7}}], "responses": {}}},
        "/widget": _GET,
        "/health": _GET,
        "/gone": _GET,
    },
    "components": {"parameters": {"ItemId": {
        "name": "item_id", "in": "path", "required": True,
        "schema": {"$ref": "#/components/schemas/Id"}}},
        "schemas": {"Id": {"type": "integer", "format": "int64"}}},
}


@pytest.fixture(scope="module")
def live_flask_app() -> Iterator[str]:
    from werkzeug.serving import make_server

    from .wholeapps import flaskapp

    with serving(make_server("127.0.0.1", 0, flaskapp.app, threaded=True)) as base:
        yield base


def _spec(tmp_path: Path, document: Any = DOCUMENT) -> str:
    target = tmp_path / "openapi.json"
    target.write_text(json.dumps(document))
    return str(target)


@pytest.mark.server
def test_every_path_of_the_document(live_flask_app: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    spec = _spec(tmp_path)
    status = main(["audit", "--openapi", spec, "--base", live_flask_app, "--origin",
                   TRUSTED, "--json"])
    data = json.loads(capsys.readouterr().out)
    routes = {entry["route"]: entry for entry in data["routes"]}
    assert list(routes) == list(DOCUMENT["paths"])
    wrong = {route: {f["id"] for f in entry["findings"] if f["severity"] != "info"}
             for route, entry in routes.items()}
    assert {route for route, ids in wrong.items() if ids} == {
        "/legacy/{record_id}", "/widget", "/partners/{slug}"}
    assert wrong["/legacy/{record_id}"] == {"prefix-match", "missing-vary-origin"}
    assert routes["/legacy/{record_id}"]["url"] == f"{live_flask_app}/legacy/7"
    assert routes["/api/items/{item_id}"]["url"] == f"{live_flask_app}/api/items/1"
    assert routes["/api/items/{item_id}"]["methods"] == ["GET", "PUT"]
    assert {p["method"] for p in routes["/orders"]["probes"]} == {"OPTIONS"}
    # Over the network the configuration cannot be named: only whether CORS answers.
    assert {r: e["policy"] for r, e in routes.items()} == {
        **dict.fromkeys(routes, "other"), "/health": "none", "/gone": "none"}
    assert data["target"] == f"{spec} at {live_flask_app}"
    assert status == 1


def test_samples_follow_the_schemas() -> None:
    paths: dict[str, Any] = {
        "/a/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "schema": {
            "type": "string", "format": "uuid"}}]}},
        "/b/{flag}/{day}": {"parameters": [
            {"name": "flag", "in": "path", "schema": {"type": "boolean"}},
            {"name": "day", "in": "path", "schema": {"type": "string", "format": "date"}}],
            "delete": {}},
        "/c/{undeclared}/{odd}": {"get": {"parameters": [
            {"name": "odd", "in": "path", "schema": {"enum": ["a b/c"]}}]}},
        "/d/{n}": {"get": {"parameters": [{"name": "n", "in": "path", "schema": {
            "type": "integer", "minimum": 1e300}}]}},
        "not-a-path": {"get": {}},
    }
    routes = {r.pattern: r for r in openapi_routes({"paths": paths})}
    assert routes["/a/{id}"].path == f"/a/{SAMPLE_UUID}"
    assert routes["/b/{flag}/{day}"].path == "/b/true/2024-01-01"
    assert routes["/b/{flag}/{day}"].methods == ("DELETE",)
    assert routes["/b/{flag}/{day}"].method == "DELETE"  # probed with preflights only
    assert routes["/c/{undeclared}/{odd}"].path == "/c/sample/a%20b%2Fc"
    assert routes["/d/{n}"].path == "/d/1"
    assert "not-a-path" not in routes


@pytest.mark.parametrize(("content", "message"), [
    ("openapi: 3.0.0\n", "is not JSON"),
    (json.dumps({"swagger": "2.0", "paths": {}}), "is not an OpenAPI 3 document"),
    (json.dumps({"openapi": "3.0.3"}), "has no 'paths' object"),
])
def test_documents_it_cannot_read(content: str, message: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "spec.json"
    target.write_text(content)
    assert main(["audit", "--openapi", str(target), "--base", "http://127.0.0.1:1",
                 "--origin", TRUSTED]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "message"), [
    (["--openapi", "spec.json"], "--openapi FILE and --base URL go together"),
    (["--base", "http://127.0.0.1:1"], "--openapi FILE and --base URL go together"),
    (["--openapi", "spec.json", "--base", "ftp://x"], "not an http(s) URL"),
    (["--openapi", "spec.json", "--base", "http://x", "http://x/y"], "give no URL or --app"),
    (["--openapi", "/nonexistent/spec.json", "--base", "http://x"], "cannot read"),
])
def test_openapi_arguments(argv: list[str], message: str,
                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", *argv, "--origin", TRUSTED]) == 2
    assert message in capsys.readouterr().err
