"""A Flask API with wsgicors_flask: app-wide policy, a blueprint, a per-view policy.

Run ``python examples/flask_app.py`` and try, from another shell::

    # A preflight passes the auth hook and is answered before any view code:
    curl -si -X OPTIONS http://127.0.0.1:5000/api/notes \\
         -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: POST' \\
         -H 'Access-Control-Request-Headers: authorization,content-type'

    # The 401 of the actual request carries the CORS headers, so the page can read it:
    curl -si http://127.0.0.1:5000/api/notes -H 'Origin: https://app.example.com'

    # The partner view has its own policy:
    curl -si http://127.0.0.1:5000/partner/feed -H 'Origin: https://partner.example.org'
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, jsonify, request

from wsgicors_flask import CORS, cross_origin

cors = CORS()
api = Blueprint("api", __name__, url_prefix="/api")


@api.before_request
def require_token() -> None:
    # CORS is not access control: the API still authenticates every request.
    if request.headers.get("Authorization") != "Bearer demo":
        abort(401)


@api.route("/notes", methods=["GET", "POST"])
def notes() -> Any:
    return jsonify(notes=["first"], method=request.method)


def create_app() -> Flask:
    """Application factory: the CORS configuration comes from app.config."""
    app = Flask(__name__)
    app.config.from_mapping(
        CORS_ORIGINS=["https://app.example.com", "http://localhost:*"],
        CORS_SUPPORTS_CREDENTIALS=True,
        CORS_EXPOSE_HEADERS=["X-Request-Id"],
        CORS_MAX_AGE=600,
    )

    @app.route("/partner/feed")
    @cross_origin(origins=["https://partner.example.org"], supports_credentials=False)
    def partner_feed() -> Any:
        return jsonify(items=[1, 2, 3])

    @app.route("/health")
    def health() -> str:
        return "ok"

    app.register_blueprint(api)
    # Only /api and /partner are cross-origin; /health is left alone.
    cors.init_app(app, resources=[r"/api/*"])
    return app


if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=5000)
