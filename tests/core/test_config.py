"""Configuration is validated once, at construction, and every problem is reported."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from tests.core.support import hello_app
from tests.support import triggers
from wsgicors import ConfigError, CORSMiddleware, CORSPolicy
from wsgicors.vocabulary import PolicyProblemCode, PolicyWarningCode, literal_values

# (options, problem code, option named, text the hint must contain)
INVALID: list[tuple[dict[str, Any], str, str, str]] = [
    ({"allow_origins": "*", "allow_credentials": True}, "star-credentials", "allow_origins", "list the origins"),
    ({"allow_origins": ["null"], "allow_credentials": True}, "origin-null", "allow_origins", "allow_origin_func"),
    ({"allow_origins": ["file://"]}, "origin-file", "allow_origins", "localhost"),
    ({"allow_origins": ["https://app.example.com/"]}, "origin-not-serialized", "allow_origins", "'https://app.example.com'"),
    ({"allow_origins": ["https://app.example.com/path"]}, "origin-not-serialized", "allow_origins", "'https://app.example.com'"),
    ({"allow_origins": ["https://app.example.com?x=1"]}, "origin-not-serialized", "allow_origins", "'https://app.example.com'"),
    ({"allow_origins": ["https://user@app.example.com"]}, "origin-not-serialized", "allow_origins", "'https://app.example.com'"),
    ({"allow_origins": ["https://a.example", " https://b.example"]}, "origin-not-serialized", "allow_origins", "'https://b.example'"),
    ({"allow_origins": ["https://app.example.com:443"]}, "origin-default-port", "allow_origins", "'https://app.example.com'"),
    ({"allow_origins": ["http://app.example.com:80"]}, "origin-default-port", "allow_origins", "'http://app.example.com'"),
    ({"allow_origins": ["app.example.com"]}, "origin-no-scheme", "allow_origins", "'https://app.example.com'"),
    ({"allow_origins": ["https://App.Example.com"]}, "origin-uppercase", "allow_origins", "'https://app.example.com'"),
    ({"allow_origins": ["HTTPS://app.example.com"]}, "origin-scheme", "allow_origins", "'https://app.example.com'"),
    ({"allow_origins": ["https://bücher.example"]}, "origin-not-punycode", "allow_origins", "'https://xn--bcher-kva.example'"),
    ({"allow_origins": ["https://app.*.example.com"]}, "origin-wildcard", "allow_origins", "allow_origin_regex"),
    ({"allow_origins": ["https://*example.com"]}, "origin-wildcard", "allow_origins", "allow_origin_regex"),
    ({"allow_origins": ["https://*"]}, "origin-wildcard", "allow_origins", "allow_origin_regex"),
    ({"allow_origins": ["https://app.example.com:99999"]}, "origin-port", "allow_origins", "1 to 65535"),
    ({"allow_origins": ["https://a b.example"]}, "origin-host", "allow_origins", "DNS name"),
    ({"allow_origins": ["https://*.com"], "allow_credentials": True}, "origin-public-suffix", "allow_origins", "your own domains"),
    ({"allow_origins": ["https://*.co.uk"], "allow_credentials": True}, "origin-public-suffix", "allow_origins", "your own domains"),
    ({"allow_origins": ["https://*.github.io"], "allow_credentials": True}, "origin-public-suffix", "allow_origins", "your own domains"),
    ({"allow_origins": ["http://app.example.com"], "allow_credentials": True}, "origin-insecure", "allow_origins", "dangerously_allow_insecure_origins"),
    ({"allow_origins": ["*", "https://app.example.com"], "allow_credentials": True}, "star-credentials", "allow_origins", "remove '*'"),
    ({"allow_origins": [42]}, "type", "allow_origins", "allow_origins="),
    ({"allow_origin_regex": "https://(unclosed"}, "regex-invalid", "allow_origin_regex", "full-matched"),
    ({"allow_origin_regex": r"https://.*", "allow_credentials": True}, "regex-unproven", "allow_origin_regex", "https://*.example.com"),
    ({"allow_origin_regex": 5}, "type", "allow_origin_regex", "allow_origin_regex="),
    ({"allow_origin_func": "not callable"}, "type", "allow_origin_func", "function"),
    ({"allow_origins": "*", "allow_origin_regex": "https://x", "allow_credentials": True}, "star-credentials", "allow_origins", "remove '*'"),
    ({"allow_origins": "*", "allow_private_network": True}, "star-private-network", "allow_private_network", "list the origins"),
    ({"allow_methods": ["CONNECT"]}, "method-forbidden", "allow_methods", "remove"),
    ({"allow_methods": ["TRACE"]}, "method-forbidden", "allow_methods", "remove"),
    ({"allow_methods": ["track"]}, "method-forbidden", "allow_methods", "remove"),
    ({"allow_methods": ["GET POST"]}, "method-invalid", "allow_methods", "tokens"),
    ({"allow_headers": ["x bad"]}, "header-invalid", "allow_headers", "X-Request-Id"),
    ({"expose_headers": ["x:y"]}, "header-invalid", "expose_headers", "X-Request-Id"),
    ({"expose_headers": "*", "allow_credentials": True, "allow_origins": ["https://a.example"]}, "expose-star-credentials", "expose_headers", "list the header"),
    ({"expose_headers": ["Set-Cookie"]}, "expose-forbidden", "expose_headers", "remove"),
    ({"max_age": -1}, "max-age-range", "max_age", "0 to 86400"),
    ({"max_age": 86401}, "max-age-range", "max_age", "0 to 86400"),
    ({"max_age": timedelta(days=2)}, "max-age-range", "max_age", "0 to 86400"),
    ({"max_age": "600"}, "type", "max_age", "max_age=600"),
    ({"max_age": True}, "type", "max_age", "max_age=600"),
    ({"max_age": 1.5}, "type", "max_age", "max_age=600"),
    ({"allow_credentials": "yes"}, "type", "allow_credentials", "allow_credentials=True"),
    ({"allow_private_network": 1}, "type", "allow_private_network", "allow_private_network=True"),
    ({"allow_origin": ["https://a.example"]}, "unknown-option", "allow_origin", "allow_origins"),
]


@pytest.mark.parametrize(("options", "code", "option", "hint"), INVALID,
                         ids=[f"{case[1]}-{i}" for i, case in enumerate(INVALID)])
def test_invalid_configuration_is_refused_with_option_and_fix(
    options: dict[str, Any], code: str, option: str, hint: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        CORSPolicy(**options)
    problems = [p for p in caught.value.problems if p.code == code]
    assert problems, caught.value.problems
    assert problems[0].option == option
    assert hint in problems[0].hint
    assert option in str(caught.value) and "Fix:" in str(caught.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        CORSPolicy(allow_origins=["null", "https://a.example/", "http://b.example"],
                   allow_credentials=True, allow_methods=["TRACE"], max_age=-5)
    codes = sorted(p.code for p in caught.value.problems)
    assert codes == ["max-age-range", "method-forbidden", "origin-insecure",
                     "origin-not-serialized", "origin-null"]
    assert str(caught.value).startswith("5 problems in the CORS configuration:")


def test_unknown_options_are_reported_with_every_other_problem() -> None:
    with pytest.raises(ConfigError) as caught:
        CORSPolicy.from_options({"allow_origins": "*", "support_credentials": True,
                                 "allow_credentials": True, "max_age": -1})
    assert sorted(p.code for p in caught.value.problems) == [
        "max-age-range", "star-credentials", "unknown-option"]


def test_a_misspelt_option_is_checked_under_the_name_its_hint_suggests() -> None:
    """Renaming it as the hint says must not reveal a new problem: it comes now."""
    with pytest.raises(ConfigError) as caught:
        CORSPolicy(allow_origins="*", allow_credential=True)  # type: ignore[call-arg]
    assert [(p.code, p.hint) for p in caught.value.problems] == [
        ("unknown-option", "did you mean 'allow_credentials'?"),
        ("star-credentials", "list the origins that need credentials, or turn "
                             "allow_credentials off.")]


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


@pytest.mark.parametrize("origin", [
    "capacitor://localhost", "ionic://localhost", "tauri://localhost",
    "chrome-extension://abcdefghijklmnopabcdefghijklmnop",
    "moz-extension://4b0bd5f8-2c1e-4d4c-9b1e-1f3a2b5c6d7e",
    "http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]:5173",
    "https://xn--bcher-kva.example", "https://app.example.com:8443",
    "https://*.example.com", "http://localhost:*", "https://*.example.com:*",
])
def test_valid_origins_are_accepted_with_credentials(origin: str) -> None:
    policy = CORSPolicy(allow_origins=[origin], allow_credentials=True)
    assert origin in policy.options["allow_origins"]


def test_insecure_origins_need_the_dangerous_flag() -> None:
    policy = CORSPolicy(allow_origins=["http://intranet.example"], allow_credentials=True,
                        dangerously_allow_insecure_origins=True)
    assert policy.lookup("http://intranet.example") is not None


def test_http_origins_without_credentials_are_fine() -> None:
    assert CORSPolicy(allow_origins=["http://app.example.com"]).lookup("http://app.example.com")


def test_public_suffix_wildcard_without_credentials_is_allowed() -> None:
    # No credentials: the response is as public as '*' would make it.
    assert CORSPolicy(allow_origins=["https://*.github.io"]).lookup("https://me.github.io")


def test_wildcard_under_localhost_with_credentials_is_allowed() -> None:
    policy = CORSPolicy(allow_origins=["http://*.localhost:*"], allow_credentials=True)
    assert policy.lookup("http://app.localhost:3000") is not None


def test_unknown_keyword_on_middleware_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="allow_origins"):
        CORSMiddleware(hello_app, allow_orgins=["https://a.example"])


def test_policy_and_options_together_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="either"):
        CORSMiddleware(hello_app, CORSPolicy(), allow_origins=["https://a.example"])


def test_middleware_without_any_configuration_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no CORS configuration"):
        CORSMiddleware(hello_app)


def test_middleware_rejects_a_non_policy() -> None:
    with pytest.raises(ConfigError, match="expected a CORSPolicy"):
        CORSMiddleware(hello_app, {"allow_origins": "*"})  # type: ignore[arg-type]


def test_from_options_refuses_unknown_names_with_suggestion() -> None:
    with pytest.raises(ConfigError) as caught:
        CORSPolicy.from_options({"allow_credential": True})
    assert "did you mean 'allow_credentials'" in str(caught.value)


def test_policy_is_immutable() -> None:
    policy = CORSPolicy(allow_origins=["https://a.example"])
    with pytest.raises(AttributeError, match="immutable"):
        policy.allow_credentials = True  # type: ignore[misc]


def test_options_are_normalized_and_copied() -> None:
    policy = CORSPolicy(allow_origins="https://a.example", allow_methods="get, patch, PUT",
                        allow_headers=["X-Token", "x-token"], max_age=timedelta(minutes=10))
    options = policy.options
    assert options["allow_origins"] == ("https://a.example",)
    assert options["allow_methods"] == ("GET", "patch", "PUT")
    assert options["allow_headers"] == ("x-token",)
    assert options["max_age"] == 600
    options["max_age"] = 1
    assert policy.options["max_age"] == 600


def test_compiled_regex_is_accepted() -> None:
    policy = CORSPolicy(allow_origin_regex=re.compile(r"https://[a-z]+\.example\.org"))
    assert policy.lookup("https://eu.example.org") is not None


def test_repr_shows_configuration() -> None:
    text = repr(CORSPolicy(allow_origins=["https://a.example"], max_age=60))
    assert "https://a.example" in text and "max_age=60" in text


def test_every_code_has_a_trigger_for_the_adapters_tests() -> None:
    """tests/support/triggers.py feeds the adapters' hint tests: every code is there."""
    problems = set(triggers.PROBLEMS) | triggers.NOT_FROM_OPTIONS
    assert problems == set(literal_values(PolicyProblemCode))
    assert set(triggers.WARNINGS) == set(literal_values(PolicyWarningCode))


@pytest.mark.parametrize(("code", "options"), [
    (code, options) for code, cases in triggers.PROBLEMS.items() for options in cases])
def test_each_trigger_raises_its_problem(code: str, options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as caught:
        CORSPolicy.from_options(triggers.materialized(options))
    assert code in {problem.code for problem in caught.value.problems}


@pytest.mark.parametrize(("code", "options"), [
    (code, options) for code, cases in triggers.WARNINGS.items() for options in cases])
def test_each_trigger_starts_with_its_warning(code: str, options: dict[str, Any]) -> None:
    policy = CORSPolicy.from_options(options)
    assert code in {warning.code for warning in policy.warnings}
