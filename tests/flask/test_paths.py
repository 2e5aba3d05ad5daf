"""Issue 18 items 11-13 in Flask: resources are matched on the path Werkzeug routes.

Werkzeug strips leading slashes (``//admin/users`` reaches the ``/admin/users`` rule),
decodes ``PATH_INFO`` as UTF-8, serves a rule without strict slashes with and without
its trailing slash, and takes a ``%0A`` in a ``<name>`` like any character. Each test
failed before the fix.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask

from wsgicors_flask import CORS, cross_origin

ADMIN = "https://admin.example.com"
PARTNER = "https://partner.example.org"
RESOURCES = {  # the example
    r"/admin/*": {"origins": [ADMIN], "supports_credentials": True},
    r"/*": {"origins": [PARTNER], "supports_credentials": True},
}


def routed(app: Flask, path: str, origin: str = PARTNER, method: str = "GET",
           **headers: str) -> Any:
    """A request whose PATH_INFO is exactly *path* (the test client would parse
    ``//admin`` as a host name); returns the response."""
    return app.test_client().open("/", method=method, headers={"Origin": origin, **headers},
                                  environ_overrides={"PATH_INFO": path})


def cors(response: Any) -> tuple[str | None, str | None]:
    return (response.headers.get("Access-Control-Allow-Origin"),
            response.headers.get("Access-Control-Allow-Credentials"))


@pytest.fixture
def admin_app() -> Flask:
    app = Flask(__name__)

    @app.route("/admin/users", methods=["GET", "DELETE"])
    def users() -> str:
        return "admin data"

    @app.route("/api/<name>")
    def api(name: str) -> str:
        return f"api {name!r}"

    return app


# -- item 11 -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["//admin/users", "///admin/users", "////admin/users"])
def test_leading_slashes_reach_the_admin_rule_and_get_its_policy(
    admin_app: Flask, path: str
) -> None:
    CORS(admin_app, resources=RESOURCES)
    response = routed(admin_app, path)
    assert response.text == "admin data"  # Werkzeug routed it to the admin view...
    assert cors(response) == (None, None)  # ...so the partner gets nothing
    assert cors(routed(admin_app, path, ADMIN)) == (ADMIN, "true")


def test_a_preflight_with_leading_slashes_gets_the_admin_policy(admin_app: Flask) -> None:
    CORS(admin_app, resources=RESOURCES)
    ask = {"Access-Control-Request-Method": "DELETE"}
    assert routed(admin_app, "//admin/users", PARTNER, "OPTIONS", **ask).status_code == 403
    allowed = routed(admin_app, "//admin/users", ADMIN, "OPTIONS", **ask)
    assert allowed.status_code == 204 and cors(allowed) == (ADMIN, "true")


def test_cors_off_for_admin_paths_holds_with_leading_slashes(admin_app: Flask) -> None:
    CORS(admin_app, resources={r"/admin/*": {"origins": []}, r"/*": {"origins": [PARTNER]}})
    assert cors(routed(admin_app, "//admin/users"))[0] is None
    assert cors(routed(admin_app, "/elsewhere"))[0] == PARTNER


def test_merged_slashes_are_a_redirect_to_the_merged_path(admin_app: Flask) -> None:
    CORS(admin_app, resources=RESOURCES)
    response = routed(admin_app, "/admin//users")
    assert response.status_code == 308  # no data; the browser asks /admin/users next
    assert response.headers["Location"].endswith("/admin/users")


def test_explain_reads_the_path_as_werkzeug_does(admin_app: Flask) -> None:
    from wsgicors import explain

    CORS(admin_app, resources=RESOURCES)
    admin_app.test_client().get("/admin/users")  # the first request compiles
    assert not explain(admin_app, origin=PARTNER, path="//admin/users").allowed
    assert explain(admin_app, origin=ADMIN, path="//admin/users").allowed


def test_non_utf8_and_utf8_paths_are_read_as_werkzeug_reads_them() -> None:
    app = Flask(__name__)

    @app.route("/café/<name>")
    def cafe(name: str) -> str:
        return "cafe"

    CORS(app, resources={"/café/*": {"origins": [ADMIN]}, "/*": {"origins": [PARTNER]}})
    raw = "/café/x".encode().decode("latin-1")  # PATH_INFO as a WSGI server passes it
    assert routed(app, raw).text == "cafe"
    assert cors(routed(app, raw, ADMIN))[0] == ADMIN
    assert cors(routed(app, raw, PARTNER))[0] is None


@pytest.mark.parametrize("path", ["/partner/status/", "/partner/status"])
def test_a_rule_without_strict_slashes_gets_its_policy_both_ways(path: str) -> None:
    app = Flask(__name__)

    @app.route("/partner/status", strict_slashes=False, methods=["GET", "PUT"])
    def status() -> str:
        return "status"

    @app.route("/partner/<name>/")
    def other(name: str) -> str:
        return "other"

    CORS(app, resources={"/partner/status": {"origins": [ADMIN]}, "/*": {"origins": [PARTNER]}})
    assert routed(app, path).text == "status"
    assert cors(routed(app, path, ADMIN))[0] == ADMIN
    assert cors(routed(app, path, PARTNER))[0] is None
    ask = {"Access-Control-Request-Method": "PUT"}
    assert routed(app, path, PARTNER, "OPTIONS", **ask).status_code == 403
    assert routed(app, "/partner/x/", PARTNER).text == "other"
    assert cors(routed(app, "/partner/x/", PARTNER))[0] == PARTNER


def test_blueprint_and_decorated_apps_read_paths_as_werkzeug_does() -> None:
    app = Flask(__name__)

    @app.route("/admin/users", methods=["GET", "PUT"])
    def users() -> str:
        return "admin data"

    @app.route("/special")
    @cross_origin(origins=[PARTNER])
    def special() -> str:
        return "special"

    CORS(app, resources=RESOURCES)
    assert cors(routed(app, "//admin/users"))[0] is None
    assert cors(routed(app, "//special"))[0] == PARTNER


# -- item 12 -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/me\n", "/api/m\ne", "/api/\n"])
def test_a_newline_does_not_escape_a_glob_resource(admin_app: Flask, path: str) -> None:
    CORS(admin_app, resources={r"/api*": {"origins": [ADMIN], "supports_credentials": True},
                               r"/*": {"origins": "*"}})
    response = routed(admin_app, path)
    assert response.text.startswith("api")  # Werkzeug's <name> takes the newline
    assert cors(response) == (None, None)
    assert cors(routed(admin_app, path, ADMIN)) == (ADMIN, "true")


def test_a_newline_does_not_escape_a_regex_resource(admin_app: Flask) -> None:
    CORS(admin_app, resources={r"/api/m.*": {"origins": [ADMIN]}, r"/*": {"origins": "*"}})
    assert cors(routed(admin_app, "/api/me\n"))[0] is None
    assert cors(routed(admin_app, "/api/me\n", ADMIN))[0] == ADMIN


# -- item 13 -------------------------------------------------------------------------------

@pytest.mark.parametrize("reverse", [False, True])
def test_the_narrower_resource_regex_wins_in_any_order(reverse: bool) -> None:
    app = Flask(__name__)

    @app.route("/api/admin/<name>")
    def admin(name: str) -> str:
        return "admin"

    resources = [(r"/(?:api|v2)/.*", {"origins": "*"}),
                 (r"/api/admin/[a-z]+", {"origins": [ADMIN], "supports_credentials": True})]
    CORS(app, resources=dict(resources[::-1] if reverse else resources))
    assert cors(routed(app, "/api/admin/users", PARTNER)) == (None, None)
    assert cors(routed(app, "/api/admin/users", ADMIN)) == (ADMIN, "true")
    assert cors(routed(app, "/v2/admin/users", PARTNER))[0] == "*"


def test_ambiguous_resources_warn_at_start_up(caplog: pytest.LogCaptureFixture) -> None:
    app = Flask(__name__)
    with caplog.at_level(logging.WARNING, "wsgicors"):
        CORS(app, resources={r"/api/*": {"origins": "*"}, r"/.*/admin/.*": {"origins": [ADMIN]}})
    assert "neither is more specific than the other" in caplog.text
