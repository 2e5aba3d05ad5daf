"""The console messages Chromium, Firefox and WebKit print when they block a request.

Worded as the browsers word them (Chromium 156, Firefox ESR 153, WebKitGTK 2.50),
checked against their consoles by ``tests/doctor/test_differential.py``;
:func:`console_message` picks the browser's. A network error (a response the
browser refuses outright, too many redirects, a redirect to ``data:``, a port it
blocks) gets no CORS message from Chromium: :func:`chrome_message` returns None for
it. WebKit's message is two console lines, joined by a line feed: the reason, then
``Fetch API cannot load <url> due to access control checks.``; a network error gets
none at all.

The page's own URL, which some messages quote (mixed content), is unknown to the
doctor: it is shown as the origin followed by ``/``.
"""

from __future__ import annotations

from typing import Literal

from ..http import TOKEN
from .browser import CHROMIUM_CORS_SCHEMES, Failure, is_loopback
from .vocabulary import Browser, FailureCode

#: Failure codes that are network errors rather than CORS failures, per browser.
NETWORK_ERRORS: dict[Browser, frozenset[FailureCode]] = {
    "chrome": frozenset({"network-error", "too-many-redirects", "redirect-unsafe",
                         "bad-port"}),
    "firefox": frozenset({"network-error", "too-many-redirects", "redirect-unsafe",
                          "redirect-credentials", "bad-port"}),
    "webkit": frozenset({"network-error"}),
}


def console_message(browser: Browser, failure: Failure, url: str, origin: str,
                    initial_url: str) -> str | None:
    """The console message *browser* prints for *failure* (None: no message).

    *url* is the last URL the browser requested, *initial_url* the one the script
    fetched, *origin* the page's origin.
    """
    if browser == "chrome":
        return chrome_message(failure, url, origin, initial_url)
    if browser == "firefox":
        return firefox_message(failure, url)
    return webkit_message(failure, url, origin)


def _page(origin: str) -> str:
    return origin + "/"

# Codes of failures that Chromium reports as "Response to preflight request doesn't
# pass access control check: ..." when they happen on the preflight.
_PREFLIGHT_PREFIXED: frozenset[FailureCode] = frozenset({
    "missing-allow-origin", "multiple-allow-origin", "invalid-allow-origin",
    "allow-origin-mismatch", "wildcard-with-credentials", "allow-credentials-not-true",
    "preflight-status", "preflight-redirect",
})

_CHROME_TEXT: dict[FailureCode, str] = {
    "missing-allow-origin": "No 'Access-Control-Allow-Origin' header is present on the "
                            "requested resource.",
    "multiple-allow-origin": "The 'Access-Control-Allow-Origin' header contains multiple "
                             "values '{hint}', but only one is allowed.",
    "invalid-allow-origin": "The 'Access-Control-Allow-Origin' header contains the invalid "
                            "value '{hint}'.",
    "allow-origin-mismatch": "The 'Access-Control-Allow-Origin' header has a value '{hint}' "
                             "that is not equal to the supplied origin.",
    "wildcard-with-credentials": "The value of the 'Access-Control-Allow-Origin' header in the "
                                 "response must not be the wildcard '*' when the request's "
                                 "credentials mode is 'include'.",
    "allow-credentials-not-true": "The value of the 'Access-Control-Allow-Credentials' header "
                                  "in the response is '{hint}' which must be 'true' when the "
                                  "request's credentials mode is 'include'.",
    "preflight-status": "It does not have HTTP ok status.",
    "preflight-redirect": "Redirect is not allowed for a preflight request.",
    "invalid-allow-methods": "Cannot parse Access-Control-Allow-Methods response header "
                             "field in preflight response.",
    "invalid-allow-headers": "Cannot parse Access-Control-Allow-Headers response header "
                             "field in preflight response.",
    "method-not-allowed": "Method {hint} is not allowed by Access-Control-Allow-Methods in "
                          "preflight response.",
    "header-not-allowed": "Request header field {hint} is not allowed by "
                          "Access-Control-Allow-Headers in preflight response.",
    # Chromium names no location here (its message has an empty parameter).
    "redirect-credentials": "Redirect location '' contains a username and password, which "
                            "is disallowed for cross-origin requests.",
    "redirect-scheme": "Cross origin requests are only supported for protocol schemes: "
                       + ", ".join(CHROMIUM_CORS_SCHEMES) + ".",
}
_CHROME_MIXED = ("Mixed Content: The page at '{page}' was loaded over HTTPS, but requested "
                 "an insecure resource '{url}'. This request has been blocked; the content "
                 "must be served over HTTPS.")
# Chromium 156 appends this to the value errors (older versions also suggested
# mode 'no-cors', which never helps a script that wants to read the response).
_VALID_VALUE = " Have the server send the header with a valid value."


def chrome_message(failure: Failure, url: str, origin: str,
                   initial_url: str | None = None) -> str | None:
    """The console error Chromium prints for *failure* on a ``fetch()`` of *url*.

    *url* is the request that failed (for a redirect to another scheme, the
    redirect's target), *initial_url* the one the script fetched.
    """
    if failure.code in NETWORK_ERRORS["chrome"]:
        return None
    if failure.code == "mixed-content":
        return _CHROME_MIXED.format(page=_page(origin), url=failure.target)
    if failure.code == "redirect-scheme":
        url = failure.hint
    text = "Access to fetch at '" + url + "' "
    if initial_url is not None and initial_url != url:
        text += f"(redirected from '{initial_url}') "
    text += f"from origin '{origin}' has been blocked by CORS policy: "
    if failure.stage == "preflight" and failure.code in _PREFLIGHT_PREFIXED:
        text += "Response to preflight request doesn't pass access control check: "
    text += _CHROME_TEXT[failure.code].format(hint=_chrome_escape(failure.hint))
    if failure.code in ("multiple-allow-origin", "invalid-allow-origin",
                        "allow-origin-mismatch"):
        text += _VALID_VALUE
    return text


def _chrome_escape(text: str) -> str:
    """Chromium writes characters beyond ASCII in a message's value as ``\\uXXXX``."""
    return "".join(ch if ord(ch) < 0x80 else f"\\u{ord(ch):04X}" for ch in text)


_FIREFOX_REASON: dict[FailureCode | Literal["network"], str] = {
    "missing-allow-origin": "CORS header \u2018Access-Control-Allow-Origin\u2019 missing",
    "multiple-allow-origin": "Multiple CORS header \u2018Access-Control-Allow-Origin\u2019 "
                             "not allowed",
    "allow-origin-mismatch": "CORS header \u2018Access-Control-Allow-Origin\u2019 does not "
                             "match \u2018{hint}\u2019",
    "wildcard-with-credentials": "Credential is not supported if the CORS header "
                                 "\u2018Access-Control-Allow-Origin\u2019 is \u2018*\u2019",
    "allow-credentials-not-true": "expected \u2018true\u2019 in CORS header "
                                  "\u2018Access-Control-Allow-Credentials\u2019",
    "preflight-status": "CORS preflight response did not succeed",
    "preflight-redirect": "CORS request external redirect not allowed",
    "invalid-allow-methods": "invalid token \u2018{hint}\u2019 in CORS header "
                             "\u2018Access-Control-Allow-Methods\u2019",
    "invalid-allow-headers": "invalid token \u2018{hint}\u2019 in CORS header "
                             "\u2018Access-Control-Allow-Headers\u2019",
    "method-not-allowed": "Did not find method in CORS header "
                          "\u2018Access-Control-Allow-Methods\u2019",
    "header-not-allowed": "header \u2018{hint}\u2019 is not allowed according to header "
                          "\u2018Access-Control-Allow-Headers\u2019 from CORS preflight response",
    "redirect-scheme": "CORS request not http",
    "network": "CORS request did not succeed",
}


def firefox_message(failure: Failure, url: str) -> str | None:
    """The console error Firefox prints for *failure* on a request to *url*.

    For a failed preflight Firefox then adds a second line, "CORS request did not
    succeed"; this is the first, the one that says why. A port Firefox blocks gets
    no message, unless a redirect led there.
    """
    if failure.code == "mixed-content":
        return f"Blocked loading mixed active content \u201c{failure.target}\u201d"
    if failure.code == "bad-port" and failure.stage == "actual":
        return None
    network = failure.code in NETWORK_ERRORS["firefox"]
    code: FailureCode | Literal["network"] = "network" if network else failure.code
    if code == "redirect-scheme":
        url = failure.hint
    if code == "wildcard-with-credentials":
        url = f"\u2018{url}\u2019"  # only this message quotes the URL
    reason = _FIREFOX_REASON[code].format(hint=_firefox_hint(failure))
    text = ("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the "
            f"remote resource at {url}. (Reason: {reason}).")
    if network:
        text += " Status code: (null)."
    elif code in ("missing-allow-origin", "preflight-status"):
        text += f" Status code: {failure.status}."
    return text


def _firefox_hint(failure: Failure) -> str:
    hint = failure.hint
    if failure.code in ("invalid-allow-methods", "invalid-allow-headers"):
        # Firefox names the first element that is not a token.
        items = (part.strip(" \t") for _name, value in failure.headers
                 for part in value.split(","))
        hint = next((item for item in items if item and TOKEN.fullmatch(item) is None), hint)
    # Firefox shows header bytes decoded as UTF-8.
    return hint.encode("latin-1", "replace").decode("utf-8", "replace")


_WEBKIT_TEXT: dict[FailureCode, str] = {
    "missing-allow-origin": "Origin {origin} is not allowed by Access-Control-Allow-Origin. "
                            "Status code: {status}",
    "multiple-allow-origin": "Access-Control-Allow-Origin cannot contain more than one origin.",
    "wildcard-with-credentials": "Cannot use wildcard in Access-Control-Allow-Origin when "
                                 "credentials flag is true.",
    "allow-credentials-not-true": "Credentials flag is true, but "
                                  "Access-Control-Allow-Credentials is not \"true\".",
    "preflight-status": "Preflight response is not successful. Status code: {status}",
    "invalid-allow-methods": "Header Access-Control-Allow-Methods has an invalid value: "
                             "{value}",
    "invalid-allow-headers": "Header Access-Control-Allow-Headers has an invalid value: "
                             "{value}",
    "method-not-allowed": "Method {hint} is not allowed by Access-Control-Allow-Methods.",
    "header-not-allowed": "Request header field {hint} is not allowed by "
                          "Access-Control-Allow-Headers.",
    "too-many-redirects": "Load cannot follow more than 20 redirections",
    "bad-port": "Not allowed to use restricted network port {hint}: {target}",
}
_WEBKIT_TEXT["allow-origin-mismatch"] = _WEBKIT_TEXT["missing-allow-origin"]
_WEBKIT_TEXT["invalid-allow-origin"] = _WEBKIT_TEXT["missing-allow-origin"]
_WEBKIT_REDIRECT = ("Cross-origin redirection to {target} denied by Cross-Origin Resource "
                    "Sharing policy: ")
_WEBKIT_SCHEME = "not allowed to follow a cross-origin CORS redirection with non CORS scheme"
# The second line only when the script's own URL is refused (not a redirect's).
_WEBKIT_MIXED = ("[blocked] The page at {page} requested insecure content from {target}. "
                 "This content was blocked and must{served}\nNot allowed to request resource")


def webkit_message(failure: Failure, url: str, origin: str) -> str | None:
    """WebKit's console lines for *failure* on a request to *url*, joined by a line feed.

    The reason comes first, then ``Fetch API cannot load <url> due to access control
    checks.``, except for a port WebKit blocks (one line) and a network error (none).
    A failed redirect's reason starts with "Cross-origin redirection to <target>".
    """
    code = failure.code
    if code in NETWORK_ERRORS["webkit"]:
        return None
    # A redirect's target is named without its user name and password.
    target = _without_userinfo(failure.target)
    if code == "bad-port" and failure.stage == "preflight":
        # A redirect's target needed a preflight: that is what WebKit refused to send.
        return _webkit_lines("CORS-preflight request was blocked", failure.target)
    if code == "bad-port":
        return _WEBKIT_TEXT[code].format(hint=failure.hint, target=failure.target)
    if code in ("redirect-scheme", "redirect-unsafe"):
        ftp = target.lower().startswith("ftp:")
        reason = "FTP URLs are disabled" if ftp else _WEBKIT_REDIRECT + _WEBKIT_SCHEME
    elif code == "redirect-credentials":
        reason = _WEBKIT_REDIRECT + "redirection URL {given} has credentials"
    elif code == "mixed-content":
        served = "" if is_loopback(target) else " be served over HTTPS."
        reason = _WEBKIT_MIXED.replace("{served}", served)
        if failure.stage != "actual":  # refused at a redirect
            reason = reason.partition("\n")[0]
    elif failure.stage == "redirect" and code != "too-many-redirects":
        reason = _WEBKIT_REDIRECT + _WEBKIT_TEXT[code]
    else:
        reason = _WEBKIT_TEXT[code]
    text = reason.format(
        origin=failure.origin, status=failure.status, hint=failure.hint, target=target,
        given=failure.target, page=_page(origin),
        value=", ".join(value for _name, value in failure.headers))
    return _webkit_lines(text, url)


def _webkit_lines(reason: str, url: str) -> str:
    return f"{reason}\nFetch API cannot load {url} due to access control checks."


def _without_userinfo(url: str) -> str:
    """*url* without its ``user:password@``."""
    scheme, sep, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    return scheme + sep + authority.rpartition("@")[2] + slash + path
