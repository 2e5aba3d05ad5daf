"""A Flask app: wsgicors_flask for the API and partners, flask-cors on the legacy parts.

Wrong: ``/legacy/<int:record_id>`` (flask-cors matches its origin regex with
``re.match``, anchored at the start only), ``/widget`` (flask-cors' ``origins="*"``
with credentials echoes every origin), both without ``Vary: Origin`` on every
response, and ``/partners/<slug>`` (every subdomain, with cookies).
"""

from __future__ import annotations

import flask_cors
from flask import Blueprint, Flask

import wsgicors_flask

TRUSTED = "https://app.example.com"
#: route -> the findings it must get (id: severity), for the wrong routes only.
MISCONFIGURED = {
    # flask-cors sends Vary: Origin only with the headers it adds: a cache may serve
    # the answer without them to the trusted origin's page (or the other way round).
    "/legacy/<int:record_id>": {"prefix-match": "high", "missing-vary-origin": "low"},
    "/widget": {"any-origin-reflected": "high", "null-origin-allowed": "high",
                "missing-vary-origin": "low"},
    "/partners/<slug>": {"any-subdomain-trusted": "low"},
}
#: route -> the configuration answering it.
POLICIES = {
    "/api/me": "wsgicors", "/api/items/<int:item_id>": "wsgicors", "/orders": "wsgicors",
    "/partners/<slug>": "wsgicors", "/legacy/<int:record_id>": "flask-cors",
    "/widget": "flask-cors", "/health": "none", "/static/<path:filename>": "none",
}

app = Flask(__name__)
wsgicors_flask.CORS(app, resources={
    r"/api/*": {"origins": [TRUSTED], "supports_credentials": True},
    r"/partners/*": {"origins": ["https://*.example.com"], "supports_credentials": True},
})


@app.get("/api/me")
def me() -> str:
    return "me"


@app.route("/api/items/<int:item_id>", methods=["GET", "PUT"])
def item(item_id: int) -> str:
    return f"item {item_id}"


@app.post("/orders")
@wsgicors_flask.cross_origin(origins=[TRUSTED], supports_credentials=True, methods=["POST"])
def orders() -> str:
    return "created"


@app.get("/partners/<slug>")
def partner(slug: str) -> str:
    return slug


legacy = Blueprint("legacy", __name__, url_prefix="/legacy")
flask_cors.CORS(legacy, origins=[r"https://app\.example\.com"], supports_credentials=True)


@legacy.get("/<int:record_id>")
def record(record_id: int) -> str:
    return f"record {record_id}"


app.register_blueprint(legacy)


@app.get("/widget")
@flask_cors.cross_origin(origins="*", supports_credentials=True)
def widget() -> str:
    return "widget"


@app.get("/health")
def health() -> str:
    return "ok"
