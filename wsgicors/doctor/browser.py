"""The browser model: the client side of CORS as Chromium and Firefox implement it.

Pure functions (stdlib only) saying what a browser does with a cross-origin
``fetch()``, following the WHATWG Fetch standard and the places where Chromium and
Firefox depart from it:

* :func:`needs_preflight` / :func:`unsafe_header_names`: is a preflight sent, and
  which names go into ``Access-Control-Request-Headers``;
* :func:`cors_check`, :func:`evaluate_preflight`, :func:`evaluate_response`: does a
  response pass, and if not, the :class:`Failure` that blocks it;
* :func:`chrome_message` / :func:`firefox_message`: the console line each browser
  prints for a failure;
* :func:`preflight_cache_seconds`: how long each browser caches a preflight.

The doctor (:func:`wsgicors.doctor.check`) drives these against a live server or an
application in process, and the test suite uses them to judge wsgicors's own
responses the way a browser would.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..http import (
    NORMALIZED_METHODS,
    SAFELISTED_METHODS,
    SAFELISTED_RESPONSE_HEADERS,
    TOKEN,
)

Header = tuple[str, str]

#: The browsers whose behaviour is modelled, in report order.
BROWSERS = ("chrome", "firefox")
#: Longest preflight cache each browser honours, in seconds.
MAX_AGE_CAPS = {"chrome": 7200, "firefox": 86400, "safari": 600}
#: Preflight cache lifetime when Access-Control-Max-Age is absent or invalid.
DEFAULT_MAX_AGE = 5
#: Longest value of one safelisted request header, in bytes.
SAFELISTED_VALUE_LIMIT = 128
#: Longest total of safelisted request-header values before all count as unsafe.
SAFELISTED_TOTAL_LIMIT = 1024

_SAFE_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
_SAFELISTED_NAMES = frozenset(
    {"accept", "accept-language", "content-language", "content-type", "range"}
)
_UNSAFE_BYTES = frozenset(b'"():<>?@[\\]{}\x7f') | (frozenset(range(0x20)) - {0x09})
_LANGUAGE = re.compile(r"[0-9A-Za-z *,\-.;=]*")
_RANGE = re.compile(r"bytes=([0-9]+)-([0-9]*)")

# Codes of failures that Chromium reports as "Response to preflight request doesn't
# pass access control check: ..." when they happen on the preflight.
_PREFLIGHT_PREFIXED = frozenset({
    "missing-allow-origin", "multiple-allow-origin", "invalid-allow-origin",
    "allow-origin-mismatch", "wildcard-with-credentials", "allow-credentials-not-true",
    "preflight-status", "preflight-redirect",
})


@dataclass(frozen=True)
class Response:
    """An HTTP response as the browser received it: status and raw header list."""

    status: int
    headers: tuple[Header, ...] = ()
    location: str | None = None

    def get_all(self, name: str) -> list[str]:
        """Every value of header *name* (any case), in order."""
        lname = name.lower()
        return [value for key, value in self.headers if key.lower() == lname]

    def get(self, name: str) -> str | None:
        """Header *name* combined the way browsers combine repeats (``", "``)."""
        values = self.get_all(name)
        return ", ".join(values) if values else None

    @property
    def is_redirect(self) -> bool:
        """True for a redirect status with a Location (what browsers follow)."""
        return self.status in (301, 302, 303, 307, 308) and self.location is not None


@dataclass(frozen=True)
class Failure:
    """Why a browser blocks a request.

    ``code`` is stable (``"allow-origin-mismatch"``...), ``stage`` is ``"preflight"``,
    ``"redirect"`` or ``"actual"``, ``hint`` is the offending value the console
    message quotes, ``headers`` the response headers that caused it, and
    ``status`` the HTTP status of that response.
    """

    code: str
    stage: str
    hint: str = ""
    headers: tuple[Header, ...] = ()
    status: int = 0


# -- requests ------------------------------------------------------------------


def normalize_method(method: str) -> str:
    """The method as the browser sends it: only the six well-known ones are upper-cased."""
    upper = method.upper()
    return upper if upper in NORMALIZED_METHODS else method


def is_safelisted_header(name: str, value: str) -> bool:
    """True if ``name: value`` is a CORS-safelisted request header (Fetch standard)."""
    data = value.encode("latin-1", "replace")
    if len(data) > SAFELISTED_VALUE_LIMIT:
        return False
    lname = name.lower()
    if lname == "accept":
        return not _UNSAFE_BYTES.intersection(data)
    if lname in ("accept-language", "content-language"):
        return _LANGUAGE.fullmatch(value) is not None
    if lname == "content-type":
        essence = value.split(";", 1)[0].strip(" \t").lower()
        return not _UNSAFE_BYTES.intersection(data) and essence in _SAFE_CONTENT_TYPES
    if lname == "range":
        match = _RANGE.fullmatch(value)
        return match is not None and (
            not match[2] or int(match[1]) <= int(match[2])
        )
    return False


def unsafe_header_names(headers: Iterable[Header]) -> list[str]:
    """The names a browser lists in Access-Control-Request-Headers: sorted, lowercase.

    A safelisted header turns unsafe when its value is over 128 bytes, and all of
    them do when their values together exceed 1024 bytes.
    """
    unsafe: set[str] = set()
    safe: list[Header] = []
    for name, value in headers:
        if is_safelisted_header(name, value):
            safe.append((name, value))
        else:
            unsafe.add(name.lower())
    if sum(len(value.encode("latin-1", "replace")) for _, value in safe) > SAFELISTED_TOTAL_LIMIT:
        unsafe.update(name.lower() for name, _ in safe)
    return sorted(unsafe)


def needs_preflight(method: str, headers: Iterable[Header]) -> bool:
    """True if a cross-origin ``fetch()`` with *method* and *headers* is preflighted."""
    return normalize_method(method) not in SAFELISTED_METHODS or bool(unsafe_header_names(headers))


def preflight_reasons(method: str, headers: Sequence[Header]) -> list[str]:
    """Sentences saying why a preflight is needed (empty when it is not)."""
    reasons: list[str] = []
    method = normalize_method(method)
    if method not in SAFELISTED_METHODS:
        reasons.append(f"method {method} is not GET, HEAD or POST")
    for name in unsafe_header_names(headers):
        if name in _SAFELISTED_NAMES:
            reasons.append(f"the value of header {name} is not CORS-safelisted")
        else:
            reasons.append(f"header {name} is not CORS-safelisted")
    return reasons


def preflight_headers(origin: str, method: str, headers: Iterable[Header]) -> list[Header]:
    """The request headers of the preflight a browser sends."""
    out = [("Origin", origin), ("Access-Control-Request-Method", normalize_method(method))]
    names = unsafe_header_names(headers)
    if names:
        out.append(("Access-Control-Request-Headers", ",".join(names)))
    return out


# -- responses -----------------------------------------------------------------


def cors_check(
    response: Response, origin: str, credentials: bool, browser: str, stage: str
) -> Failure | None:
    """The Fetch "CORS check" of one response, with *browser*'s own order of tests."""
    values = response.get_all("Access-Control-Allow-Origin")
    if not values:
        return _fail("missing-allow-origin", stage, response, "")
    combined = ", ".join(values)
    if browser == "firefox" and len(values) > 1:
        return _fail("multiple-allow-origin", stage, response, combined)
    if combined == "*":
        if credentials:
            return _fail("wildcard-with-credentials", stage, response, combined)
        return None
    if combined != origin:
        return _fail(_mismatch_code(combined, browser), stage, response, combined)
    if credentials:
        allow = response.get("Access-Control-Allow-Credentials")
        if allow != "true":
            return _fail("allow-credentials-not-true", stage, response, allow or "",
                         "Access-Control-Allow-Credentials")
    return None


def _mismatch_code(value: str, browser: str) -> str:
    # Chromium distinguishes lists and non-URLs; Firefox calls every other value a mismatch.
    if browser == "chrome":
        if "," in value or " " in value:
            return "multiple-allow-origin"
        if value != "null" and re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", value) is None:
            return "invalid-allow-origin"
    return "allow-origin-mismatch"


def _fail(
    code: str, stage: str, response: Response, hint: str,
    header: str = "Access-Control-Allow-Origin",
) -> Failure:
    shown = tuple(
        (name, value) for name, value in response.headers if name.lower() == header.lower()
    )
    return Failure(code, stage, hint, shown, response.status)


def parse_allow_list(value: str | None) -> list[str] | None:
    """Parse Access-Control-Allow-Methods/-Headers into tokens; None if malformed."""
    if value is None:
        return []
    items = [part.strip(" \t") for part in value.split(",")]
    items = [item for item in items if item]
    if any(TOKEN.fullmatch(item) is None for item in items):
        return None
    return items


def evaluate_preflight(
    response: Response, origin: str, method: str, headers: Sequence[Header],
    credentials: bool, browser: str,
) -> Failure | None:
    """What *browser* makes of a preflight response (None: the preflight passed)."""
    if response.is_redirect:
        return _fail("preflight-redirect", "preflight", response, response.location or "",
                     "Location")
    failure = cors_check(response, origin, credentials, browser, "preflight")
    if failure is not None:
        return failure
    if not 200 <= response.status <= 299:
        return Failure("preflight-status", "preflight", str(response.status), (),
                       response.status)
    methods = parse_allow_list(response.get("Access-Control-Allow-Methods"))
    names = parse_allow_list(response.get("Access-Control-Allow-Headers"))
    if methods is None:
        return _fail("invalid-allow-methods", "preflight", response, "",
                     "Access-Control-Allow-Methods")
    if browser == "chrome" and names is None:
        # Chromium parses both lists before checking either.
        return _fail("invalid-allow-headers", "preflight", response, "",
                     "Access-Control-Allow-Headers")
    method = normalize_method(method)
    wildcard = not credentials and "*" in methods
    if method not in SAFELISTED_METHODS and method not in methods and not wildcard:
        return _fail("method-not-allowed", "preflight", response, method,
                     "Access-Control-Allow-Methods")
    if names is None:
        return _fail("invalid-allow-headers", "preflight", response, "",
                     "Access-Control-Allow-Headers")
    return _check_names(response, names, unsafe_header_names(headers), credentials, browser)


def _check_names(
    response: Response, allowed: list[str], requested: list[str], credentials: bool,
    browser: str,
) -> Failure | None:
    listed = {name.lower() for name in allowed}
    wildcard = not credentials and "*" in listed
    for name in requested:
        if name in listed:
            continue
        # The standard's "*" never covers Authorization; Chromium still lets it through.
        if wildcard and (name != "authorization" or browser == "chrome"):
            continue
        return _fail("header-not-allowed", "preflight", response, name,
                     "Access-Control-Allow-Headers")
    return None


def evaluate_response(
    response: Response, origin: str, credentials: bool, browser: str
) -> Failure | None:
    """What *browser* makes of an actual response or a redirect on the way to it."""
    stage = "redirect" if response.is_redirect else "actual"
    return cors_check(response, origin, credentials, browser, stage)


# Response headers a script has no reason to read; not worth a warning.
_UNINTERESTING = frozenset({
    "connection", "date", "keep-alive", "server", "set-cookie", "set-cookie2",
    "transfer-encoding", "vary",
})


def hidden_response_headers(response: Response, credentials: bool) -> list[str]:
    """Response header names a script cannot read (not safelisted, not exposed).

    ``Access-Control-Expose-Headers: *`` exposes everything only without credentials;
    Set-Cookie is never readable and not listed.
    """
    exposed = {name.lower() for name in
               parse_allow_list(response.get("Access-Control-Expose-Headers")) or []}
    if "*" in exposed and not credentials:
        return []
    hidden: dict[str, None] = {}
    for name, _value in response.headers:
        lname = name.lower()
        if (lname in SAFELISTED_RESPONSE_HEADERS or lname in exposed
                or lname in _UNINTERESTING or lname.startswith("access-control-")):
            continue
        hidden[lname] = None
    return list(hidden)


def preflight_cache_seconds(value: str | None, browser: str) -> int:
    """Seconds *browser* caches a preflight whose Access-Control-Max-Age is *value*.

    Absent, negative or non-integer values mean the default of 5 s; longer values are
    cut to the browser's cap (Chromium 7200 s, Firefox 86400 s, WebKit 600 s).
    """
    if value is None or not value.strip().isdigit():
        return DEFAULT_MAX_AGE
    return min(int(value.strip()), MAX_AGE_CAPS[browser])


# -- console messages ------------------------------------------------------------

_CHROME_TEXT = {
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
}
# Chromium 156 appends this to the value errors (older versions also suggested
# mode 'no-cors', which never helps a script that wants to read the response).
_VALID_VALUE = " Have the server send the header with a valid value."


def chrome_message(failure: Failure, url: str, origin: str, initial_url: str | None = None) -> str:
    """The console error Chromium prints for *failure* on a ``fetch()`` of *url*."""
    text = "Access to fetch at '" + url + "' "
    if initial_url is not None and initial_url != url:
        text += f"(redirected from '{initial_url}') "
    text += f"from origin '{origin}' has been blocked by CORS policy: "
    if failure.stage == "preflight" and failure.code in _PREFLIGHT_PREFIXED:
        text += "Response to preflight request doesn't pass access control check: "
    text += _CHROME_TEXT[failure.code].format(hint=failure.hint)
    if failure.code in ("multiple-allow-origin", "invalid-allow-origin",
                          "allow-origin-mismatch"):
        text += _VALID_VALUE
    return text


_FIREFOX_REASON = {
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
}


def firefox_message(failure: Failure, url: str) -> str:
    """The console error Firefox prints for *failure* on a request to *url*."""
    reason = _FIREFOX_REASON[failure.code].format(hint=_firefox_hint(failure))
    text = ("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the "
            f"remote resource at {url}. (Reason: {reason}).")
    if failure.code in ("missing-allow-origin", "preflight-status"):
        text += f" Status code: {failure.status}."
    return text


def _firefox_hint(failure: Failure) -> str:
    if failure.code in ("invalid-allow-methods", "invalid-allow-headers"):
        # Firefox names the first element that is not a token.
        for _name, value in failure.headers:
            for part in value.split(","):
                item = part.strip(" \t")
                if item and TOKEN.fullmatch(item) is None:
                    return item
    return failure.hint
