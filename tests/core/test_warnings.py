"""Configurations said in vain start, with a ConfigWarning logged once at start-up.

Issue 21: forbidden request headers, ``null`` or ``*`` in a list, and a regex or a
function beside ``*``, all without credentials, grant nothing ``*`` does not (or
nothing at all): they start, and the warning says what to delete. With credentials,
the same entries stay refused.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from tests.core.support import ALLOWED, OTHER, client, hello_app, preflight_headers
from wsgicors import ConfigError, ConfigWarning, CORSMiddleware, CORSPolicy
from wsgicors.cli import main

OLD_DJANGO_HEADERS = ["accept", "accept-encoding", "authorization", "content-type", "dnt",
                      "origin", "user-agent", "x-csrftoken", "x-requested-with"]


def codes(policy: CORSPolicy) -> list[str]:
    return [warning.code for warning in policy.warnings]


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records
            if record.name == "wsgicors" and record.levelno == logging.WARNING]


def test_forbidden_request_headers_are_ignored_with_a_warning() -> None:
    policy = CORSPolicy(allow_origins=[ALLOWED], allow_credentials=True,
                        allow_headers=OLD_DJANGO_HEADERS)
    assert codes(policy) == ["header-forbidden"] * 3
    assert [w.hint for w in policy.warnings] == [
        "remove 'accept-encoding'.", "remove 'dnt'.", "remove 'origin'."]
    reply = client(policy).options("/", headers=preflight_headers(headers="content-type,x-csrftoken"))
    assert reply.status_code == 204
    assert reply.headers["Access-Control-Allow-Headers"] == (
        "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with")


@pytest.mark.parametrize("name", ["Cookie", "Set-Cookie", "Sec-Fetch-Mode", "Proxy-Authorization"])
def test_every_forbidden_name_warns(name: str) -> None:
    policy = CORSPolicy(allow_origins=[ALLOWED], allow_headers=[name, "X-Token"])
    assert codes(policy) == ["header-forbidden"]
    assert policy.options["allow_headers"] == ("x-token",)


def test_null_without_credentials_is_allowed_with_a_warning() -> None:
    policy = CORSPolicy(allow_origins=["null", ALLOWED])
    assert codes(policy) == ["origin-null"]
    assert "every site can read" in policy.warnings[0].message
    app = client(policy)
    assert app.get("/", headers={"Origin": "null"}).headers["Access-Control-Allow-Origin"] == "null"
    assert app.options("/", headers=preflight_headers(origin="null")).status_code == 204
    assert "Access-Control-Allow-Origin" not in app.get("/", headers={"Origin": OTHER}).headers
    # The normalized options keep it, so a policy rebuilt from them is the same.
    assert CORSPolicy.from_options(policy.options).lookup("null") is not None


def test_null_with_credentials_stays_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        CORSPolicy(allow_origins=["null", ALLOWED], allow_credentials=True)
    assert [p.code for p in caught.value.problems] == ["origin-null"]


def test_star_among_origins_without_credentials_is_star_with_a_warning() -> None:
    policy = CORSPolicy(allow_origins=[ALLOWED, "*"])
    assert codes(policy) == ["origin-star-mixed"]
    assert repr(ALLOWED) in policy.warnings[0].message
    assert policy.options["allow_origins"] == "*"
    assert client(policy).get("/", headers={"Origin": OTHER}).headers[
        "Access-Control-Allow-Origin"] == "*"


def test_star_among_origins_with_credentials_says_remove_star() -> None:
    with pytest.raises(ConfigError) as caught:
        CORSPolicy(allow_origins=[ALLOWED, "*", "http://intranet.example"],
                   allow_credentials=True)
    # The other entries are validated too, so removing '*' reveals nothing new.
    assert sorted(p.code for p in caught.value.problems) == ["origin-insecure",
                                                             "star-credentials"]
    star = next(p for p in caught.value.problems if p.code == "star-credentials")
    assert star.hint == "remove '*', or turn allow_credentials off."
    CORSPolicy(allow_origins=[ALLOWED], allow_credentials=True)  # the fix starts


def test_unprovable_regex_beside_star_is_never_consulted() -> None:
    policy = CORSPolicy(allow_origins=["*"], allow_origin_regex=r"https://.*\.example\.com")
    assert codes(policy) == ["star-redundant"]
    assert policy.warnings[0].option == "allow_origin_regex"
    assert client(policy).get("/", headers={"Origin": OTHER}).headers[
        "Access-Control-Allow-Origin"] == "*"


def test_invalid_regex_beside_star_is_still_an_error() -> None:
    with pytest.raises(ConfigError) as caught:
        CORSPolicy(allow_origins=["*"], allow_origin_regex="https://(unclosed")
    assert [p.code for p in caught.value.problems] == ["regex-invalid"]


def test_function_beside_star_is_never_called() -> None:
    calls: list[str] = []
    policy = CORSPolicy(allow_origins="*", allow_origin_func=lambda o: calls.append(o) or True)
    assert codes(policy) == ["star-redundant"]
    assert not policy.needs_func("not an origin")
    client(policy).get("/", headers={"Origin": OTHER})
    assert calls == []


def test_star_with_a_regex_and_credentials_is_refused_with_every_problem() -> None:
    with pytest.raises(ConfigError) as caught:
        CORSPolicy(allow_origins="*", allow_origin_regex=r"https://.*", allow_credentials=True)
    assert sorted(p.code for p in caught.value.problems) == ["regex-unproven",
                                                             "star-credentials"]


def test_middleware_logs_each_warning_once_at_start_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    shared = CORSPolicy(allow_origins=[ALLOWED], allow_headers=["origin"])
    with caplog.at_level(logging.WARNING, logger="wsgicors"):
        CORSMiddleware(hello_app, shared, paths={"/a/*": shared, "/b/*": shared})
    assert logged(caplog) == [
        "CORS configuration: allow_headers: 'origin' is a forbidden request header: "
        "browsers never let scripts send it, so listing it has no effect (it is ignored). "
        "Fix: remove 'origin'."]


def test_path_policies_warnings_name_their_path(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="wsgicors"):
        CORSMiddleware(hello_app, paths={"/public/*": CORSPolicy(allow_origins=["*", ALLOWED])})
    [line] = logged(caplog)
    assert line.startswith("CORS configuration: paths['/public/*'].allow_origins: '*' is listed")


def test_logged_warnings_are_escaped(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="wsgicors"):
        CORSMiddleware(hello_app, allow_origins=["*", "https://a.example\r\nFAKE: line\x1b[2J"])
    [line] = logged(caplog)
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert "\\r\\nFAKE" in line


def test_nothing_is_logged_for_a_clean_configuration(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="wsgicors"):
        CORSMiddleware(hello_app, allow_origins=[ALLOWED], allow_headers=["x-token"])
    assert logged(caplog) == []
    assert CORSPolicy(allow_origins=[ALLOWED]).warnings == ()


def test_a_warning_renamed_into_an_adapters_words() -> None:
    warning = ConfigWarning("header-forbidden", "allow_headers", "'dnt' in allow_headers.",
                            "remove 'dnt' from allow_headers.")
    renamed = warning.renamed({"allow_headers": "CORS_ALLOW_HEADERS"}, "CORS_PATHS['/a'].")
    assert renamed == ConfigWarning("header-forbidden", "CORS_PATHS['/a'].CORS_ALLOW_HEADERS",
                                    "'dnt' in CORS_ALLOW_HEADERS.",
                                    "remove 'dnt' from CORS_ALLOW_HEADERS.")


def test_plain_http_refusal_says_when_the_escape_hatch_is_right() -> None:
    with pytest.raises(ConfigError) as caught:
        CORSPolicy(allow_origins=["http://reports.corp.lan"], allow_credentials=True)
    [problem] = caught.value.problems
    assert "served over plain http" in problem.message
    assert "protects nothing" in problem.message
    assert problem.hint.endswith("or pass dangerously_allow_insecure_origins=True.")
    CORSPolicy(allow_origins=["http://reports.corp.lan"], allow_credentials=True,
               dangerously_allow_insecure_origins=True)


def test_explain_shows_the_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "warned_policy.py").write_text(
        "from wsgicors import CORSPolicy\n"
        "policy = CORSPolicy(allow_origins=['https://app.example.com'],\n"
        "                    allow_headers=['content-type', 'origin'])\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert main(["explain", "--config", "warned_policy:policy", "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert [w["code"] for w in data["warnings"]] == ["header-forbidden"]
        assert data["headers"] == ["content-type"]
        assert main(["explain", "--config", "warned_policy:policy", "--color", "never"]) == 0
        out = capsys.readouterr().out
        assert "Warning: allow_headers: 'origin' is a forbidden request header" in out
    finally:
        sys.modules.pop("warned_policy", None)
