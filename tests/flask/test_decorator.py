"""@cross_origin: per-view policies, with and without CORS(app), sync and async views."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, abort, request

from tests.flask.support import ALLOWED, OTHER, PARTNER, acao, make_app, preflight, vary
from wsgicors import ConfigError
from wsgicors_flask import CORS, cross_origin


def add_views(app: Flask, **options: Any) -> None:
    """A sync and an async decorated view, plus one that aborts."""

    @app.route("/special", methods=["GET", "PUT"])
    @cross_origin(origins=[PARTNER], methods=["GET", "PUT"], **options)
    def special() -> str:
        return f"special {request.method}"

    @app.route("/async", methods=["GET", "PUT"])
    @cross_origin(origins=[PARTNER], methods=["GET", "PUT"], **options)
    async def async_view() -> str:
        return f"async {request.method}"

    @app.route("/special-fail")
    @cross_origin(origins=[PARTNER], **options)
    def special_fail() -> str:
        abort(409)


@pytest.fixture(params=["with CORS(app)", "decorator only"])
def client(request: pytest.FixtureRequest) -> Any:
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    add_views(app)
    if request.param == "with CORS(app)":
        CORS(app, origins=[ALLOWED])
    return app.test_client()


@pytest.mark.parametrize("path", ["/special", "/async"])
def test_view_policy_applies_to_its_responses(client: Any, path: str) -> None:
    response = client.get(path, headers={"Origin": PARTNER})
    assert response.status_code == 200
    assert response.text.endswith("GET")
    assert acao(response) == PARTNER
    assert "origin" in vary(response)
    assert acao(client.get(path, headers={"Origin": ALLOWED})) is None
    assert acao(client.get(path, headers={"Origin": OTHER})) is None


@pytest.mark.parametrize("path", ["/special", "/async"])
def test_view_policy_answers_its_preflight(client: Any, path: str) -> None:
    good = preflight(client, path, origin=PARTNER, method="PUT", headers="x-token")
    assert good.status_code == 204
    assert acao(good) == PARTNER
    assert "PUT" in good.headers["Access-Control-Allow-Methods"]
    assert preflight(client, path, origin=ALLOWED).status_code == 403
    assert preflight(client, path, origin=PARTNER, method="DELETE").status_code == 403


@pytest.mark.parametrize("path", ["/special", "/async"])
def test_automatic_options_answers_plain_options(client: Any, path: str) -> None:
    response = client.options(path, headers={"Origin": PARTNER})
    assert response.status_code == 200
    assert "PUT" in response.headers["Allow"]
    assert response.text == ""  # Flask's default OPTIONS answer, not the view
    assert acao(response) == PARTNER


def test_view_policy_beats_the_app_policy_and_hooks() -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.before_request
    def auth() -> None:
        if "Authorization" not in request.headers:
            abort(401)

    add_views(app)
    CORS(app, origins=[ALLOWED])
    client = app.test_client()
    assert preflight(client, "/special", origin=PARTNER).status_code == 204
    # The hook's 401 on the decorated view carries the view's headers.
    denied = client.get("/special", headers={"Origin": PARTNER})
    assert denied.status_code == 401
    assert acao(denied) == PARTNER
    assert acao(client.get("/api/items", headers={"Origin": ALLOWED})) == ALLOWED
    assert acao(client.get("/special-fail", headers={"Origin": PARTNER,
                                                      "Authorization": "x"})) == PARTNER


def test_view_policy_survives_a_reconfiguration() -> None:
    app = make_app()
    add_views(app)
    CORS(app, origins=[ALLOWED])
    client = app.test_client()
    assert acao(client.get("/special", headers={"Origin": PARTNER})) == PARTNER
    CORS(app, origins=[OTHER])
    assert acao(client.get("/special", headers={"Origin": PARTNER})) == PARTNER
    assert preflight(client, "/async", origin=PARTNER).status_code == 204
    assert client.options("/special").headers["Allow"]
    assert acao(client.get("/api/items", headers={"Origin": OTHER})) == OTHER


def test_decorator_above_cross_origin_keeps_running() -> None:
    """The layer serves decorated views unwrapped; never at the cost of an outer wrapper."""
    import functools

    app = make_app(PROPAGATE_EXCEPTIONS=False)

    def login_required(view: Any) -> Any:
        @functools.wraps(view)
        def check(*args: Any, **kwargs: Any) -> Any:
            if "Authorization" not in request.headers:
                abort(401)
            return view(*args, **kwargs)
        return check

    @app.route("/guarded", methods=["GET", "PUT"])
    @login_required
    @cross_origin(origins=[PARTNER], methods=["GET", "PUT"])
    def guarded() -> str:
        return "secret"

    CORS(app, origins=[ALLOWED])
    client = app.test_client()
    for _ in range(2):  # before and after the layer has compiled the app
        denied = client.get("/guarded", headers={"Origin": PARTNER})
        assert (denied.status_code, acao(denied)) == (401, PARTNER)
        allowed = client.get("/guarded", headers={"Origin": PARTNER, "Authorization": "x"})
        assert (allowed.text, acao(allowed)) == ("secret", PARTNER)
        assert allowed.headers.getlist("Vary") == ["Origin"]
    assert preflight(client, "/guarded", origin=PARTNER).status_code == 204


def test_decorator_options_merge_over_app_config() -> None:
    app = make_app(CORS_SUPPORTS_CREDENTIALS=True, CORS_EXPOSE_HEADERS=["X-Config"])
    add_views(app, expose_headers=["X-View"])
    CORS(app, origins=[ALLOWED])
    response = app.test_client().get("/special", headers={"Origin": PARTNER})
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Expose-Headers"] == "x-view"


def test_automatic_options_false_lets_the_view_answer_options() -> None:
    app = make_app()

    @app.route("/manual", methods=["GET", "OPTIONS"])
    @cross_origin(origins=[PARTNER], automatic_options=False)
    def manual() -> str:
        return f"view saw {request.method}"

    CORS(app, origins=[ALLOWED])
    client = app.test_client()
    response = client.options("/manual", headers={"Origin": PARTNER})
    assert response.text == "view saw OPTIONS"
    assert acao(response) == PARTNER
    # A preflight still never reaches it.
    assert preflight(client, "/manual", origin=PARTNER, method="GET").status_code == 204


def test_unknown_decorator_option_fails_at_import() -> None:
    with pytest.raises(ConfigError, match="origin"):
        cross_origin(origin=[PARTNER])(lambda: "x")


def test_unsafe_decorator_options_are_refused_at_import() -> None:
    """Issue 21: without CORS(app), the refusal came at every request (a 500 each)."""
    with pytest.raises(ConfigError) as caught:
        cross_origin(supports_credentials=True)(lambda: "bad")  # '*' by default
    [problem] = caught.value.problems
    assert problem.code == "star-credentials"
    assert problem.option == "@cross_origin on <lambda>: origins"


def test_every_decorator_problem_at_import_misspelt_names_included() -> None:
    with pytest.raises(ConfigError) as caught:
        cross_origin(origins=["https://app.example.com/"], allow_headers=["x bad"],
                     support_credentials=True)(lambda: "bad")
    assert sorted(p.code for p in caught.value.problems) == [
        "header-invalid", "origin-not-serialized", "unknown-option"]


def test_decorator_warnings_are_logged_at_import(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="wsgicors"):
        @cross_origin(origins="https://app.notepad.cc", allow_headers=["Content-Type", "Origin"])
        def view() -> str:
            return "ok"
    [line] = [r.getMessage() for r in caplog.records if r.name == "wsgicors"]
    assert "@cross_origin on view: allow_headers: 'origin' is a forbidden request header" in line
