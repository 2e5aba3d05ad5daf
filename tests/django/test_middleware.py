"""The middleware under WSGI (Django's test client runs the real WSGI handler).

Scenarios ported from django-cors-headers' own test suite (every setting, the old
aliases, URL regex with SCRIPT_NAME, error responses), rewritten for pytest-django,
plus the behaviour wsgicors changes on purpose (403 preflights, full-match regexes).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.django import views
from wsgicors import ConfigError
from wsgicors_django.defaults import default_headers, default_methods
from wsgicors_django.middleware import CorsMiddleware

APP = "https://app.example.com"
EVIL = "https://evil.example.net"


def get(client: Client, path: str, origin: str | None = None, **extra: str):  # type: ignore[no-untyped-def]
    headers = {"Origin": origin} if origin else {}
    return client.get(path, headers=headers, **extra)


def preflight(client: Client, path: str, origin: str, method: str = "PUT",
              headers: str | None = None, **extra: str):  # type: ignore[no-untyped-def]
    sent = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        sent["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=sent, **extra)


def listed(value: str) -> set[str]:
    """The names in a comma-separated header value, as a browser compares them."""
    return {name.strip().lower() for name in value.split(",")}


def acao(response) -> str | None:  # type: ignore[no-untyped-def]
    return response.headers.get("Access-Control-Allow-Origin")


# -- actual requests --------------------------------------------------------------------

def test_no_origin_gets_vary_but_no_cors_headers(client):
    response = get(client, "/api/items/")
    assert response.status_code == 200
    assert acao(response) is None
    assert response["Vary"] == "Origin"


def test_allowed_origin_is_echoed(client):
    response = get(client, "/api/items/", APP)
    assert acao(response) == APP
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response["Vary"] == "Origin"


def test_denied_origin_gets_no_cors_headers_but_vary(client):
    response = get(client, "/api/items/", EVIL)
    assert response.status_code == 200  # CORS is not access control: the view ran
    assert acao(response) is None
    assert response["Vary"] == "Origin"


@pytest.mark.parametrize("origin", [
    "https://app.example.com.evil.net", "https://app.example.com/", "https://APP.example.com",
    "http://app.example.com", "https://app.example.com:8443", "null", "",
    "https://app.example.com, https://evil.net",
])
def test_lookalike_origins_are_refused(client, origin):
    assert acao(get(client, "/api/items/", origin or None, HTTP_ORIGIN=origin)) is None


def test_credentials_and_exposed_headers(client, settings):
    settings.CORS_ALLOW_CREDENTIALS = True
    settings.CORS_EXPOSE_HEADERS = ["X-Total-Count", "X-Page"]
    response = get(client, "/api/items/", APP)
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert response["Access-Control-Expose-Headers"] == "x-total-count, x-page"
    denied = get(client, "/api/items/", EVIL)
    assert "Access-Control-Allow-Credentials" not in denied.headers


def test_old_alias_is_read(client, settings):
    del settings.CORS_ALLOWED_ORIGINS
    settings.CORS_ORIGIN_WHITELIST = ["https://old.example.com"]
    assert acao(get(client, "/api/items/", "https://old.example.com")) == "https://old.example.com"


def test_new_name_wins_over_old_alias(client, settings):
    settings.CORS_ORIGIN_WHITELIST = ["https://old.example.com"]
    assert acao(get(client, "/api/items/", "https://old.example.com")) is None
    assert acao(get(client, "/api/items/", APP)) == APP


@pytest.mark.parametrize("name", ["CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"])
def test_allow_all_sends_star_without_vary(client, settings, name):
    setattr(settings, name, True)
    response = get(client, "/api/items/", EVIL)
    assert acao(response) == "*"
    assert "Vary" not in response.headers


def test_allow_all_false_new_name_wins(client, settings):
    settings.CORS_ORIGIN_ALLOW_ALL = True
    settings.CORS_ALLOW_ALL_ORIGINS = False
    assert acao(get(client, "/api/items/", EVIL)) is None


def test_origin_regexes_are_full_matched(client, settings):
    settings.CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://\w+\.example\.org$", re.compile(r"https://x\.test")]
    assert acao(get(client, "/api/items/", "https://a.example.org")) == "https://a.example.org"
    assert acao(get(client, "/api/items/", "https://x.test")) == "https://x.test"
    # re.match (django-cors-headers) would accept both of these prefixes:
    assert acao(get(client, "/api/items/", "https://x.test.evil.net")) is None
    assert acao(get(client, "/api/items/", "https://a.example.org.evil.net")) is None


def test_old_regex_alias(client, settings):
    settings.CORS_ORIGIN_REGEX_WHITELIST = [r"https://\w+\.example\.org"]
    assert acao(get(client, "/api/items/", "https://b.example.org")) == "https://b.example.org"


def test_origin_pattern_in_allowed_origins(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://*.example.com", "http://localhost:*"]
    assert acao(get(client, "/api/items/", "https://a.b.example.com")) == "https://a.b.example.com"
    assert acao(get(client, "/api/items/", "http://localhost:5173")) == "http://localhost:5173"
    assert acao(get(client, "/api/items/", "https://example.com")) is None


def test_view_vary_is_merged_not_replaced(client):
    response = get(client, "/api/varies/", APP)
    assert response["Vary"] == "Cookie, Origin"
    assert acao(response) == APP


def test_view_that_sets_its_own_cors_headers_keeps_them(client):
    response = get(client, "/api/own-cors/", APP)
    assert acao(response) == "https://own.example"


def test_class_based_view(client):
    assert acao(get(client, "/api/cbv/", APP)) == APP


# -- responses the view did not make -----------------------------------------------------

def test_404_gets_headers(client):
    response = get(client, "/nowhere/", APP)
    assert response.status_code == 404
    assert acao(response) == APP


def test_500_from_an_exception_gets_headers():
    client = Client(raise_request_exception=False)
    response = get(client, "/api/boom/", APP)
    assert response.status_code == 500
    assert acao(response) == APP
    assert response["Vary"] == "Origin"


def test_permission_denied_gets_headers(client):
    response = get(client, "/api/denied/", APP)
    assert response.status_code == 403
    assert acao(response) == APP


def test_append_slash_redirect_gets_headers(client):
    response = get(client, "/api/items", APP)
    assert response.status_code == 301
    assert response["Location"] == "/api/items/"
    assert acao(response) == APP


def test_preflight_is_answered_before_the_append_slash_redirect(client):
    response = preflight(client, "/api/items", APP)
    assert response.status_code == 204
    assert acao(response) == APP


# -- preflights --------------------------------------------------------------------------

def test_preflight_allowed(client):
    before = views.CALLS.get("items", 0)
    response = preflight(client, "/api/items/", APP, "PUT", "content-type,x-requested-with")
    assert response.status_code == 204
    assert response.content == b""
    assert "Content-Type" not in response.headers
    assert acao(response) == APP
    assert response["Access-Control-Allow-Methods"] == ", ".join(default_methods)
    assert {"content-type", "x-requested-with"} <= listed(response["Access-Control-Allow-Headers"])
    assert response["Access-Control-Max-Age"] == "86400"
    assert "Origin" in response["Vary"]
    assert views.CALLS.get("items", 0) == before  # the view never ran


def test_preflight_from_denied_origin_is_403_without_cors_headers(client):
    response = preflight(client, "/api/items/", EVIL)
    assert response.status_code == 403
    assert acao(response) is None
    assert not any(name.startswith("Access-Control-") for name in response.headers)


def test_preflight_method_not_allowed(client, settings):
    settings.CORS_ALLOW_METHODS = ["GET", "POST"]
    assert preflight(client, "/api/items/", APP, "DELETE").status_code == 403
    assert preflight(client, "/api/items/", APP, "GET").status_code == 204


def test_preflight_method_is_case_sensitive(client):
    assert preflight(client, "/api/items/", APP, "patch").status_code == 403


def test_preflight_header_not_allowed_then_added(client, settings):
    assert preflight(client, "/api/items/", APP, "PUT", "x-custom").status_code == 403
    settings.CORS_ALLOW_HEADERS = (*default_headers, "x-custom")
    response = preflight(client, "/api/items/", APP, "PUT", "X-Custom, Authorization")
    assert response.status_code == 204
    assert {"x-custom", "authorization"} <= listed(response["Access-Control-Allow-Headers"])


@pytest.mark.parametrize("value", [0, None])
def test_max_age_falsy_omits_header(client, settings, value):
    settings.CORS_PREFLIGHT_MAX_AGE = value
    response = preflight(client, "/api/items/", APP)
    assert response.status_code == 204
    assert "Access-Control-Max-Age" not in response.headers


def test_max_age_setting(client, settings):
    settings.CORS_PREFLIGHT_MAX_AGE = 1200
    assert preflight(client, "/api/items/", APP)["Access-Control-Max-Age"] == "1200"


def test_preflight_with_credentials(client, settings):
    settings.CORS_ALLOW_CREDENTIALS = True
    response = preflight(client, "/api/items/", APP)
    assert response["Access-Control-Allow-Credentials"] == "true"


def test_private_network(client, settings):
    extra = {"HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK": "true"}
    response = preflight(client, "/api/items/", APP, **extra)
    assert "Access-Control-Allow-Private-Network" not in response.headers
    settings.CORS_ALLOW_PRIVATE_NETWORK = True
    response = preflight(client, "/api/items/", APP, **extra)
    assert response["Access-Control-Allow-Private-Network"] == "true"


def test_plain_options_reaches_the_view(client):
    before = views.CALLS.get("items", 0)
    response = client.options("/api/items/", headers={"Origin": APP})
    assert response.status_code == 200
    assert response.json() == {"method": "OPTIONS"}
    assert acao(response) == APP
    assert views.CALLS["items"] == before + 1


# -- which paths -------------------------------------------------------------------------

def test_urls_regex_limits_cors_to_matching_paths(client, settings):
    settings.CORS_URLS_REGEX = r"^/api/.*$"
    assert acao(get(client, "/api/items/", APP)) == APP
    outside = get(client, "/other/", APP)
    assert acao(outside) is None
    assert "Vary" not in outside.headers


def test_urls_regex_preflight_outside_reaches_the_view(client, settings):
    settings.CORS_URLS_REGEX = r"^/api/.*$"
    before = views.CALLS.get("other", 0)
    response = preflight(client, "/other/", APP)
    assert acao(response) is None
    assert views.CALLS["other"] == before + 1


def test_urls_regex_is_matched_against_path_info_not_script_name(client, settings):
    settings.CORS_URLS_REGEX = r"^/api/items/$"
    response = get(client, "/api/items/", APP, SCRIPT_NAME="/mounted")
    assert response.wsgi_request.path == "/mounted/api/items/"
    assert acao(response) == APP


def test_urls_regex_compiled(client, settings):
    settings.CORS_URLS_REGEX = re.compile(r"/api/items/")
    assert acao(get(client, "/api/items/", APP)) == APP
    assert acao(get(client, "/api/cbv/", APP)) is None


def test_cors_paths(client, settings):
    settings.CORS_PATHS = {
        "/api/cbv/": {"allow_origins": "*"},
        "/api/varies/": None,
        "/other/": {"allow_credentials": True},
    }
    assert acao(get(client, "/api/cbv/", EVIL)) == "*"
    response = get(client, "/api/varies/", APP)
    assert acao(response) is None
    assert response["Vary"] == "Cookie"
    other = get(client, "/other/", APP)  # inherits the origins, adds credentials
    assert acao(other) == APP
    assert other["Access-Control-Allow-Credentials"] == "true"
    assert acao(get(client, "/api/items/", APP)) == APP


# -- dynamic origins ---------------------------------------------------------------------

def test_allow_origin_func_dotted_path(client, settings, db):
    settings.CORS_ALLOW_ORIGIN_FUNC = "tests.django.views.origin_in_db"
    assert acao(get(client, "/api/items/", "https://tenant.example.org")) == "https://tenant.example.org"
    assert acao(get(client, "/api/items/", APP)) == APP
    assert acao(get(client, "/api/items/", EVIL)) is None
    assert preflight(client, "/api/items/", "https://tenant.example.org").status_code == 204


@pytest.fixture
def receiver(db):
    from wsgicors_django.signals import check_request_enabled

    check_request_enabled.connect(views.signal_receiver)
    yield views.signal_receiver
    check_request_enabled.disconnect(views.signal_receiver)


def test_signal_allows_origin(client, receiver):
    tenant = "https://tenant.example.org"
    assert acao(get(client, "/api/items/", tenant)) == tenant
    assert preflight(client, "/api/items/", tenant).status_code == 204
    assert acao(get(client, "/api/items/", EVIL)) is None
    assert preflight(client, "/api/items/", EVIL).status_code == 403


def test_signal_bypasses_urls_regex(client, settings, receiver):
    settings.CORS_URLS_REGEX = r"^/api/.*$"
    tenant = "https://tenant.example.org"
    response = get(client, "/other/", tenant)
    assert acao(response) == tenant
    assert get(client, "/other/")["Vary"] == "Origin"  # the answer depends on the origin
    assert acao(get(client, "/other/", APP)) is None


def test_signal_uses_project_settings_but_never_grants_credentials(client, settings, receiver):
    """Issue 9 item 8: a receiver never grants credentials (and never reflects null)."""
    settings.CORS_ALLOW_CREDENTIALS = True
    settings.CORS_EXPOSE_HEADERS = ["X-Total"]
    response = get(client, "/api/items/", "https://tenant.example.org")
    assert acao(response) == "https://tenant.example.org"
    assert response["Access-Control-Expose-Headers"] == "x-total"
    assert "Access-Control-Allow-Credentials" not in response
    listed = get(client, "/api/items/", APP)
    assert listed["Access-Control-Allow-Credentials"] == "true"


def test_receiver_that_says_yes_to_everything_never_reflects_null_or_credentials(client, settings):
    from wsgicors_django.signals import check_request_enabled

    def api_for_everyone(sender, request, **kwargs):
        return request.path.startswith("/api/")

    settings.CORS_ALLOW_CREDENTIALS = True
    check_request_enabled.connect(api_for_everyone)
    try:
        evil = get(client, "/api/items/", EVIL)
        null = get(client, "/api/items/", "null")
        null_preflight = preflight(client, "/api/items/", "null")
    finally:
        check_request_enabled.disconnect(api_for_everyone)
    assert acao(evil) == EVIL and "Access-Control-Allow-Credentials" not in evil
    assert acao(null) is None and null["Vary"] == "Origin"
    assert null_preflight.status_code == 403


def test_signal_does_not_override_cors_paths_none(client, settings, receiver):
    settings.CORS_PATHS = {"/other/": None}
    assert acao(get(client, "/other/", "https://tenant.example.org")) is None


def test_failing_receiver_counts_as_no_and_is_logged(client, caplog):
    from wsgicors_django.signals import check_request_enabled

    def broken(sender, request, **kwargs):
        raise LookupError("database down")

    check_request_enabled.connect(broken)
    try:
        response = get(client, "/api/items/", "https://tenant.example.org")
    finally:
        check_request_enabled.disconnect(broken)
    assert response.status_code == 200
    assert acao(response) is None
    assert "database down" in caplog.text


def test_receiver_from_django_cors_headers_style_module(client):
    """A receiver written for corsheaders (sender, request, **kwargs) works unchanged."""
    from wsgicors_django.signals import check_request_enabled

    def cors_allow_api_to_everyone(sender, request, **kwargs):
        return request.path.startswith("/api/")

    check_request_enabled.connect(cors_allow_api_to_everyone)
    try:
        assert acao(get(client, "/api/items/", EVIL)) == EVIL
        assert acao(get(client, "/other/", EVIL)) is None
    finally:
        check_request_enabled.disconnect(cors_allow_api_to_everyone)


# -- per-view decorators -----------------------------------------------------------------

def test_decorated_view_uses_its_own_policy(client):
    partner = "https://partner.example"
    response = get(client, "/partner/report/", partner)
    assert acao(response) == partner
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert acao(get(client, "/partner/report/", APP)) is None  # settings do not apply


def test_decorated_view_preflight(client):
    before = views.CALLS.get("partner_report", 0)
    response = preflight(client, "/partner/report/", "https://partner.example", "PUT")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Methods"] == "GET, PUT"
    assert response["Access-Control-Max-Age"] == "600"
    assert preflight(client, "/partner/report/", "https://partner.example", "DELETE").status_code == 403
    assert preflight(client, "/partner/report/", APP).status_code == 403
    assert views.CALLS.get("partner_report", 0) == before


def test_decorated_class_based_view(client):
    response = get(client, "/public/", EVIL)
    assert acao(response) == "*"
    assert "Vary" not in response.headers


def test_decorated_view_wins_over_urls_regex(client, settings):
    settings.CORS_URLS_REGEX = r"^/api/.*$"
    assert acao(get(client, "/partner/report/", "https://partner.example")) == "https://partner.example"


def test_exempt_view(client):
    response = get(client, "/api/exempt/", APP)
    assert acao(response) is None
    assert "Vary" not in response.headers
    answered = preflight(client, "/api/exempt/", APP)
    assert answered.status_code == 200
    assert answered.content == b"exempt OPTIONS"


def test_decorator_keeps_view_type():
    import inspect

    assert inspect.iscoroutinefunction(views.partner_async)
    assert not inspect.iscoroutinefunction(views.partner_report)


def test_decorator_validates_at_import_time():
    from wsgicors_django import cors

    with pytest.raises(ConfigError) as raised:
        cors(allow_origins=["https://a.example/"], allow_credentials=True, max_age=-1)
    codes = {problem.code for problem in raised.value.problems}
    assert {"origin-not-serialized", "max-age-range"} <= codes


def test_decorator_speaks_corspolicy_names_only():
    """Issue 10: no fourth vocabulary; a short name gets a hint naming the real one."""
    from wsgicors_django import cors

    with pytest.raises(ConfigError) as raised:
        cors(origins=["https://a.example"])
    problem = raised.value.problems[0]
    assert problem.code == "unknown-option" and "allow_origins" in problem.hint


def test_decorator_rejects_duplicate_names():
    from wsgicors_django import cors

    with pytest.raises(ConfigError):
        cors(origins=["https://a.example"], allow_origins=["https://b.example"])


# -- configuration errors ----------------------------------------------------------------

def test_invalid_settings_fail_the_request_loudly(client, settings):
    settings.CORS_ALLOW_ALL_ORIGINS = True
    settings.CORS_ALLOW_CREDENTIALS = True
    with pytest.raises(ConfigError) as raised:
        get(client, "/api/items/", APP)
    assert "CORS_ALLOW_ALL_ORIGINS" in str(raised.value)


def test_invalid_settings_stop_the_middleware_at_start_up(settings):
    settings.CORS_ALLOWED_ORIGINS = ["app.example.com"]
    with pytest.raises(ConfigError) as raised:
        CorsMiddleware(lambda request: None)
    assert raised.value.problems[0].option == "CORS_ALLOWED_ORIGINS"
    assert "'https://app.example.com'" in raised.value.problems[0].hint


def test_override_settings_is_picked_up_and_restored(client):
    from django.test import override_settings

    with override_settings(CORS_ALLOWED_ORIGINS=[EVIL]):
        assert acao(get(client, "/api/items/", EVIL)) == EVIL
    assert acao(get(client, "/api/items/", EVIL)) is None
    assert acao(get(client, "/api/items/", APP)) == APP


# -- explanations ------------------------------------------------------------------------

def test_explain_request_says_why():
    from wsgicors_django.middleware import explain_request

    refused = explain_request("/api/items/", origin="https://app.example.com.evil.net")
    assert (refused.allowed, refused.code, refused.option) == (False, "origin-not-allowed", "allow_origins")
    allowed = explain_request("/partner/report/", origin="https://partner.example",
                              method="OPTIONS", request_method="PUT")
    assert (allowed.kind, allowed.allowed, allowed.status) == ("preflight", True, 204)
    assert explain_request("/api/exempt/", origin=APP).code == "path-not-covered"


def test_explain_request_agrees_with_the_middleware(client):
    from wsgicors_django.middleware import explain_request

    for path in ("/api/items/", "/partner/report/", "/public/", "/api/exempt/"):
        for origin in (APP, EVIL, "https://partner.example"):
            expected = explain_request(path, origin=origin).allowed
            assert (acao(get(client, path, origin)) is not None) == expected, (path, origin)


FIRST_PREFLIGHT = """
import sys
import django
from django.conf import settings
from tests.django import settings as test_settings
settings.configure(**{n: getattr(test_settings, n) for n in dir(test_settings) if n.isupper()})
django.setup()
from django.test import Client
assert "tests.django.views" not in sys.modules
response = Client().options("/partner/report/", headers={
    "Origin": "https://partner.example", "Access-Control-Request-Method": "PUT"})
print(response.status_code, response.headers.get("Access-Control-Allow-Origin"))
"""


def test_the_first_preflight_after_start_up_gets_the_views_own_policy():
    """Preflights are answered before Django resolves a URL, and the views (with their
    @cors) are only imported when one is resolved: a fresh process must still answer
    the first preflight with the view's policy, not the settings'."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", FIRST_PREFLIGHT], cwd=root, text=True,
                            capture_output=True, check=True)
    assert result.stdout.split() == ["204", "https://partner.example"]


def test_route_matcher_picks_the_views_policy_else_the_settings():
    """What the tools and explain() use: the same choice as the middleware."""
    from wsgicors import explain
    from wsgicors_django.conf import route_matcher
    from wsgicors_django.middleware import explain_request

    matcher = route_matcher()
    assert matcher.match("/api/exempt/") == (None, "@cors_exempt")
    partner, pattern = matcher.match("/partner/report/")
    assert pattern == "@cors" and partner is not None
    assert partner.lookup("https://partner.example") is not None
    settings_policy, pattern = matcher.match("/api/items/")
    assert pattern is None and settings_policy is not None
    assert settings_policy.lookup(APP) is not None and settings_policy.lookup(EVIL) is None
    for path in ("/api/items/", "/partner/report/", "/public/", "/api/exempt/"):
        for origin in (APP, EVIL, "https://partner.example"):
            assert explain(matcher, origin=origin, path=path) == explain_request(
                path, origin=origin)


def test_option_spelling_names_the_settings(settings):
    from wsgicors.adapter import OPTION_NAMES
    from wsgicors_django.conf import OPTION_SPELLING, route_matcher

    assert set(OPTION_SPELLING) == {*OPTION_NAMES, "paths"}
    assert OPTION_SPELLING["allow_origins"] == "CORS_ALLOWED_ORIGINS"
    # The spelled setting is the one that configures the option.
    setattr(settings, OPTION_SPELLING["allow_methods"], ["GET", "PATCH"])
    policy, _pattern = route_matcher().match("/api/items/")
    assert policy is not None and policy.method_allowed("PATCH")
    assert not policy.method_allowed("PUT")


def test_refusals_are_logged_escaped_at_debug(client, caplog):
    caplog.set_level("DEBUG", logger="wsgicors")
    get(client, "/api/items/", "https://evil.example\r\nX-Injected: 1", HTTP_ORIGIN="https://evil.example\r\nX-Injected: 1")
    lines = [record.getMessage() for record in caplog.records if record.name == "wsgicors"]
    assert any("origin-malformed" in line for line in lines)
    assert not any("\r" in line or "\n" in line for line in lines)


def test_cors_paths_regex_key_and_policy_value(client, settings):
    from wsgicors import CORSPolicy

    settings.CORS_PATHS = {
        re.compile(r"/api/(items|cbv)/"): CORSPolicy(allow_origins=["https://partner.example"]),
    }
    assert acao(get(client, "/api/items/", "https://partner.example")) == "https://partner.example"
    assert acao(get(client, "/api/items/", APP)) is None  # the policy replaces the settings
    assert acao(get(client, "/api/varies/", APP)) == APP  # not matched: the settings apply
    assert preflight(client, "/api/cbv/", "https://partner.example").status_code == 204
