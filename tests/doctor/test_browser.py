"""The browser model: the Fetch standard's request-side rules and per-browser details."""

from __future__ import annotations

import pytest

from wsgicors.doctor import browser as rules
from wsgicors.doctor import messages


@pytest.mark.parametrize(("method", "headers"), [
    ("GET", []), ("head", []), ("POST", [("Content-Type", "text/plain;charset=UTF-8")]),
    ("POST", [("Content-Type", "multipart/form-data; boundary=x")]),
    ("GET", [("Accept", "application/json"), ("Accept-Language", "en-US,en;q=0.9")]),
    ("GET", [("Range", "bytes=0-99")]), ("GET", [("Range", "bytes=100-")]),
])
def test_simple_requests_need_no_preflight(method: str, headers: list[tuple[str, str]]) -> None:
    assert not rules.needs_preflight(method, headers)


@pytest.mark.parametrize(("method", "headers", "acrh"), [
    ("PUT", [], ""), ("patch", [], ""),
    ("POST", [("Content-Type", "application/json")], "content-type"),
    ("GET", [("X-B", "1"), ("Authorization", "x"), ("x-b", "2")], "authorization,x-b"),
    ("GET", [("Accept", "a" * 129)], "accept"),
    ("GET", [("Accept", 'text/"html"')], "accept"),
    ("GET", [("Content-Language", "en_GB")], "content-language"),
    ("GET", [("Range", "bytes=9-1")], "range"),
    ("GET", [("Range", "bytes=0-1,5-6")], "range"),
])
def test_preflighted_requests_and_their_acrh(
    method: str, headers: list[tuple[str, str]], acrh: str
) -> None:
    assert rules.needs_preflight(method, headers)
    assert ",".join(rules.unsafe_header_names(headers)) == acrh


def test_value_limits_are_128_bytes_each_and_1024_in_total() -> None:
    assert not rules.needs_preflight("GET", [("Accept", "a" * 128)])
    eight = [("Accept", "a" * 128)] * 8
    assert not rules.needs_preflight("GET", eight)
    assert rules.unsafe_header_names([*eight, ("Accept-Language", "en")]) == [
        "accept", "accept-language"]


def test_only_the_six_well_known_methods_are_uppercased() -> None:
    assert rules.normalize_method("delete") == "DELETE"
    assert rules.normalize_method("patch") == "patch"
    sent = dict(rules.preflight_headers("https://a.example", "patch", []))
    assert sent["Access-Control-Request-Method"] == "patch"


@pytest.mark.parametrize(("value", "chrome", "firefox", "webkit"), [
    (None, 5, 5, 5), ("600", 600, 600, 600), ("86400", 7200, 86400, 600),
    ("-1", 5, 5, 5), ("1.5", 5, 5, 5), ("soon", 5, 5, 5),
])
def test_max_age_caps(value: str | None, chrome: int, firefox: int, webkit: int) -> None:
    got = [rules.preflight_cache_seconds(value, b) for b in ("chrome", "firefox", "webkit")]
    assert got == [chrome, firefox, webkit]


def _preflight(*headers: tuple[str, str], status: int = 204) -> rules.Response:
    return rules.Response(status, (("Access-Control-Allow-Origin", "https://a.example"),
                                   *headers))


def test_wildcards_do_not_count_with_credentials() -> None:
    response = _preflight(("Access-Control-Allow-Credentials", "true"),
                          ("Access-Control-Allow-Methods", "*"),
                          ("Access-Control-Allow-Headers", "*"))
    for browser in rules.BROWSERS:
        method = rules.evaluate_preflight(response, "https://a.example", "PUT", [], True, browser)
        assert method is not None and method.code == "method-not-allowed"
        header = rules.evaluate_preflight(response, "https://a.example", "GET",
                                          [("X-Key", "1")], True, browser)
        assert header is not None and header.code == "header-not-allowed"
        assert rules.evaluate_preflight(response, "https://a.example", "PUT",
                                        [("X-Key", "1")], False, browser) is None


def test_allow_headers_match_any_case_and_methods_exact_case() -> None:
    response = _preflight(("Access-Control-Allow-Methods", "put"),
                          ("Access-Control-Allow-Headers", "X-KEY"))
    ok = rules.evaluate_preflight(response, "https://a.example", "GET", [("x-key", "1")],
                                  False, "firefox")
    assert ok is None
    refused = rules.evaluate_preflight(response, "https://a.example", "PUT", [], False, "firefox")
    assert refused is not None and refused.code == "method-not-allowed"


def test_firefox_names_the_bad_token() -> None:
    response = _preflight(("Access-Control-Allow-Headers", "x-a, x b"))
    failure = rules.evaluate_preflight(response, "https://a.example", "GET", [("x-a", "1")],
                                       False, "firefox")
    assert failure is not None
    assert "invalid token \u2018x b\u2019" in messages.firefox_message(failure, "https://s/")


def test_hidden_response_headers() -> None:
    response = rules.Response(200, (("Content-Type", "text/plain"), ("X-Total", "3"),
                                    ("X-Page", "1"), ("Access-Control-Expose-Headers", "x-page"),
                                    ("Set-Cookie", "a=b")))
    # Set-Cookie is never readable, even when listed (issue 11, class 9).
    assert rules.hidden_response_headers(response, credentials=False) == [
        "x-total", "set-cookie"]
    star = rules.Response(200, (("X-Total", "3"), ("Access-Control-Expose-Headers", "*"),
                                ("Set-Cookie", "a=b")))
    assert rules.hidden_response_headers(star, credentials=False) == ["set-cookie"]
    assert rules.hidden_response_headers(star, credentials=True) == ["x-total", "set-cookie"]


@pytest.mark.parametrize(("origin", "url", "space"), [
    ("https://app.example.com", "http://127.0.0.1:8000/api", "loopback"),
    ("https://app.example.com", "http://localhost:8000/api", "loopback"),
    ("https://app.example.com", "http://192.168.1.20/api", "local"),
    ("http://10.0.0.5:3000", "http://[::1]:8000/api", "loopback"),
    ("http://localhost:3000", "http://127.0.0.1:8000/api", None),
    ("https://app.example.com", "https://api.example.com/items", None),
    ("http://127.0.0.1:3000", "http://10.0.0.1/api", None),
])
def test_local_network_access_warning(origin: str, url: str, space: str | None) -> None:
    warning = rules.local_network_warning(origin, url)
    if space is None:
        assert warning is None
    else:
        assert warning is not None and f"access the `{space}` address space" in warning
