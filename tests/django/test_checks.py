"""System checks: every configuration problem reported with its own ID and a hint."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from wsgicors_django.checks import (
    ERROR_IDS,
    UNKNOWN_ID,
    UNKNOWN_WARNING_ID,
    W_ALL_IGNORES_LISTS,
    W_BELOW_COMMON,
    W_CORSHEADERS_TOO,
    W_MAX_AGE_CLAMPED,
    W_NOT_INSTALLED,
    W_REGEX_ANCHORS,
    W_SIGNAL_NO_CREDENTIALS,
    W_UNKNOWN_SETTING,
    WARNING_IDS,
    check_settings,
)

ENGINE = Path(__file__).resolve().parents[2] / "wsgicors"


def ids(messages) -> list[str]:  # type: ignore[no-untyped-def]
    return [message.id for message in messages]


def test_valid_settings_give_no_messages():
    assert check_settings() == []


def test_check_is_registered_and_runs_with_manage_py_check(settings):
    settings.CORS_ALLOWED_ORIGINS = ["app.example.com"]
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    assert "wsgicors.E006" in str(raised.value)
    assert "https://app.example.com" in str(raised.value)


def test_errors_can_be_silenced_by_id(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com:443"]
    settings.SILENCED_SYSTEM_CHECKS = ["wsgicors.E010"]
    call_command("check")  # no SystemCheckError


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("CORS_ALLOWED_ORIGINS", ["example.com"], "wsgicors.E006"),
    ("CORS_ALLOWED_ORIGINS", ["https://example.com/"], "wsgicors.E007"),
    ("CORS_ALLOWED_ORIGINS", ["https://example.com?q"], "wsgicors.E007"),
    ("CORS_ALLOWED_ORIGINS", ["null"], None),  # a warning without credentials
    ("CORS_ALLOWED_ORIGINS", ["file://"], "wsgicors.E005"),
    ("CORS_ALLOWED_ORIGINS", ["https://Example.com"], "wsgicors.E012"),
    ("CORS_ALLOWED_ORIGINS", ["https://example.com:443"], "wsgicors.E010"),
    ("CORS_ALLOWED_ORIGINS", "https://example.com", None),
    ("CORS_ALLOWED_ORIGINS", [1], "wsgicors.E001"),
    ("CORS_ORIGIN_WHITELIST", ["example.com"], None),  # the new name is set: alias unused
    ("CORS_ALLOWED_ORIGIN_REGEXES", ["^(https://$"], "wsgicors.E017"),
    ("CORS_ALLOWED_ORIGIN_REGEXES", [1], "wsgicors.E001"),
    ("CORS_ALLOW_METHODS", 1, "wsgicors.E001"),
    ("CORS_ALLOW_METHODS", ["TRACE"], "wsgicors.E023"),
    ("CORS_ALLOW_METHODS", ["GET POST"], "wsgicors.E022"),
    ("CORS_ALLOW_HEADERS", ["cookie"], None),  # a warning: it has no effect
    ("CORS_ALLOW_HEADERS", ["x y"], "wsgicors.E024"),
    ("CORS_EXPOSE_HEADERS", ["set-cookie"], "wsgicors.E027"),
    ("CORS_EXPOSE_HEADERS", 1, "wsgicors.E001"),
    ("CORS_ALLOW_CREDENTIALS", "yes", "wsgicors.E001"),
    ("CORS_ALLOW_PRIVATE_NETWORK", 1, "wsgicors.E001"),
    ("CORS_PREFLIGHT_MAX_AGE", -1, "wsgicors.E028"),
    ("CORS_PREFLIGHT_MAX_AGE", "1", "wsgicors.E001"),
    ("CORS_ALLOW_ALL_ORIGINS", "yes", "wsgicors.E001"),
    ("CORS_URLS_REGEX", "^(/api", "wsgicors.E040"),
    ("CORS_URLS_REGEX", 1, "wsgicors.E001"),
    ("CORS_ALLOW_ORIGIN_FUNC", "tests.django.views.no_such_function", "wsgicors.E041"),
    ("CORS_ALLOW_ORIGIN_FUNC", 1, "wsgicors.E001"),
    ("CORS_PATHS", ["/api/*"], "wsgicors.E042"),
    ("CORS_PATHS", {"/api/*": "*"}, "wsgicors.E042"),
    ("CORS_PATHS", {"api": None}, "wsgicors.E029"),
    ("CORS_PATHS", {"/api/*": {"allow_origins": ["example.com"]}}, "wsgicors.E006"),
    ("CORS_PATHS", {"/api/*": {"origins": ["https://a.example"]}}, "wsgicors.E002"),
    ("CORS_MODEL", "app.Model", "wsgicors.E043"),
    ("CORS_REPLACE_HTTPS_REFERER", True, "wsgicors.E043"),
])
def test_each_problem_has_its_id(settings, name, value, expected):
    setattr(settings, name, value)
    errors = [m for m in check_settings() if m.level >= checks.ERROR]
    assert ids(errors) == ([expected] if expected else [])
    for error in errors:
        assert error.hint
        assert error.obj.startswith(name)


def test_message_names_the_old_alias_the_user_wrote(settings):
    del settings.CORS_ALLOWED_ORIGINS
    settings.CORS_ORIGIN_WHITELIST = ["example.com"]
    [error] = check_settings()
    assert error.id == "wsgicors.E006"
    assert error.msg.startswith("CORS_ORIGIN_WHITELIST:")


def test_every_problem_is_reported_at_once(settings):
    settings.CORS_ALLOWED_ORIGINS = ["example.com", "https://a.example/", "null"]
    settings.CORS_ALLOW_CREDENTIALS = True
    settings.CORS_ALLOW_METHODS = ["TRACE"]
    settings.CORS_PREFLIGHT_MAX_AGE = -1
    assert sorted(ids(check_settings())) == [
        "wsgicors.E004", "wsgicors.E006", "wsgicors.E007", "wsgicors.E023", "wsgicors.E028",
    ]


def test_allow_all_with_credentials_is_an_error(settings):
    settings.CORS_ALLOW_ALL_ORIGINS = True
    settings.CORS_ALLOW_CREDENTIALS = True
    del settings.CORS_ALLOWED_ORIGINS
    [error] = check_settings()
    assert error.id == "wsgicors.E019"
    assert error.msg.startswith("CORS_ALLOW_ALL_ORIGINS: CORS_ALLOW_ALL_ORIGINS = True with "
                                "CORS_ALLOW_CREDENTIALS = True would let every site")
    assert error.hint == ("list the origins that need credentials in CORS_ALLOWED_ORIGINS "
                          "and delete CORS_ALLOW_ALL_ORIGINS, or set CORS_ALLOW_CREDENTIALS "
                          "= False.")


@pytest.mark.parametrize(("allow_all", "lists"), [
    ("CORS_ALLOW_ALL_ORIGINS", {"CORS_ALLOWED_ORIGINS": ["https://app.example.com"]}),
    ("CORS_ORIGIN_ALLOW_ALL", {"CORS_ORIGIN_WHITELIST": ["https://app.example.com"],
                               "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://\w+\.a\.com$"]}),
])
def test_allow_all_beside_origin_lists_with_credentials_says_delete_it(
    settings, allow_all, lists,
):
    """Issue 21: seven real settings files; deleting the allow-all setting is the fix."""
    del settings.CORS_ALLOWED_ORIGINS
    setattr(settings, allow_all, True)
    settings.CORS_ALLOW_CREDENTIALS = True
    for name, value in lists.items():
        setattr(settings, name, value)
    errors = [m for m in check_settings() if m.level >= checks.ERROR]
    assert [(m.id, m.hint) for m in errors] == [
        ("wsgicors.E019", f"delete {allow_all}, or set CORS_ALLOW_CREDENTIALS = False.")]
    assert " and ".join(lists) + " already list the origins to keep." in errors[0].msg
    delattr(settings, allow_all)
    assert [m for m in check_settings() if m.level >= checks.ERROR] == []


@pytest.mark.parametrize(("name", "value", "warning"), [
    ("CORS_ALLOW_HEADERS", ["accept", "accept-encoding", "authorization", "content-type",
                            "dnt", "origin", "user-agent", "x-csrftoken", "x-requested-with"],
     "wsgicors.W008"),
    ("CORS_ALLOWED_ORIGINS", ["null", "https://app.example.com"], "wsgicors.W009"),
    ("CORS_ALLOWED_ORIGINS", ["https://app.example.com", "*"], "wsgicors.W010"),
    ("CORS_PATHS", {"/public/*": {"allow_origins": "*", "allow_origin_regex": r"^https://.*$"}},
     "wsgicors.W011"),
])
def test_settings_said_in_vain_start_with_a_warning(settings, client, name, value, warning):
    """Issue 21 causes 1, 4, 5: they grant nothing '*' does not; a warning, not an error."""
    setattr(settings, name, value)
    messages = check_settings()
    assert {m.id for m in messages} == {warning}
    assert all(m.level == checks.WARNING and m.obj.startswith(name) and m.hint
               for m in messages)
    assert "allow_" not in " ".join(m.msg for m in messages if name != "CORS_PATHS")
    response = client.get("/api/items/", headers={"Origin": "https://app.example.com"})
    assert response.status_code == 200 and "Access-Control-Allow-Origin" in response


def test_forbidden_headers_warn_once_each_with_the_setting_name(settings):
    settings.CORS_ALLOW_HEADERS = ["content-type", "Origin", "DNT"]
    messages = check_settings()
    assert [(m.id, m.obj, m.hint) for m in messages] == [
        ("wsgicors.W008", "CORS_ALLOW_HEADERS", "remove 'origin'."),
        ("wsgicors.W008", "CORS_ALLOW_HEADERS", "remove 'dnt'.")]


def test_warnings_can_be_silenced_by_id(settings):
    settings.CORS_ALLOW_HEADERS = ["content-type", "origin"]
    settings.SILENCED_SYSTEM_CHECKS = ["wsgicors.W008"]
    call_command("check", fail_level="WARNING")  # nothing left to fail on


@pytest.mark.parametrize(("name", "hint"), [
    ("CORS_ALLOWED_ORIGIN", "did you mean CORS_ALLOWED_ORIGINS?"),
    ("CORS_ALLOW_CREDENTIAL", "did you mean CORS_ALLOW_CREDENTIALS?"),
    ("CORS_ORIGINS_WHITELIST", "did you mean CORS_ORIGIN_WHITELIST?"),
])
def test_a_misspelt_setting_warns(settings, name, hint):
    """Neither library reads it: the project starts without what it says."""
    setattr(settings, name, True)
    [message] = check_settings()
    assert (message.id, message.obj, message.hint) == ("wsgicors.W012", name, hint)


def test_credentials_with_plain_http_origin_is_an_error(settings):
    settings.CORS_ALLOW_CREDENTIALS = True
    settings.CORS_ALLOWED_ORIGINS = ["http://app.example.com", "http://localhost:3000"]
    assert ids(check_settings()) == ["wsgicors.E015"]


def test_credentials_with_catch_all_regex_is_an_error(settings):
    settings.CORS_ALLOW_CREDENTIALS = True
    settings.CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://.*$"]
    assert ids(check_settings()) == ["wsgicors.E044"]


@pytest.mark.parametrize("regexes", [
    [r"^https://app\.example\.com.*$"],        # prefix match
    [r"^https://[a-z0-9-]+\.github\.io$"],      # public suffix
    [r"^https?://app\.example\.com$"],          # plain http twin
    [r"^https://[a-z]+\.amazonaws\.com$"],      # public suffixes below the domain
])
def test_credentialed_regexes_that_trust_strangers_are_errors(settings, regexes):
    """Issue 9 items 1 and 3, through Django's CORS_ALLOWED_ORIGIN_REGEXES."""
    settings.CORS_ALLOW_CREDENTIALS = True
    settings.CORS_ALLOWED_ORIGIN_REGEXES = regexes
    messages = [m for m in check_settings() if m.id.startswith("wsgicors.E")]
    assert messages and all(m.obj == "CORS_ALLOWED_ORIGIN_REGEXES" for m in messages)
    assert all("allow_origin_regex" not in m.msg + (m.hint or "") for m in messages)


@pytest.mark.parametrize("value", [None, 5, re.compile(rb"^https://a\.example$")])
@pytest.mark.parametrize("name", ["CORS_ALLOWED_ORIGIN_REGEXES", "CORS_ORIGIN_REGEX_WHITELIST"])
def test_wrong_regex_setting_types_are_reported_not_raised(settings, name, value):
    """Issue 10 defect 2 and issue 9 item 9: manage.py check reports, never crashes."""
    setattr(settings, name, value)
    assert "wsgicors.E001" in ids(check_settings())


def test_bytes_urls_regex_and_unicode_port_are_reported(settings):
    settings.CORS_URLS_REGEX = re.compile(rb"^/api/.*$")
    settings.CORS_ALLOWED_ORIGINS = ["https://x.example.com:\u00b2", "https://y.example.com:\u0664\u0664\u0663"]
    assert sorted(ids(check_settings())) == ["wsgicors.E001", "wsgicors.E009", "wsgicors.E009"]


def test_long_max_age_is_clamped_with_a_warning(settings, client):
    """Issue 10 defect 3: 604800 is valid in django-cors-headers; browsers cap it."""
    settings.CORS_PREFLIGHT_MAX_AGE = 604800
    assert ids(check_settings()) == ["wsgicors.W007"]
    response = client.options("/api/items/", headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"})
    assert response.status_code == 204
    assert response["Access-Control-Max-Age"] == "86400"


def test_receivers_with_credentials_warn(settings):
    from wsgicors_django.signals import check_request_enabled

    def receiver(sender, request, **kwargs):
        return True

    settings.CORS_ALLOW_CREDENTIALS = True
    check_request_enabled.connect(receiver)
    try:
        assert ids(check_settings()) == ["wsgicors.W006"]
    finally:
        check_request_enabled.disconnect(receiver)


@pytest.mark.parametrize(("name", "value", "warns"), [
    ("CORS_ALLOWED_ORIGIN_REGEXES", [r"^https://\w+\.example\.com$"], False),
    ("CORS_ALLOWED_ORIGIN_REGEXES", [r"https://\w+\.example\.com"], True),
    ("CORS_ALLOWED_ORIGIN_REGEXES", [r"^https://\w+\.example\.com"], True),
    ("CORS_ALLOWED_ORIGIN_REGEXES", [re.compile(r"https://a\.example\.com$")], True),
    ("CORS_ORIGIN_REGEX_WHITELIST", [r"https://\w+\.example\.com"], True),
    ("CORS_URLS_REGEX", r"^/api/", True),
    ("CORS_URLS_REGEX", r"^/api/.*$", False),
    ("CORS_URLS_REGEX", r"^.*$", False),
])
def test_unanchored_regex_warns(settings, name, value, warns):
    setattr(settings, name, value)
    messages = check_settings()
    assert ids(messages) == (["wsgicors.W001"] if warns else [])
    if warns:
        assert messages[0].level == checks.WARNING
        assert messages[0].obj == name
        assert "$" in messages[0].hint


def test_middleware_below_common_warns(settings):
    settings.MIDDLEWARE = [
        "django.middleware.common.CommonMiddleware",
        "wsgicors_django.middleware.CorsMiddleware",
    ]
    assert ids(check_settings()) == ["wsgicors.W002"]


def test_missing_middleware_warns(settings):
    settings.MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
    assert ids(check_settings()) == ["wsgicors.W003"]


def test_both_cors_middlewares_warn(settings):
    settings.MIDDLEWARE = [
        "wsgicors_django.middleware.CorsMiddleware",
        "corsheaders.middleware.CorsMiddleware",
        "django.middleware.common.CommonMiddleware",
    ]
    assert ids(check_settings()) == ["wsgicors.W004"]


def test_allow_all_ignoring_lists_warns(settings):
    settings.CORS_ALLOW_ALL_ORIGINS = True
    settings.CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://a\.example$"]
    assert sorted(ids(check_settings())) == ["wsgicors.W005", "wsgicors.W005"]


def test_every_engine_problem_code_has_a_fixed_id():
    """A new code in the engine must get its ID here (else it shows as E099)."""
    source = "\n".join(path.read_text() for path in ENGINE.glob("*.py"))
    codes = set(re.findall(r'Problem\(\s*"([a-z][a-z-]+)",\s*(?:"|f"|name|option|where)', source))
    assert codes, "the scan found no Problem(...) codes"
    assert codes <= set(ERROR_IDS)


def test_every_problem_code_a_project_can_meet_has_an_id():
    from wsgicors.vocabulary import AdapterProblemCode, PolicyProblemCode, literal_values

    assert set(literal_values(PolicyProblemCode | AdapterProblemCode)) == set(ERROR_IDS)


def test_every_policy_warning_code_has_an_id():
    from wsgicors.vocabulary import PolicyWarningCode, literal_values

    assert set(literal_values(PolicyWarningCode)) == set(WARNING_IDS)


def test_ids_are_unique():
    assert len(set(ERROR_IDS.values())) == len(ERROR_IDS)
    assert UNKNOWN_ID not in ERROR_IDS.values()
    own = [W_REGEX_ANCHORS, W_BELOW_COMMON, W_NOT_INSTALLED, W_CORSHEADERS_TOO,
           W_ALL_IGNORES_LISTS, W_SIGNAL_NO_CREDENTIALS, W_MAX_AGE_CLAMPED, W_UNKNOWN_SETTING]
    warnings = [*WARNING_IDS.values(), *own, UNKNOWN_WARNING_ID]
    assert len(set(warnings)) == len(warnings)


def test_cors_paths_errors_name_the_entry_and_option(settings):
    settings.CORS_PATHS = {"/api/*": {"allow_origins": ["example.com"]},
                           "/v2/*": {"allow_credentials": "yes"}}
    messages = {message.obj: message.id for message in check_settings()}
    assert messages == {"CORS_PATHS['/api/*'].allow_origins": "wsgicors.E006",
                        "CORS_PATHS['/v2/*'].allow_credentials": "wsgicors.E001"}


def test_cors_paths_inherited_setting_errors_are_reported_once(settings):
    settings.CORS_ALLOW_METHODS = ["TRACE"]
    settings.CORS_PATHS = {"/api/*": {"allow_origins": "*"}}
    assert ids(check_settings()) == ["wsgicors.E023"]
