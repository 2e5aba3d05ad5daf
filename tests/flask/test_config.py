"""Configuration: ConfigError at start-up, precedence, factories, CORS() twice, policy=."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.flask.support import ALLOWED, OTHER, PARTNER, acao, make_app, preflight
from wsgicors import ConfigError, CORSPolicy
from wsgicors_flask import CORS


def problems_of(**options: Any) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        CORS(Flask("bad"), **options)
    return [(problem.code, problem.option) for problem in caught.value.problems]


def test_star_with_credentials_is_refused_at_start_up() -> None:
    """flask-cors reflected any origin, null included, with credentials."""
    assert ("star-credentials", "origins") in problems_of(supports_credentials=True)


def test_every_problem_is_reported_at_once_with_flask_cors_names() -> None:
    found = problems_of(origins=["https://app.example.com/", "null"], methods=["TRACE"],
                        max_age=-1, supports_credentials=True)
    options = {option for _code, option in found}
    assert options == {"origins", "methods", "max_age"}
    assert len(found) >= 4


@pytest.mark.parametrize("options, code", [
    ({"origins": r"^https://.*", "supports_credentials": True}, "regex-unproven"),
    ({"origins": r"^https://.*"}, "regex-unproven"),
    ({"origins": r"https://.*", "supports_credentials": True}, "regex-unproven"),
    ({"origins": "https://app*.example.com"}, "origin-wildcard"),
    ({"origins": ["http://app.example.com"], "supports_credentials": True}, "origin-insecure"),
    ({"origins": ["https://*.github.io"], "supports_credentials": True}, "origin-public-suffix"),
    ({"allow_private_network": True}, "star-private-network"),
    ({"allow_headers": [r"X-(unclosed"]}, "regex-invalid"),
    ({"orgins": [ALLOWED]}, "unknown-option"),
    ({"resources": 42}, "type"),
    ({"policy": CORSPolicy(allow_origins=[ALLOWED]), "origins": [ALLOWED]}, "policy-and-options"),
])
def test_unsafe_or_wrong_options_are_refused(options: dict[str, Any], code: str) -> None:
    assert code in {found for found, _option in problems_of(**options)}


def test_config_errors_in_app_config_are_raised_by_init_app() -> None:
    app = Flask("config")
    app.config["CORS_SUPPORTS_CREDENTIALS"] = True
    with pytest.raises(ConfigError):
        CORS(app)


def test_precedence_resource_over_init_app_over_constructor_over_config() -> None:
    app = make_app(CORS_ORIGINS=[OTHER], CORS_EXPOSE_HEADERS=["X-Config"],
                   CORS_MAX_AGE=100, CORS_METHODS=["GET", "PUT"])
    cors = CORS(origins=[PARTNER], max_age=200)
    cors.init_app(app, max_age=300,
                  resources={"/api/*": {"origins": [ALLOWED]}, "/public/*": {}})
    client = app.test_client()
    api = preflight(client, "/api/items", origin=ALLOWED)
    assert acao(api) == ALLOWED  # per-resource beats everything
    assert api.headers["Access-Control-Max-Age"] == "300"  # init_app beats constructor
    public = client.get("/public/x", headers={"Origin": PARTNER})
    assert acao(public) == PARTNER  # constructor beats app.config
    assert public.headers["Access-Control-Expose-Headers"] == "x-config"  # config beats default
    assert acao(client.get("/public/x", headers={"Origin": OTHER})) is None


def test_application_factory_reads_the_apps_config() -> None:
    cors = CORS()

    def create_app(origin: str) -> Flask:
        app = make_app()
        app.config.from_mapping(CORS_ORIGINS=[origin], CORS_SUPPORTS_CREDENTIALS=True)
        cors.init_app(app)
        return app

    first, second = create_app(ALLOWED).test_client(), create_app(PARTNER).test_client()
    assert acao(first.get("/api/items", headers={"Origin": ALLOWED})) == ALLOWED
    assert acao(first.get("/api/items", headers={"Origin": PARTNER})) is None
    response = second.get("/api/items", headers={"Origin": PARTNER})
    assert acao(response) == PARTNER
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_calling_cors_twice_replaces_the_configuration(app: Flask) -> None:
    """flask-cors merged both configurations: the first one's origin stayed allowed."""
    CORS(app, origins=[ALLOWED], expose_headers=["X-One"])
    client = app.test_client()
    assert acao(client.get("/api/items", headers={"Origin": ALLOWED})) == ALLOWED
    CORS(app, origins=[PARTNER])
    assert acao(client.get("/api/items", headers={"Origin": ALLOWED})) is None
    response = client.get("/api/items", headers={"Origin": PARTNER})
    assert acao(response) == PARTNER
    assert "Access-Control-Expose-Headers" not in response.headers


def test_a_failed_reconfiguration_keeps_the_running_one(app: Flask) -> None:
    CORS(app, origins=[ALLOWED])
    with pytest.raises(ConfigError):
        CORS(app, origins=["*"], supports_credentials=True)
    assert acao(app.test_client().get("/api/items", headers={"Origin": ALLOWED})) == ALLOWED


def test_policy_object_is_accepted(app: Flask) -> None:
    policy = CORSPolicy(allow_origins=[ALLOWED], allow_credentials=True, max_age=60)
    CORS(app, policy=policy, resources=[r"/api/*"])
    client = app.test_client()
    assert preflight(client, "/api/items").headers["Access-Control-Max-Age"] == "60"
    assert acao(client.get("/public/x", headers={"Origin": ALLOWED})) is None


def test_policy_in_app_config_and_per_resource(app: Flask) -> None:
    app.config["CORS_POLICY"] = CORSPolicy(allow_origins=[ALLOWED])
    CORS(app, resources={"/api/*": {}, "/public/*": CORSPolicy(allow_origins=[PARTNER])})
    client = app.test_client()
    assert acao(client.get("/api/items", headers={"Origin": ALLOWED})) == ALLOWED
    assert acao(client.get("/public/x", headers={"Origin": PARTNER})) == PARTNER


def test_compatibility_flags_are_accepted(app: Flask) -> None:
    CORS(app, origins=[ALLOWED], send_wildcard=False, vary_header=True, always_send=True,
         automatic_options=True, intercept_exceptions=True)
    assert acao(app.test_client().get("/api/items", headers={"Origin": ALLOWED})) == ALLOWED


def test_compiled_regex_resources_and_origins(app: Flask) -> None:
    CORS(app, resources={re.compile(r"/public/[a-z]+"): {"origins": re.compile(r"https://[a-z]+\.example\.org")}})
    client = app.test_client()
    assert acao(client.get("/public/abc", headers={"Origin": PARTNER})) == PARTNER
    assert acao(client.get("/public/abc1", headers={"Origin": PARTNER})) is None


def test_explain_reads_the_apps_configuration(app: Flask) -> None:
    from wsgicors import explain

    CORS(app, resources={"/api/*": {"origins": [ALLOWED]}})
    layer = app.wsgi_app
    assert explain(layer, origin=ALLOWED, path="/api/items").allowed
    refused = explain(layer, origin=OTHER, path="/api/items")
    assert (refused.allowed, refused.option) == (False, "allow_origins")
    assert explain(layer, origin=ALLOWED, path="/apix").kind == "not-covered"


def test_explain_finds_the_layer_through_the_app_and_other_wrappers(app: Flask) -> None:
    """explain() follows app.wsgi_app and a WSGI middleware's .app, importing nothing."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from wsgicors import explain

    CORS(app, resources={"/api/*": {"origins": [ALLOWED]}})
    app.wsgi_app = ProxyFix(app.wsgi_app)  # type: ignore[method-assign]
    for target in (app, app.wsgi_app, ProxyFix(app)):
        assert explain(target, origin=ALLOWED, path="/api/items").allowed
        refused = explain(target, origin=OTHER, path="/api/items")
        assert (refused.allowed, refused.code) == (False, "origin-not-allowed")


def test_option_spelling_names_flask_cors_options() -> None:
    """What the tools read to name an option the way a flask-cors user writes it."""
    from wsgicors.adapter import OPTION_NAMES as CORE_OPTIONS
    from wsgicors_flask.options import OPTION_NAMES, OPTION_SPELLING, translate

    assert set(OPTION_SPELLING) <= {*CORE_OPTIONS, "paths"}
    assert set(OPTION_SPELLING.values()) <= set(OPTION_NAMES)
    # The flask-cors name really sets the wsgicors option it stands for.
    for flask_name, value, option in [("origins", [ALLOWED], "allow_origins"),
                                      ("methods", ["GET"], "allow_methods"),
                                      ("supports_credentials", True, "allow_credentials")]:
        assert OPTION_SPELLING[option] == flask_name
        assert option in translate({flask_name: value}, "", [])
    assert OPTION_SPELLING["paths"] == "resources"


# -- issue 21: every problem at once, warnings in flask-cors's words -------------------

def test_a_misspelt_option_is_reported_with_every_other_problem() -> None:
    """Fixing the typo used to reveal the next problem: now both come at once."""
    assert sorted(problems_of(support_credentials=True, supports_credentials=True,
                              max_age=-1)) == [
        ("max-age-range", "max_age"), ("star-credentials", "origins"),
        ("unknown-option", "support_credentials")]


def test_a_misspelt_option_in_the_constructor_is_reported_by_init_app() -> None:
    cors = CORS(origin=[ALLOWED])  # the factory pattern: checked with the app
    with pytest.raises(ConfigError) as caught:
        cors.init_app(Flask("factory"))
    assert [p.code for p in caught.value.problems] == ["unknown-option"]
    assert "did you mean 'origins'?" in caught.value.problems[0].hint


def test_star_credentials_quotes_dot_star_as_written() -> None:
    with pytest.raises(ConfigError) as caught:
        CORS(Flask("dot"), origins=[".*", ALLOWED], supports_credentials=True)
    [problem] = caught.value.problems
    assert problem.message.startswith("'.*' together with supports_credentials=True")
    assert problem.hint == "remove '.*', or turn supports_credentials off."


def test_warnings_are_logged_once_at_start_up_in_flask_cors_words(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = Flask("warned")
    with caplog.at_level("WARNING", logger="wsgicors"):
        CORS(app, origins=[".*", ALLOWED], allow_headers=["Content-Type", "Origin", "DNT"],
             resources={r"/api/*": {}, r"/v2/*": {}, r"/null/*": {"origins": ["null"]}})
    lines = [r.getMessage() for r in caplog.records if r.name == "wsgicors"]
    assert len(lines) == 6, lines  # three for the shared policy, three for /null/*
    assert lines[0].startswith("CORS configuration: origins: '.*' is listed together with "
                               f"{ALLOWED!r}")
    assert any(line.startswith("CORS configuration: resources['/null/*'].origins: 'null'")
               for line in lines)
    assert not any("allow_origins" in line for line in lines)
    client = app.test_client()
    assert acao(client.get("/api/x", headers={"Origin": OTHER})) == "*"
    assert acao(client.get("/null/x", headers={"Origin": "null"})) == "null"


@pytest.mark.parametrize("origins", [["*", r"https://.*\.notepad\.cc"],
                                     ["*", "^http://localhost:\\d+$"]])
def test_star_plus_a_regex_starts_with_a_warning(
    origins: list[str], caplog: pytest.LogCaptureFixture,
) -> None:
    app = Flask("star")
    with caplog.at_level("WARNING", logger="wsgicors"):
        CORS(app, origins=origins)
    [line] = [r.getMessage() for r in caplog.records if r.name == "wsgicors"]
    assert line == (f"CORS configuration: origins: '*' already allows every origin, so the "
                    f"regex r'{origins[1]}' never decides anything. Fix: remove the regex, "
                    "or remove '*' to allow only the origins the regex matches.")
    assert acao(app.test_client().get("/x", headers={"Origin": OTHER})) == "*"
