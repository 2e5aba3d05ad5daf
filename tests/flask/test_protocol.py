"""flask-cors's scenarios (origins, regex, credentials, max_age, methods, headers,
expose, vary, private network), through Flask's test client, with flask-cors's
unsafe expectations turned into refusals."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.flask.support import ALLOWED, OTHER, acao, preflight, vary
from wsgicors_flask import CORS

# -- origins -------------------------------------------------------------------


def test_default_allows_every_origin_with_star_and_no_vary(app: Flask) -> None:
    CORS(app)
    client = app.test_client()
    for headers in ({"Origin": OTHER}, {"Origin": ALLOWED}, {}):
        response = client.get("/api/items", headers=headers)
        assert acao(response) == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert "origin" not in vary(response)


def test_listed_origin_is_echoed_and_others_get_nothing(app: Flask) -> None:
    CORS(app, origins=[ALLOWED, "https://b.example.com"])
    client = app.test_client()
    assert acao(client.get("/api/items", headers={"Origin": ALLOWED})) == ALLOWED
    denied = client.get("/api/items", headers={"Origin": OTHER})
    assert acao(denied) is None
    assert denied.status_code == 200  # CORS is not access control: the app still answers


@pytest.mark.parametrize("origins", [ALLOWED, [ALLOWED], (ALLOWED,), {ALLOWED}])
def test_origins_accepts_a_string_or_any_collection(app: Flask, origins: object) -> None:
    CORS(app, origins=origins)
    assert acao(app.test_client().get("/api/items", headers={"Origin": ALLOWED})) == ALLOWED


def test_subdomain_pattern_is_not_a_regex(app: Flask) -> None:
    """flask-cors read "https://*.example.com" as a regex that also matches xexample.com."""
    CORS(app, origins="https://*.example.com")
    client = app.test_client()
    assert acao(client.get("/api/items", headers={"Origin": "https://eu.example.com"})) == (
        "https://eu.example.com"
    )
    for probe in ("https://xexample.com", "https://example.com", "https://evilexample.com",
                  "https://eu.example.com.evil.net", "http://eu.example.com"):
        assert acao(client.get("/api/items", headers={"Origin": probe})) is None, probe


@pytest.mark.parametrize("regex", [r"https://[a-z0-9.-]+\.example\.com",
                                   re.compile(r"https://[a-z0-9.-]+\.example\.com")])
def test_regex_origins_must_match_entirely(app: Flask, regex: object) -> None:
    """flask-cors used re.match: https://a.example.com.evil.net got through."""
    CORS(app, origins=[regex], supports_credentials=True)
    client = app.test_client()
    good = client.get("/api/items", headers={"Origin": "https://a.example.com"})
    assert acao(good) == "https://a.example.com"
    assert good.headers["Access-Control-Allow-Credentials"] == "true"
    for probe in ("https://a.example.com.evil.net", "https://a.example.com:8443/x",
                  "https://A.EXAMPLE.COM"):
        assert acao(client.get("/api/items", headers={"Origin": probe})) is None, probe


def test_null_and_malformed_origins_are_never_echoed(app: Flask) -> None:
    CORS(app, origins=[ALLOWED], supports_credentials=True)
    client = app.test_client()
    for probe in ("null", ALLOWED + "/", ALLOWED.upper(), f"{ALLOWED}, {OTHER}",
                  ALLOWED + "\r\nSet-Cookie: x=1", "x" * 10_000, ""):
        # Through the environ: the test client refuses to *send* a CR/LF header.
        response = client.get("/api/items", environ_overrides={"HTTP_ORIGIN": probe})
        assert acao(response) is None
        assert "Access-Control-Allow-Credentials" not in response.headers


# -- credentials -----------------------------------------------------------------


def test_credentials_header_only_with_a_matching_origin(app: Flask) -> None:
    CORS(app, origins=[ALLOWED], supports_credentials=True)
    client = app.test_client()
    assert client.get("/api/items", headers={"Origin": ALLOWED}).headers[
        "Access-Control-Allow-Credentials"] == "true"
    for headers in ({"Origin": OTHER}, {}):
        assert "Access-Control-Allow-Credentials" not in client.get(
            "/api/items", headers=headers).headers


# -- preflight: methods, headers, max_age, private network -------------------------


def test_preflight_answers_with_the_configured_values(app: Flask) -> None:
    CORS(app, origins=[ALLOWED], methods=["GET", "PUT"], max_age=timedelta(minutes=10),
         allow_headers=["Content-Type", "X-Token"], supports_credentials=True)
    response = preflight(app.test_client(), "/api/items", headers="content-type,x-token")
    assert response.status_code == 204
    assert acao(response) == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]
    allowed = {h.strip() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed >= {"content-type", "x-token"}


@pytest.mark.parametrize("max_age", [600, "600", timedelta(seconds=600)])
def test_max_age_accepts_flask_cors_types(app: Flask, max_age: object) -> None:
    CORS(app, origins=[ALLOWED], max_age=max_age)
    assert preflight(app.test_client(), "/api/items").headers["Access-Control-Max-Age"] == "600"


def test_method_check_is_exact_not_a_substring(app: Flask) -> None:
    """flask-cors tested `method in "GET, HEAD"`: ET and "GET, PUT" passed."""
    CORS(app, origins=[ALLOWED], methods=["GET", "HEAD", "PUT"])
    client = app.test_client()
    assert preflight(client, "/api/items", method="PUT").status_code == 204
    for method in ("ET", "DELETE", "GET, PUT", "put"):
        response = preflight(client, "/api/items", method=method)
        assert response.status_code == 403, method
        assert acao(response) is None


def test_default_allow_headers_echoes_what_is_asked(app: Flask) -> None:
    CORS(app, origins=[ALLOWED])
    response = preflight(app.test_client(), "/api/items", headers="authorization,x-custom")
    assert response.status_code == 204
    echoed = {h.strip() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert echoed == {"authorization", "x-custom"}


def test_header_not_listed_refuses_the_preflight(app: Flask) -> None:
    CORS(app, origins=[ALLOWED], allow_headers=["Content-Type"])
    response = preflight(app.test_client(), "/api/items", headers="content-type,x-other")
    assert response.status_code == 403
    assert acao(response) is None


def test_preflight_never_reaches_hooks_or_view(app: Flask) -> None:
    CORS(app, origins=[ALLOWED])
    client = app.test_client()
    preflight(client, "/api/items")
    preflight(client, "/api/items", origin=OTHER)
    assert app.extensions["calls"] == []


def test_plain_options_is_an_ordinary_request(app: Flask) -> None:
    CORS(app, origins=[ALLOWED])
    response = app.test_client().options("/api/items", headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert "PUT" in response.headers["Allow"]
    assert acao(response) == ALLOWED
    assert app.extensions["calls"] == [("OPTIONS", "/api/items")]


def test_private_network_is_off_unless_asked_for(app: Flask) -> None:
    """flask-cors granted it by default (CVE-2024-6221)."""
    CORS(app, origins=[ALLOWED])
    extra = {"Access-Control-Request-Private-Network": "true"}
    response = preflight(app.test_client(), "/api/items", **extra)
    assert "Access-Control-Allow-Private-Network" not in response.headers
    app2 = Flask("pna")
    CORS(app2, origins=[ALLOWED], allow_private_network=True)
    response = preflight(app2.test_client(), "/anything", **extra)
    assert response.headers["Access-Control-Allow-Private-Network"] == "true"


# -- expose, vary ----------------------------------------------------------------


def test_expose_headers_on_actual_responses(app: Flask) -> None:
    CORS(app, origins=[ALLOWED], expose_headers=["X-Request-Id", "X-Total"])
    response = app.test_client().get("/api/items", headers={"Origin": ALLOWED})
    exposed = {h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert exposed == {"x-request-id", "x-total"}


def test_vary_origin_on_every_response_of_a_varying_policy(app: Flask) -> None:
    """flask-cors sent Vary only with several origins, never on denied responses."""
    CORS(app, origins=ALLOWED)
    client = app.test_client()
    for headers in ({"Origin": ALLOWED}, {"Origin": OTHER}, {}):
        for path in ("/api/items", "/api/forbidden", "/nowhere"):
            assert "origin" in vary(client.get(path, headers=headers)), (path, headers)


def test_vary_is_merged_with_the_views_own(app: Flask) -> None:
    @app.route("/cookie")
    def cookie() -> tuple[str, int, dict[str, str]]:
        return "c", 200, {"Vary": "Cookie"}

    CORS(app, origins=[ALLOWED])
    response = app.test_client().get("/cookie", headers={"Origin": ALLOWED})
    assert response.headers.getlist("Vary") == ["Cookie, Origin"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(origin=st.one_of(
    st.text(max_size=60),
    st.sampled_from([ALLOWED, "https://eu.example.com"]).flatmap(
        lambda base: st.text(max_size=8).map(lambda tail: base + tail)),
))
def test_any_origin_value_gets_its_exact_self_or_nothing(app: Flask, origin: str) -> None:
    if not hasattr(app, "_cors_done"):
        CORS(app, origins=[ALLOWED, "https://*.example.com"], supports_credentials=True)
        app._cors_done = True  # type: ignore[attr-defined]
    response = app.test_client().get("/api/items", environ_overrides={"HTTP_ORIGIN": origin})
    got = acao(response)
    assert got in (None, origin)
    if got is not None:
        assert origin == ALLOWED or re.fullmatch(r"https://([a-z0-9_-]+\.)+example\.com", origin)
    assert "origin" in vary(response)
