"""Which responses get headers: errors, hooks, redirects, resources and blueprints."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask, abort, request

from tests.flask.support import ALLOWED, OTHER, PARTNER, acao, make_app, preflight, vary
from wsgicors_flask import CORS

# -- every response of a covered route ---------------------------------------------


@pytest.mark.parametrize("path, method, status", [
    ("/api/items", "GET", 200),
    ("/api/forbidden", "GET", 403),
    ("/api/nowhere", "GET", 404),
    ("/api/forbidden", "POST", 405),
    ("/api/crash", "GET", 500),
    ("/api/moved", "GET", 302),
    ("/api/items/", "GET", 404),
])
def test_headers_on_every_status(app: Flask, path: str, method: str, status: int) -> None:
    CORS(app, origins=[ALLOWED], supports_credentials=True)
    response = app.test_client().open(path, method=method, headers={"Origin": ALLOWED})
    assert response.status_code == status
    assert acao(response) == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "origin" in vary(response)


def test_error_handler_responses_get_headers(app: Flask) -> None:
    @app.errorhandler(RuntimeError)
    def handle(error: RuntimeError) -> tuple[str, int]:
        return "handled", 503

    CORS(app, origins=[ALLOWED])
    response = app.test_client().get("/api/crash", headers={"Origin": ALLOWED})
    assert (response.status_code, response.text) == (503, "handled")
    assert acao(response) == ALLOWED


def test_propagated_exceptions_still_propagate(app: Flask) -> None:
    """With PROPAGATE_EXCEPTIONS (testing, debug) there is no response to decorate:
    the exception must reach the test client or the debugger unchanged."""
    app.config["PROPAGATE_EXCEPTIONS"] = True
    CORS(app, origins=[ALLOWED])
    with pytest.raises(RuntimeError, match="boom"):
        app.test_client().get("/api/crash", headers={"Origin": ALLOWED})


def test_views_own_cors_headers_are_kept(app: Flask) -> None:
    CORS(app, origins=[ALLOWED])
    response = app.test_client().get("/api/own-cors", headers={"Origin": ALLOWED})
    assert acao(response) == "https://own.example"
    assert response.headers.getlist("Vary") == ["Cookie, Origin"]


def test_auth_hook_never_turns_a_preflight_into_401(app: Flask) -> None:
    """flask-cors issues #170, #196, #201."""
    bp = Blueprint("secure", __name__, url_prefix="/secure")

    @bp.before_request
    def bp_auth() -> None:
        if "Authorization" not in request.headers:
            abort(401)

    @bp.route("/data", methods=["PUT"])
    def data() -> str:
        return "data"

    @app.before_request
    def app_auth() -> None:
        if request.path.startswith("/api/") and "Authorization" not in request.headers:
            abort(401)

    app.register_blueprint(bp)
    CORS(app, origins=[ALLOWED], supports_credentials=True)
    client = app.test_client()
    for path in ("/api/items", "/secure/data"):
        response = preflight(client, path, headers="authorization")
        assert response.status_code == 204, path
        assert acao(response) == ALLOWED
    # The actual request's 401 is readable by the allowed page, so it can log in.
    denied = client.put("/secure/data", headers={"Origin": ALLOWED})
    assert denied.status_code == 401
    assert acao(denied) == ALLOWED


# -- resources: path matching without the flask-cors CVE classes ----------------------


def test_prefix_resource_does_not_match_a_longer_name(app: Flask) -> None:
    """flask-cors's r"/api/*" is a regex matched with re.match: it covers /apix."""
    CORS(app, resources=r"/api/*", origins=[ALLOWED])
    client = app.test_client()
    assert acao(client.get("/api/items", headers={"Origin": ALLOWED})) == ALLOWED
    response = client.get("/apix", headers={"Origin": ALLOWED})
    assert acao(response) is None
    assert "origin" not in vary(response)  # not covered: untouched


def test_most_specific_resource_wins_whatever_the_order(app: Flask) -> None:
    """CVE-2024-6839: a long, broad regex beat a specific path."""
    CORS(app, resources={
        r"/.*/[a-z]+/.*": {"origins": [OTHER]},
        "/public/*": {"origins": [PARTNER]},
        "/public/exact": {"origins": [ALLOWED]},
    })
    client = app.test_client()
    assert acao(client.get("/public/exact", headers={"Origin": ALLOWED})) == ALLOWED
    assert acao(client.get("/public/a", headers={"Origin": PARTNER})) == PARTNER
    assert acao(client.get("/other/a/b", headers={"Origin": OTHER})) == OTHER
    # Both match '/public/a/b' and neither is inside the other: no guess, no CORS.
    for origin in (PARTNER, OTHER):
        assert acao(client.get("/public/a/b", headers={"Origin": origin})) is None


def test_plus_stays_plus_and_matching_is_case_sensitive(app: Flask) -> None:
    """CVE-2024-6844 (unquote_plus) and CVE-2024-6866 (case-insensitive paths)."""
    CORS(app, resources={"/public/a+b": {"origins": [ALLOWED]}})
    client = app.test_client()
    assert acao(client.get("/public/a+b", headers={"Origin": ALLOWED})) == ALLOWED
    for path in ("/public/a b", "/public/a%20b", "/PUBLIC/a+b", "/public/A+B"):
        assert acao(client.get(path, headers={"Origin": ALLOWED})) is None, path


@pytest.mark.parametrize("resources", ["*", "/*", ".*", r"/.*", ["/*"]])
def test_catch_all_spellings(app: Flask, resources: object) -> None:
    CORS(app, resources=resources, origins=[ALLOWED])
    assert acao(app.test_client().get("/apix", headers={"Origin": ALLOWED})) == ALLOWED


def test_regex_resource_is_full_matched(app: Flask) -> None:
    CORS(app, resources=[r"/public/[0-9]+"], origins=[ALLOWED])
    client = app.test_client()
    assert acao(client.get("/public/42", headers={"Origin": ALLOWED})) == ALLOWED
    assert acao(client.get("/public/42x", headers={"Origin": ALLOWED})) is None


def test_regex_resource_with_glob_tail_covers_what_is_below(app: Flask) -> None:
    CORS(app, resources=[r"/public/v[0-9]+/*"], origins=[ALLOWED])
    client = app.test_client()
    assert acao(client.get("/public/v1/users", headers={"Origin": ALLOWED})) == ALLOWED
    assert acao(client.get("/public/v1", headers={"Origin": ALLOWED})) == ALLOWED
    assert acao(client.get("/public/vx/users", headers={"Origin": ALLOWED})) is None


def test_uncovered_preflight_reaches_flask(app: Flask) -> None:
    CORS(app, resources="/public/*", origins=[ALLOWED])
    response = preflight(app.test_client(), "/api/items")
    assert response.status_code == 200  # Flask's automatic OPTIONS
    assert acao(response) is None


# -- blueprints ------------------------------------------------------------------------


def make_blueprint(name: str, prefix: str) -> Blueprint:
    bp = Blueprint(name, __name__, url_prefix=prefix)

    @bp.route("/data", methods=["GET", "PUT"])
    def data() -> str:
        return name

    @bp.route("/fail")
    def fail() -> str:
        abort(418)

    return bp


def test_blueprint_configuration_applies_to_its_endpoints_only() -> None:
    app = make_app(CORS_SUPPORTS_CREDENTIALS=True)
    bp = make_blueprint("partner", "/partner")
    CORS(bp, origins=[PARTNER])
    app.register_blueprint(bp)
    client = app.test_client()
    response = client.get("/partner/data", headers={"Origin": PARTNER})
    assert acao(response) == PARTNER
    # app.config is seen (flask-cors ignored it for blueprints).
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert acao(client.get("/partner/fail", headers={"Origin": PARTNER})) == PARTNER
    assert preflight(client, "/partner/data", origin=PARTNER).status_code == 204
    assert acao(client.get("/api/items", headers={"Origin": PARTNER})) is None


def test_blueprint_beats_app_and_falls_back_to_it() -> None:
    app = make_app()
    bp = make_blueprint("partner", "/partner")
    CORS(bp, origins=[PARTNER], resources=["/partner/data"])
    app.register_blueprint(bp)
    CORS(app, origins=[ALLOWED])
    client = app.test_client()
    assert acao(client.get("/partner/data", headers={"Origin": PARTNER})) == PARTNER
    assert acao(client.get("/partner/data", headers={"Origin": ALLOWED})) is None
    assert preflight(client, "/partner/data", origin=ALLOWED).status_code == 403
    # Outside the blueprint's resources: the app's configuration.
    assert acao(client.get("/partner/fail", headers={"Origin": ALLOWED})) == ALLOWED
    assert acao(client.get("/api/items", headers={"Origin": ALLOWED})) == ALLOWED


def test_nested_blueprint_configuration_beats_its_parent() -> None:
    app = make_app()
    parent, child = make_blueprint("parent", "/p"), make_blueprint("child", "/c")
    CORS(parent, origins=[ALLOWED])
    CORS(child, origins=[PARTNER])
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    client = app.test_client()
    assert acao(client.get("/p/data", headers={"Origin": ALLOWED})) == ALLOWED
    assert acao(client.get("/p/c/data", headers={"Origin": PARTNER})) == PARTNER
    assert acao(client.get("/p/c/data", headers={"Origin": ALLOWED})) is None
    assert preflight(client, "/p/c/data", origin=PARTNER).status_code == 204


def test_blueprint_config_error_is_raised_at_registration() -> None:
    from wsgicors import ConfigError

    app = make_app(CORS_SUPPORTS_CREDENTIALS=True)
    bp = make_blueprint("open", "/open")
    CORS(bp)  # '*' by default: with the app's credentials, refused
    with pytest.raises(ConfigError):
        app.register_blueprint(bp)
