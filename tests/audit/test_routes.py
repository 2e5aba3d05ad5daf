"""Routes listed from the frameworks' routers, with samples their converters accept, and
the CORS configuration answering each (without sending a request)."""

from __future__ import annotations

import uuid
from typing import Any

import flask
import flask_cors
import pytest
from werkzeug.routing import BaseConverter

import wsgicors_flask
from wsgicors.audit.layers import Layers
from wsgicors.audit.routes import SAMPLE_UUID, Route, app_routes, find_application


class _Hex(BaseConverter):
    """A custom converter: hex digits only."""

    regex = "[0-9a-f]+"


def _flask_paths(app: flask.Flask) -> dict[str, str]:
    found = find_application(app)
    assert found is not None and found.framework == "flask"
    return {route.pattern: route.path for route in app_routes(found)}


def test_flask_samples_of_every_converter() -> None:
    app = flask.Flask("routes", static_folder=None)
    app.url_map.converters["hex"] = _Hex
    for rule in ("/i/<int:n>", "/m/<int(min=5):n>", "/f/<float:x>", "/u/<uuid:id>",
                 "/p/<path:rest>", "/a/<any(red, blue):colour>", "/s/<name>", "/h/<hex:h>"):
        app.add_url_rule(rule, rule, lambda **kwargs: "")
    assert _flask_paths(app) == {
        "/i/<int:n>": "/i/1", "/m/<int(min=5):n>": "/m/5", "/f/<float:x>": "/f/1.0",
        "/u/<uuid:id>": f"/u/{SAMPLE_UUID}", "/p/<path:rest>": "/p/sample/path",
        "/a/<any(red, blue):colour>": "/a/blue", "/s/<name>": "/s/sample",
        "/h/<hex:h>": "/h/1",
    }


def test_starlette_samples_and_mounts() -> None:
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Router
    from starlette.routing import Route as StarletteRoute

    async def view(request: Any) -> PlainTextResponse:
        return PlainTextResponse("")

    app = Starlette(routes=[
        StarletteRoute("/f/{x:float}", view), StarletteRoute("/u/{id:uuid}", view),
        StarletteRoute("/p/{rest:path}", view, methods=["POST"]),
        Mount("/v1", routes=[StarletteRoute("/items/{n:int}", view)]),
        Mount("/plain", app=Router(routes=[StarletteRoute("/x", view)])),
    ])
    found = find_application(app)
    assert found is not None and found.framework == "starlette"
    routes = {r.pattern: r for r in app_routes(found)}
    assert {p: r.path for p, r in routes.items()} == {
        "/f/{x:float}": "/f/1", "/u/{id:uuid}": f"/u/{uuid.UUID(SAMPLE_UUID)}",
        "/p/{rest:path}": "/p/sample/path", "/v1/items/{n:int}": "/v1/items/1",
        "/plain/x": "/plain/x"}
    assert routes["/p/{rest:path}"].methods == ("POST",)
    assert routes["/f/{x:float}"].methods == ("GET",)  # HEAD goes without saying


def test_no_framework_no_routes() -> None:
    assert find_application(lambda environ, start_response: []) is None


def _answering(app: Any, path: str, endpoint: str | None = None) -> list[str]:
    found = find_application(app)
    assert found is not None
    return list(Layers(found).answering(Route(path, path, ("GET",), endpoint)))


def test_flask_layers_blueprints_resources_and_decorators() -> None:
    app = flask.Flask("layers", static_folder=None)
    ours = flask.Blueprint("ours", __name__, url_prefix="/ours")
    wsgicors_flask.CORS(ours, origins=["https://app.example.com"])
    ours.add_url_rule("/x", "x", lambda: "")
    app.register_blueprint(ours)
    theirs = flask.Blueprint("theirs", __name__, url_prefix="/theirs")
    flask_cors.CORS(theirs, origins=["https://app.example.com"])
    theirs.add_url_rule("/y", "y", lambda: "")
    app.register_blueprint(theirs)
    flask_cors.CORS(app, resources={r"/legacy/*": {"origins": "https://app.example.com"}})
    app.add_url_rule("/legacy/z", "z", lambda: "")
    app.add_url_rule("/none", "none", lambda: "")
    decorated = wsgicors_flask.cross_origin(origins=["https://app.example.com"])(lambda: "")
    app.add_url_rule("/decorated", "decorated", decorated)
    assert _answering(app, "/ours/x", "ours.x") == ["wsgicors"]
    assert _answering(app, "/theirs/y", "theirs.y") == ["flask-cors"]
    assert _answering(app, "/legacy/z", "z") == ["flask-cors"]
    assert _answering(app, "/decorated", "decorated") == ["wsgicors"]
    assert _answering(app, "/none", "none") == []
