"""The extension behind real WSGI servers on 127.0.0.1, spoken to over raw HTTP."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import waitress
from flask import Flask, abort, request
from werkzeug.serving import make_server

from tests.flask.support import ALLOWED, OTHER, PARTNER, make_app
from tests.support.servers import in_thread
from wsgicors_flask import CORS, cross_origin

pytestmark = pytest.mark.server


def build_app() -> Flask:
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.before_request
    def auth() -> None:
        if request.path.startswith("/api/") and "Authorization" not in request.headers:
            abort(401)

    @app.route("/special", methods=["PUT"])
    @cross_origin(origins=[PARTNER], methods=["PUT"], max_age=120)
    async def special() -> str:
        return "special"

    CORS(app, origins=[ALLOWED], supports_credentials=True, expose_headers=["X-Request-Id"])
    return app


@pytest.fixture(scope="module", params=["werkzeug", "waitress"])
def port(request: pytest.FixtureRequest) -> Iterator[int]:
    app = build_app()
    if request.param == "werkzeug":
        with in_thread(make_server("127.0.0.1", 0, app, threaded=True)) as bound:
            yield bound
        return
    server: Any = waitress.create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield server.effective_port
    server.close()
    thread.join(timeout=10)


def fetch(port: int, method: str, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_preflight_passes_the_auth_hook_and_the_401_is_readable(port: int) -> None:
    pre = fetch(port, "OPTIONS", "/api/items", {
        "Origin": ALLOWED, "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert pre.status == 204
    assert pre.getheader("Access-Control-Allow-Origin") == ALLOWED
    assert pre.getheader("Access-Control-Allow-Credentials") == "true"
    actual = fetch(port, "PUT", "/api/items", {"Origin": ALLOWED})
    assert actual.status == 401
    assert actual.getheader("Access-Control-Allow-Origin") == ALLOWED
    assert actual.getheader("Access-Control-Expose-Headers") == "x-request-id"


def test_refusals_over_the_wire(port: int) -> None:
    pre = fetch(port, "OPTIONS", "/api/items", {
        "Origin": OTHER, "Access-Control-Request-Method": "PUT"})
    assert pre.status == 403
    assert pre.getheader("Access-Control-Allow-Origin") is None
    actual = fetch(port, "GET", "/nowhere", {"Origin": OTHER})
    assert actual.status == 404
    assert actual.getheader("Access-Control-Allow-Origin") is None
    assert "Origin" in (actual.getheader("Vary") or "")


def test_async_decorated_view_over_the_wire(port: int) -> None:
    pre = fetch(port, "OPTIONS", "/special", {
        "Origin": PARTNER, "Access-Control-Request-Method": "PUT"})
    assert pre.status == 204
    assert pre.getheader("Access-Control-Max-Age") == "120"
    actual = fetch(port, "PUT", "/special", {"Origin": PARTNER})
    assert actual.status == 200
    assert actual.getheader("Access-Control-Allow-Origin") == PARTNER
