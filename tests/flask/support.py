"""Real Flask apps and request helpers for the wsgicors_flask tests."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, jsonify, redirect, request
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

ALLOWED = "https://app.example.com"
OTHER = "https://evil.example.net"
PARTNER = "https://partner.example.org"


def make_app(**config: Any) -> Flask:
    """A Flask app with ordinary routes, error routes and a counter of view calls."""
    app = Flask(__name__)
    app.config.update(config)
    app.extensions["calls"] = []

    @app.before_request
    def count() -> None:
        app.extensions["calls"].append((request.method, request.path))

    @app.route("/api/items", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def items() -> Any:
        return jsonify(method=request.method)

    @app.route("/api/forbidden")
    def forbidden() -> Any:
        abort(403)

    @app.route("/api/crash")
    def crash() -> Any:
        raise RuntimeError("boom")

    @app.route("/api/moved")
    def moved() -> Any:
        return redirect("/api/items")

    @app.route("/api/own-cors")
    def own_cors() -> Any:
        return "x", 200, {"Access-Control-Allow-Origin": "https://own.example", "Vary": "Cookie"}

    @app.route("/apix")
    def apix() -> str:
        return "apix"

    @app.route("/public/<path:rest>")
    def public(rest: str) -> str:
        return rest

    return app


def preflight(client: FlaskClient, path: str, origin: str = ALLOWED, method: str = "PUT",
              headers: str | None = None, **extra: str) -> TestResponse:
    """Send a browser-shaped preflight."""
    sent = {"Origin": origin, "Access-Control-Request-Method": method, **extra}
    if headers is not None:
        sent["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=sent)


def acao(response: TestResponse) -> str | None:
    """The Access-Control-Allow-Origin values, comma-joined (None when absent)."""
    values = response.headers.getlist("Access-Control-Allow-Origin")
    return ", ".join(values) if values else None


def vary(response: TestResponse) -> set[str]:
    """The Vary tokens of *response*, lower-cased."""
    return {token.strip().lower() for value in response.headers.getlist("Vary")
            for token in value.split(",") if token.strip()}
