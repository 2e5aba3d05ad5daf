"""wsgicors_flask regressions for the security review (issue 9) and the migration
defects of issue 10: each case misbehaved before."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from tests.flask.support import ALLOWED, OTHER, acao, make_app, preflight
from wsgicors import ConfigError, CORSPolicy
from wsgicors_flask import CORS, cross_origin

STRICT = CORSPolicy(allow_origins=[ALLOWED], allow_credentials=True)


# -- item 2: a strict policy= is never replaced by flask-cors's defaults --------------

def test_resource_options_layer_over_a_strict_policy(app: Flask) -> None:
    CORS(app, policy=STRICT, resources={r"/api/*": {"max_age": 600}})
    client = app.test_client()
    assert acao(client.get("/api/items", headers={"Origin": OTHER})) is None
    allowed = client.get("/api/items", headers={"Origin": ALLOWED})
    assert acao(allowed) == ALLOWED
    assert allowed.headers["Access-Control-Allow-Credentials"] == "true"
    answer = preflight(client, "/api/items")
    assert answer.status_code == 204 and answer.headers["Access-Control-Max-Age"] == "600"
    assert preflight(client, "/api/items", origin=OTHER).status_code == 403


def test_config_policy_with_constructor_options(app: Flask) -> None:
    app.config["CORS_POLICY"] = STRICT
    CORS(app, max_age=600)
    client = app.test_client()
    assert acao(client.get("/api/items", headers={"Origin": OTHER})) is None
    assert preflight(client, "/api/items").headers["Access-Control-Max-Age"] == "600"


def test_config_policy_with_decorator_options() -> None:
    app = Flask(__name__)
    app.config["CORS_POLICY"] = STRICT

    @app.route("/view")
    @cross_origin(max_age=600)
    def view() -> str:
        return "ok"

    client = app.test_client()
    assert acao(client.get("/view", headers={"Origin": OTHER})) is None
    assert acao(client.get("/view", headers={"Origin": ALLOWED})) == ALLOWED


def test_origins_above_a_policy_replace_its_origins(app: Flask) -> None:
    CORS(app, policy=STRICT, resources={r"/api/*": {"origins": ["https://partner.example"]}})
    client = app.test_client()
    assert acao(client.get("/api/items", headers={"Origin": ALLOWED})) is None
    response = client.get("/api/items", headers={"Origin": "https://partner.example"})
    assert acao(response) == "https://partner.example"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_star_above_a_credentialed_policy_is_refused(app: Flask) -> None:
    with pytest.raises(ConfigError) as raised:
        CORS(app, policy=STRICT, resources={r"/api/*": {"origins": "*"}})
    assert "star-credentials" in {p.code for p in raised.value.problems}


# -- item 6: @cross_origin without CORS(app) keeps every Vary ------------------------

def test_decorator_without_layer_keeps_a_second_vary_header() -> None:
    app = Flask(__name__)

    @app.route("/v")
    @cross_origin(origins=[ALLOWED])
    def v() -> Any:
        return "x", 200, [("Vary", "Accept-Encoding"), ("Vary", "Cookie")]

    response = app.test_client().get("/v", headers={"Origin": ALLOWED})
    tokens = {t.strip() for value in response.headers.getlist("Vary") for t in value.split(",")}
    assert tokens == {"Accept-Encoding", "Cookie", "Origin"}
    assert acao(response) == ALLOWED


# -- item 7: CORS(app) again while the first request compiles is never undone --------

def test_reconfiguring_during_the_first_compile_is_never_lost(monkeypatch: Any) -> None:
    from wsgicors_flask.layer import CORSLayer

    app = make_app()
    CORS(app, origins=[ALLOWED])
    compiling, release = threading.Event(), threading.Event()
    original = CORSLayer._scopes

    def slow_scopes(self: CORSLayer) -> Any:
        compiling.set()
        release.wait(5)
        return original(self)

    monkeypatch.setattr(CORSLayer, "_scopes", slow_scopes)
    first = threading.Thread(target=lambda: app.test_client().get("/api/items"))
    first.start()
    assert compiling.wait(5)
    second = threading.Thread(target=lambda: CORS(app, origins=["https://new.example"]))
    second.start()
    second.join(0.3)
    release.set()
    first.join(5)
    second.join(5)
    client = app.test_client()
    assert acao(client.get("/api/items", headers={"Origin": "https://new.example"})) == (
        "https://new.example")
    assert acao(client.get("/api/items", headers={"Origin": ALLOWED})) is None


# -- item 11: IPv6 origins are origins, not regexes ----------------------------------

def test_ipv6_origin_is_an_origin_and_keeps_the_plain_http_rule(app: Flask) -> None:
    CORS(app, origins=["http://[::1]:3000"], supports_credentials=True)
    client = app.test_client()
    assert acao(client.get("/api/items", headers={"Origin": "http://[::1]:3000"})) == (
        "http://[::1]:3000")
    assert acao(client.get("/api/items", headers={"Origin": "http://1:3000"})) is None
    with pytest.raises(ConfigError) as raised:
        CORS(make_app(), origins=["http://[2001:db8::1]:3000"], supports_credentials=True)
    assert [p.code for p in raised.value.problems] == ["origin-insecure"]


# -- item 12: an app's own Access-Control-Allow-Credentials is never doubled --------

def test_app_credentials_header_is_not_doubled(app: Flask) -> None:
    @app.route("/acac")
    def acac() -> Any:
        return "x", 200, {"Access-Control-Allow-Credentials": "true"}

    CORS(app, origins=[ALLOWED], supports_credentials=True)
    response = app.test_client().get("/acac", headers={"Origin": ALLOWED})
    assert response.headers.getlist("Access-Control-Allow-Credentials") == ["true"]


# -- item 9 and issue 10 defect 3: max_age as flask-cors takes it --------------------

def test_max_age_in_non_ascii_digits_is_a_config_error(app: Flask) -> None:
    with pytest.raises(ConfigError) as raised:
        CORS(app, max_age="\u00b2")
    assert [p.option for p in raised.value.problems] == ["max_age"]


def test_long_max_age_is_clamped_and_logged(app: Flask, caplog: Any) -> None:
    with caplog.at_level(logging.WARNING, logger="wsgicors"):
        CORS(app, origins=[ALLOWED], max_age="604800")
    assert "604800" in caplog.text and "86400" in caplog.text
    answer = preflight(app.test_client(), "/api/items")
    assert answer.headers["Access-Control-Max-Age"] == "86400"


# -- issue 10 defect 5: hints name forms that work in flask-cors's vocabulary --------

@pytest.mark.parametrize(("origins", "working", "origin"), [
    ([".*.example.com"], "https://*.example.com", "https://a.example.com"),
    ([r"https://.*.example.com"], "https://*.example.com", "https://a.example.com"),
    # A prefix match after one host: the hint is that host (issue 21, a fitting fix).
    (["https://app.example.com.*"], "https://app.example.com", "https://app.example.com"),
])
def test_regex_origin_hint_names_a_working_flask_form(origins: list[str], working: str,
                                                      origin: str) -> None:
    with pytest.raises(ConfigError) as raised:
        CORS(make_app(), origins=origins)
    problem = raised.value.problems[0]
    assert problem.option == "origins"
    assert "allow_origin" not in problem.message + problem.hint
    assert repr(working) in problem.hint
    # ...and the form the hint names works:
    fixed = make_app()
    CORS(fixed, origins=[working])
    assert acao(fixed.test_client().get("/api/items", headers={"Origin": origin})) == origin


def test_hint_for_insecure_origin_names_the_option_and_works(app: Flask) -> None:
    """Issue 20 item 6: the hint read '...insecure_origins=True)=True' and named an
    option Flask refused; the escape hatch is now a Flask option, as in Django."""
    with pytest.raises(ConfigError) as raised:
        CORS(app, origins=["http://192.168.1.5:8080"], supports_credentials=True)
    [problem] = raised.value.problems
    assert problem.hint == ("use 'https://192.168.1.5:8080', or pass "
                            "dangerously_allow_insecure_origins=True.")
    CORS(app, origins=["http://192.168.1.5:8080"], supports_credentials=True,
         dangerously_allow_insecure_origins=True)
    response = app.test_client().get("/api/items", headers={"Origin": "http://192.168.1.5:8080"})
    assert response.headers["Access-Control-Allow-Origin"] == "http://192.168.1.5:8080"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_insecure_origins_escape_hatch_from_app_config() -> None:
    app = Flask(__name__)
    app.config.update(CORS_ORIGINS=["http://reports.corp.lan"], CORS_SUPPORTS_CREDENTIALS=True,
                      CORS_DANGEROUSLY_ALLOW_INSECURE_ORIGINS=True)

    @app.route("/r")
    def report() -> str:
        return "ok"

    CORS(app)
    response = app.test_client().get("/r", headers={"Origin": "http://reports.corp.lan"})
    assert response.headers["Access-Control-Allow-Origin"] == "http://reports.corp.lan"


# -- issue 10 defect 6: the mount point of a prefixed app is its '/' ------------------

def test_mount_point_of_a_prefixed_app_matches_the_root_resource() -> None:
    inner = Flask(__name__)

    @inner.route("/")
    def root() -> str:
        return "root"

    CORS(inner, resources={"/": {"origins": [ALLOWED]}})
    mounted = DispatcherMiddleware(lambda e, s: [], {"/mount": inner})
    client = Client(mounted)
    # Flask redirects the bare mount point to '/mount/'; the browser follows the
    # redirect only if it carries the CORS headers, so both hops must have them.
    moved = client.get("/mount", headers={"Origin": ALLOWED})
    assert moved.status_code == 308 and moved.headers["Location"].endswith("/mount/")
    assert moved.headers.get("Access-Control-Allow-Origin") == ALLOWED
    answer = client.options("/mount", headers={"Origin": ALLOWED,
                                               "Access-Control-Request-Method": "PUT"})
    assert answer.status_code == 204
    assert answer.headers.get("Access-Control-Allow-Origin") == ALLOWED
    page = client.get("/mount/", headers={"Origin": ALLOWED})
    assert page.get_data() == b"root" and page.headers.get("Access-Control-Allow-Origin") == ALLOWED


# -- found by running flask-cors's own suite against the adapter ----------------------

def test_relative_path_info_matches_like_flask_routes_it() -> None:
    """Flask's test client sends PATH_INFO 'exact' for a relative URL; Flask routes it
    as '/exact', and so must the resource lookup."""
    app = Flask(__name__)
    app.add_url_rule("/exact", "exact", lambda: "x")
    CORS(app, resources={"/exact": {"origins": [ALLOWED]}})
    response = app.test_client().get("exact", headers={"Origin": ALLOWED})
    assert response.get_data() == b"x" and acao(response) == ALLOWED


def test_bad_decorator_fails_at_import_time_not_on_every_request() -> None:
    with pytest.raises(ConfigError) as raised:
        @cross_origin(allow_headers=[r"X-(unclosed"])
        def view() -> str:
            return "x"
    assert [p.code for p in raised.value.problems] == ["regex-invalid"]


def test_allow_headers_patterns_as_flask_cors_users_write_them() -> None:
    """flask-cors's header patterns: any case, the allowed names echoed; a name no
    pattern or name allows still refuses the preflight."""
    app = Flask(__name__)

    @app.route("/v", methods=["PUT"])
    @cross_origin(origins=[ALLOWED], allow_headers=["X-COMPANY-.*", "content-type"])
    def v() -> str:
        return "x"

    client = app.test_client()
    answer = preflight(client, "/v", headers="x-company-a,content-type")
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Headers"] == "x-company-a,content-type"
    assert preflight(client, "/v", headers="x-company-b,x-other").status_code == 403


def test_decorator_only_preflight_has_no_content_type() -> None:
    app = Flask(__name__)

    @app.route("/v", methods=["PUT"])
    @cross_origin(origins=[ALLOWED])
    def v() -> str:
        return "x"

    answer = preflight(app.test_client(), "/v")
    assert answer.status_code == 204 and acao(answer) == ALLOWED
    assert "Content-Type" not in answer.headers


@pytest.mark.parametrize("pattern", [r"/api*", r"/ap*"])
def test_glob_like_resource_covers_what_it_says(pattern: str) -> None:
    app = make_app()
    CORS(app, resources={pattern: {"origins": [ALLOWED]}})
    client = app.test_client()
    for path in ("/api/items", "/apix"):
        assert acao(client.get(path, headers={"Origin": ALLOWED})) == ALLOWED, path
    assert acao(client.get("/public/x", headers={"Origin": ALLOWED})) is None
