"""Through real servers on 127.0.0.1: gunicorn (WSGI) and uvicorn (ASGI).

Each server is a subprocess running the test project with its own sqlite file, so
the check_request_enabled receiver really queries a database in the server process.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.servers import free_port, python_env, spawn

pytestmark = pytest.mark.server

APP = "https://app.example.com"
TENANT = "https://tenant.example.org"
EVIL = "https://evil.example.net"
COMMANDS = {
    "gunicorn": ["-m", "gunicorn", "-w", "1", "-k", "sync", "--log-level", "warning",
                 "-b", "127.0.0.1:{port}", "tests.django.server_app:wsgi"],
    "uvicorn": ["-m", "uvicorn", "--log-level", "warning", "--host", "127.0.0.1",
                "--port", "{port}", "tests.django.server_app:asgi"],
}


@contextlib.contextmanager
def start(kind: str, tmp: Path, **env: str) -> Iterator[str]:
    """The test project under *kind* with its own sqlite file in *tmp*; yields its URL."""
    port = free_port()
    environ = python_env(DJANGO_SETTINGS_MODULE="tests.django.settings",
                         DJCORS_DB=str(tmp / f"{kind}.sqlite3"), **env)
    command = [sys.executable, *(part.format(port=port) for part in COMMANDS[kind])]
    with spawn(kind, "django", command, port, env=environ, log=tmp / f"{kind}.log") as server:
        yield server.url


@pytest.fixture(scope="module", params=sorted(COMMANDS))
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with start(request.param, tmp_path_factory.mktemp(request.param)) as base:
        yield base


def get(url: str, origin: str | None = None, method: str = "GET", **headers: str) -> httpx.Response:
    sent = dict(headers)
    if origin is not None:
        sent["Origin"] = origin
    return httpx.request(method, url, headers=sent, timeout=10)


def preflight(url: str, origin: str, method: str = "PUT") -> httpx.Response:
    return get(url, origin, "OPTIONS", **{"Access-Control-Request-Method": method,
                                          "Access-Control-Request-Headers": "content-type"})


@pytest.mark.parametrize("path", ["/api/items/", "/api/async/"])
def test_actual_requests(server, path):
    allowed = get(server + path, APP)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == APP
    assert allowed.headers["vary"] == "Origin"
    denied = get(server + path, EVIL)
    assert "access-control-allow-origin" not in denied.headers
    assert denied.headers["vary"] == "Origin"


def test_preflights(server):
    allowed = preflight(server + "/api/async/", APP)
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == APP
    assert "PUT" in allowed.headers["access-control-allow-methods"]
    refused = preflight(server + "/api/async/", EVIL)
    assert refused.status_code == 403
    assert not [name for name in refused.headers if name.startswith("access-control-")]


def test_error_responses_get_headers(server):
    for path, status in (("/nowhere/", 404), ("/api/boom/", 500), ("/api/denied/", 403),
                         ("/api/items", 301)):
        response = get(server + path, APP)
        assert response.status_code == status, path
        assert response.headers["access-control-allow-origin"] == APP, path


def test_signal_receiver_with_database_query(server):
    response = get(server + "/api/async/", TENANT)
    assert response.headers.get("access-control-allow-origin") == TENANT
    assert preflight(server + "/api/items/", TENANT).status_code == 204


def test_decorated_views(server):
    partner = "https://partner.example"
    response = get(server + "/partner/async/", partner)
    assert response.headers["access-control-allow-origin"] == partner
    assert "access-control-allow-origin" not in get(server + "/partner/async/", APP).headers


def test_urls_regex_matches_path_info_under_script_name(tmp_path):
    """gunicorn's SCRIPT_NAME mounts the project under /mounted."""
    env = {"SCRIPT_NAME": "/mounted", "DJCORS_URLS_REGEX": r"^/api/.*$"}
    with start("gunicorn", tmp_path, **env) as base:
        inside = get(base + "/mounted/api/items/", APP)
        assert inside.status_code == 200
        assert inside.headers["access-control-allow-origin"] == APP
        outside = get(base + "/mounted/other/", APP)
        assert outside.status_code == 200
        assert "access-control-allow-origin" not in outside.headers
