"""Issue 11's classes of disagreement, without a browser.

Each row is a behaviour of the catalogue and what the real browsers do with it (as
``test_differential.py`` shows in Chromium and Firefox): the code of the failure
that blocks the request in each, None when allowed. The doctor talks to the same
raw-bytes server over the network.
"""

from __future__ import annotations

import json

import pytest

from wsgicors.cli import main
from wsgicors.doctor import HTTPTransport, Report, check

from . import rawserver
from .behaviours import Stage
from .catalogue import CATALOGUE

pytestmark = pytest.mark.server
BY_NAME = {case.name: case for case in CATALOGUE}

EXPECTED = {
    # 1. Optional whitespace around values is not part of them.
    "acao-padded-spaces": (None, None, None),
    "acao-padded-tabs": (None, None, None),
    "acac-padded": (None, None, None),
    "pf-acam-padded": (None, None, None),
    # 2. obs-fold continuation lines are unfolded.
    "fold-acao": (None, None, None),
    "fold-acao-tab": (None, None, None),
    "acac-folded": (None, None, None),
    "fold-acao-split": ("multiple-allow-origin", "allow-origin-mismatch",
                        "allow-origin-mismatch"),
    # 3. Malformed lines: Chromium accepts "Name : value", Firefox and WebKit drop the
    #    line; WebKit takes the first of two different Content-Length.
    "space-before-colon": (None, "missing-allow-origin", "missing-allow-origin"),
    "pf-acam-space-before-colon": (None, "method-not-allowed", "method-not-allowed"),
    "content-length-space-before-colon": (None, None, None),
    "bare-cr-before-acao": (None, "missing-allow-origin", "missing-allow-origin"),
    "nul-in-other-header": ("network-error", "network-error", "network-error"),
    "content-length-twice-different": ("network-error", "network-error", None),
    "location-twice-different": ("network-error", "network-error", None),
    # 4. Chromium safelists some client hints: no preflight there. WebKit tests the
    #    preflight's status (404) before its Access-Control-Allow-Origin.
    "req-dpr": (None, "missing-allow-origin", "preflight-status"),
    "req-save-data-on": (None, "missing-allow-origin", "preflight-status"),
    "req-save-data-off": ("missing-allow-origin", "missing-allow-origin", "preflight-status"),
    "req-ect": (None, "missing-allow-origin", "preflight-status"),
    "req-width-decimal": ("missing-allow-origin", "missing-allow-origin", "preflight-status"),
    "req-accept-latin1": (None, "missing-allow-origin", None),
    # 5. '*' covers Authorization in every browser today (a warning says why not to).
    "pf-acah-star-authorization": (None, None, None),
    # 6. Firefox and WebKit preflight again after a redirect turned a preflighted POST
    #    into a GET.
    "redir-post-json-302": (None, "missing-allow-origin", "preflight-status"),
    "redir-put-303": (None, "missing-allow-origin", "preflight-status"),
    # 7. A redirect to a URL with credentials is a network error.
    "redir-to-userinfo": ("redirect-credentials", "redirect-credentials",
                          "redirect-credentials"),
    # 8. Redirect loops and redirects to data: are verdicts.
    "redir-loop": ("too-many-redirects", "too-many-redirects", "too-many-redirects"),
    "redir-chain-20": (None, None, None),
    "redir-chain-21": ("too-many-redirects", "too-many-redirects", "too-many-redirects"),
    "redir-to-data": ("redirect-unsafe", "redirect-unsafe", "redirect-scheme"),
    "redir-to-ftp": ("redirect-scheme", "redirect-scheme", "redirect-scheme"),
    # 9. WebKit's own reading of Access-Control-Allow-Origin: a comma means a list.
    "acao-list": ("multiple-allow-origin", "allow-origin-mismatch", "multiple-allow-origin"),
    "acao-twice-same": ("multiple-allow-origin", "multiple-allow-origin",
                        "multiple-allow-origin"),
    "acao-quoted": ("invalid-allow-origin", "allow-origin-mismatch", "allow-origin-mismatch"),
    "pf-404": ("missing-allow-origin", "missing-allow-origin", "preflight-status"),
    "pf-307": ("preflight-redirect", "preflight-redirect", "preflight-status"),
}


def _check(stage: Stage, name: str) -> Report:
    case = BY_NAME[name]
    return check(HTTPTransport(5), stage.url(name), origin=stage.origin, method=case.method,
                 headers=list(case.headers.items()), credentials=case.credentials)


def _codes(report: Report) -> tuple[str | None, ...]:
    failures = (report.outcomes[b].failure for b in ("chrome", "firefox", "webkit"))
    return tuple(failure and failure.code for failure in failures)


@pytest.mark.parametrize("name", EXPECTED)
def test_each_browser_as_it_really_behaves(stage: Stage, name: str) -> None:
    assert _codes(_check(stage, name)) == EXPECTED[name]


def test_chromium_sends_no_preflight_for_a_client_hint(stage: Stage) -> None:
    report = _check(stage, "req-dpr")
    kinds = {b: [report.exchanges[i].kind for i in o.exchanges]
             for b, o in report.outcomes.items()}
    assert kinds == {"chrome": ["actual"], "firefox": ["preflight"], "webkit": ["preflight"]}


def test_firefox_and_webkit_preflight_the_get_after_a_302(stage: Stage) -> None:
    report = _check(stage, "redir-post-json-302-reflight-ok")
    sent = {b: [(report.exchanges[i].method, report.exchanges[i].url.rsplit("/", 1)[1])
                for i in o.exchanges] for b, o in report.outcomes.items()}
    assert sent["chrome"] == [("OPTIONS", "redir-post-json-302-reflight-ok"),
                              ("POST", "redir-post-json-302-reflight-ok"), ("GET", "final")]
    assert sent["firefox"] == [*sent["chrome"][:2], ("OPTIONS", "final"), ("GET", "final")]
    assert sent["webkit"] == sent["firefox"]
    # WebKit's preflight still asks for the POST's Content-Type, Firefox's for nothing.
    acrh = {b: dict(report.exchanges[o.exchanges[2]].request_headers).get(
        "Access-Control-Request-Headers") for b, o in report.outcomes.items() if b != "chrome"}
    assert acrh == {"firefox": None, "webkit": "content-type"}
    assert report.allowed


def test_authorization_under_star_warns(stage: Stage) -> None:
    report = _check(stage, "pf-acah-star-authorization")
    for outcome in report.outcomes.values():
        assert outcome.allowed
        assert "'*' never covers Authorization" in outcome.warnings[0]


def test_set_cookie_is_hidden_even_when_exposed(stage: Stage) -> None:
    report = _check(stage, "expose-set-cookie")
    assert report.allowed
    assert {"set-cookie", "set-cookie2"} <= set(report.hidden_headers)
    assert "x-total" not in report.hidden_headers


def test_firefox_message_forms(stage: Stage) -> None:
    star = _check(stage, "acao-star-credentials").outcomes["firefox"].message
    assert star is not None and (
        f"remote resource at \u2018{stage.url('acao-star-credentials')}\u2019. (Reason: "
        "Credential is not supported if the CORS header") in star
    redirect = _check(stage, "redir-without-acao").outcomes["firefox"].message
    assert redirect is not None and redirect.endswith(
        "(Reason: CORS header \u2018Access-Control-Allow-Origin\u2019 missing). "
        "Status code: 302.")


def test_network_errors_have_no_chromium_console_message(stage: Stage) -> None:
    report = _check(stage, "redir-loop")
    assert report.outcomes["chrome"].message is None
    assert report.outcomes["firefox"].message == (
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote "
        f"resource at {stage.url('redir-loop')}. (Reason: CORS request did not succeed). "
        "Status code: (null).")


def test_a_space_before_the_colon_is_named_in_the_fix(stage: Stage) -> None:
    fixes = _check(stage, "space-before-colon").fixes
    assert fixes == [f"The response has the line 'Access-Control-Allow-Origin : "
                     f"{stage.origin}': with white space before the colon, Firefox ignores "
                     "the whole line (Chromium reads it). Write the header name right before "
                     "the colon."]


def test_wsgicors_refusal_names_the_option(stage: Stage) -> None:
    fixes = _check(stage, "pf-403-wsgicors-refusal").fixes
    assert ("The server runs wsgicors and refused the preflight because of the method "
            "'PUT' (compared case-sensitively): add it to allow_methods (Flask: methods; "
            "Django: CORS_ALLOW_METHODS).") in fixes


@pytest.mark.parametrize("name", ["redir-loop", "redir-to-data", "redir-to-userinfo"])
def test_redirect_verdicts_exit_1_and_print_json(
    stage: Stage, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11, class 8: a verdict (blocked, exit 1), not a one-line error (exit 2)."""
    status = main(["check", stage.url(name), "--origin", stage.origin, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    assert report["verdict"] == "blocked"
    assert report["fixes"]


@pytest.mark.timeout(30)
def test_a_stalled_body_after_the_headers_is_still_a_verdict(
    capsys: pytest.CaptureFixture[str]
) -> None:
    """Class 3: the header block decides; the doctor never waits past its timeout."""
    head = rawserver.response("200 OK", "Access-Control-Allow-Origin : *",
                              "Content-Length : 100")
    with rawserver.serve(lambda request: head + rawserver.HOLD) as server:
        status = main(["check", f"http://127.0.0.1:{server.port}/", "--origin",
                       "https://app.example.com", "--timeout", "1", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    assert report["browsers"]["chrome"]["allowed"]
    assert report["browsers"]["firefox"]["code"] == "missing-allow-origin"
