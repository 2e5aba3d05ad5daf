"""The browser model: the client side of CORS as Chromium, Firefox and WebKit implement it.

Pure functions (stdlib only) saying what a browser does with a cross-origin
``fetch()``, following the WHATWG Fetch standard and the places where Chromium,
Firefox and WebKit depart from it (each checked against the real browsers, see
``tests/doctor/test_differential.py``):

* :func:`request_failure`: a request no browser sends at all (a "bad port", mixed
  content), decided before anything goes on the network;
* :func:`needs_preflight` / :func:`unsafe_header_names`: is a preflight sent, and
  which names go into ``Access-Control-Request-Headers`` (Chromium also safelists
  some client hints; Firefox counts bytes over 0x7F in Accept and Content-Type as
  unsafe; WebKit follows the standard);
* :func:`cors_check`, :func:`evaluate_preflight`, :func:`evaluate_response`,
  :func:`redirect_failure`: does a response pass, and if not, the :class:`Failure`
  that blocks it, in each browser's order of tests (WebKit checks a preflight's
  status before anything else);
* :func:`hidden_response_headers`, :func:`preflight_cache_seconds`,
  :func:`preflight_warnings`: what a script may read, how long a preflight is cached,
  and what the standard refuses although browsers still allow it.

How each browser reads the bytes of a response is in
:mod:`wsgicors.doctor.responses`, and the console messages in
:mod:`wsgicors.doctor.messages`. The doctor (:func:`wsgicors.doctor.check`) drives
these against a live server or an application in process, and the test suite uses
them to judge wsgicors's own responses the way a browser would.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from ..http import (
    FORBIDDEN_RESPONSE_HEADERS,
    NORMALIZED_METHODS,
    SAFELISTED_METHODS,
    SAFELISTED_RESPONSE_HEADERS,
    TOKEN,
)
from .responses import Header, Response, network_error
from .vocabulary import BROWSERS, Browser, FailureCode, Stage

__all__ = ["BROWSERS", "Browser", "Failure", "FailureCode", "Header", "Response", "Stage"]

#: Longest preflight cache each browser honours, in seconds.
MAX_AGE_CAPS: dict[Browser, int] = {"chrome": 7200, "firefox": 86400, "webkit": 600}
#: Preflight cache lifetime when Access-Control-Max-Age is absent or invalid.
DEFAULT_MAX_AGE = 5
#: Longest value of one safelisted request header, in bytes.
SAFELISTED_VALUE_LIMIT = 128
#: Longest total of safelisted request-header values before all count as unsafe.
SAFELISTED_TOTAL_LIMIT = 1024
#: Most redirects a browser follows; one more is a network error (both browsers).
MAX_REDIRECTS = 20
#: The Fetch standard's "bad ports": no browser connects to them (Chromium 156 not
#: yet to :data:`CHROMIUM_OPEN_PORTS`).
BAD_PORTS = frozenset({
    0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95,
    101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161,
    179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563,
    587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060,
    5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
})
#: Bad ports (added to the standard in 2024) that Chromium 156 still connects to.
CHROMIUM_OPEN_PORTS = frozenset({4190, 6679})
#: Schemes Chromium names when a CORS request is redirected elsewhere.
CHROMIUM_CORS_SCHEMES = ("chrome", "chrome-experimental-site-token-provider",
                         "chrome-extension", "chrome-untrusted", "data", "http", "https",
                         "isolated-app")

_SAFE_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
_SAFELISTED_NAMES = frozenset(
    {"accept", "accept-language", "content-language", "content-type", "range"}
)
_UNSAFE_BYTES = frozenset(b'"():<>?@[\\]{}\x7f') | (frozenset(range(0x20)) - {0x09})
# Firefox tests those bytes as signed chars: everything from 0x80 is "below 0x20".
_FIREFOX_UNSAFE_BYTES = _UNSAFE_BYTES | frozenset(range(0x80, 0x100))
_LANGUAGE = re.compile(r"[0-9A-Za-z *,\-.;=]*")
_RANGE = re.compile(r"bytes=([0-9]+)-([0-9]*)")
# Chromium's extra safelisted request headers (client hints), each with its value rule.
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
_INTEGER = re.compile(r"[0-9]+")
_CHROMIUM_HINTS: dict[str, Callable[[str], object]] = {
    "device-memory": _NUMBER.fullmatch, "dpr": _NUMBER.fullmatch,
    "downlink": _NUMBER.fullmatch, "width": _INTEGER.fullmatch,
    "viewport-width": _INTEGER.fullmatch, "rtt": _INTEGER.fullmatch,
    "ect": frozenset({"slow-2g", "2g", "3g", "4g"}).__contains__,
    "save-data": lambda value: value.lower() == "on",
    "intervention": lambda value: True,
}
# A URL Chromium's GURL accepts as an Access-Control-Allow-Origin value: a scheme and,
# for the web schemes, a host without forbidden code points and a numeric port.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_WEB_URL = re.compile(r"(?:https?|wss?|ftp)://[^\x00-\x20#/:<>?@\[\\\]^|%]+(?::[0-9]*)?"
                      r"(?:[/?#].*)?", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Failure:
    """Why a browser blocks a request.

    ``code`` is stable (``"allow-origin-mismatch"``...), ``stage`` is ``"preflight"``,
    ``"redirect"`` or ``"actual"``, ``hint`` is the offending value the console
    message quotes, ``headers`` the response headers that caused it, and
    ``status`` the HTTP status of that response (0 when there was none).
    ``origin`` is the request's origin when a CORS check failed (``"null"`` after a
    redirect to another origin), and ``target`` the URL the browser would have
    requested next: a redirect's, or the one it refuses to request at all.
    """

    code: FailureCode
    stage: Stage
    hint: str = ""
    headers: tuple[Header, ...] = ()
    status: int = 0
    origin: str = ""
    target: str = ""


# -- requests ------------------------------------------------------------------


def request_failure(origin: str, url: str, browser: Browser, *, redirected: bool = False,
                    preflight: bool = False) -> Failure | None:
    """Why *browser* never sends a request to *url* from a page on *origin*, or None.

    Checked before the request (and before its preflight): first mixed content (an
    ``http://`` URL from an ``https://`` page), then the port. The failure's stage is
    ``"actual"`` for the script's own URL, else ``"redirect"``, or ``"preflight"``
    when a redirect's target needs a preflight (WebKit then names the preflight).
    """
    stage: Stage = "actual"
    if redirected:
        stage = "preflight" if preflight else "redirect"
    if is_mixed_content(origin, url, browser):
        return Failure("mixed-content", stage, url, target=url)
    try:
        port = urllib.parse.urlsplit(url).port
    except ValueError:
        return None
    if port is not None and port in BAD_PORTS and not (
            browser == "chrome" and port in CHROMIUM_OPEN_PORTS):
        hint = {"chrome": "ERR_UNSAFE_PORT", "firefox": "NS_ERROR_PORT_ACCESS_NOT_ALLOWED",
                "webkit": str(port)}[browser]
        return Failure("bad-port", stage, hint, target=url)
    return None


def is_mixed_content(origin: str, url: str, browser: Browser) -> bool:
    """True if *browser* blocks a fetch of *url* from an ``https://`` page on *origin*.

    Chromium and Firefox let such a page fetch ``http://`` on a loopback host
    (``localhost``, ``127.0.0.0/8``, ``[::1]``: "potentially trustworthy"); WebKit
    blocks those too.
    """
    if not origin.startswith("https://") or urllib.parse.urlsplit(url).scheme != "http":
        return False
    return browser == "webkit" or not is_loopback(url)


def is_loopback(url: str) -> bool:
    """True if *url*'s host is ``localhost``, a ``.localhost`` name or a loopback address."""
    try:
        return address_space(url) == "loopback"
    except ValueError:  # not a URL
        return False


def normalize_method(method: str) -> str:
    """The method as the browser sends it: only the six well-known ones are upper-cased."""
    upper = method.upper()
    return upper if upper in NORMALIZED_METHODS else method


def is_safelisted_header(name: str, value: str, browser: Browser | None = None) -> bool:
    """True if ``name: value`` is a CORS-safelisted request header.

    *browser* None means the Fetch standard; ``"chrome"`` adds Chromium's client
    hints, ``"firefox"`` its stricter byte test in Accept and Content-Type.
    """
    data = value.encode("latin-1", "replace")
    if len(data) > SAFELISTED_VALUE_LIMIT:
        return False
    lname = name.lower()
    unsafe = _FIREFOX_UNSAFE_BYTES if browser == "firefox" else _UNSAFE_BYTES
    if lname == "accept":
        return not unsafe.intersection(data)
    if lname in ("accept-language", "content-language"):
        return _LANGUAGE.fullmatch(value) is not None
    if lname == "content-type":
        essence = value.split(";", 1)[0].strip(" \t").lower()
        return not unsafe.intersection(data) and essence in _SAFE_CONTENT_TYPES
    if lname == "range":
        match = _RANGE.fullmatch(value)
        if match is None:
            return False
        first, last = match[1].lstrip("0"), match[2].lstrip("0")
        # Compared as digit strings: int() of a long one is quadratic, refused past 4300.
        return not match[2] or (len(first), first) <= (len(last), last)
    if browser == "chrome" and lname in _CHROMIUM_HINTS:
        return bool(_CHROMIUM_HINTS[lname](value))
    return False


def unsafe_header_names(headers: Iterable[Header], browser: Browser | None = None) -> list[str]:
    """The names a browser lists in Access-Control-Request-Headers: sorted, lowercase.

    A safelisted header turns unsafe when its value is over 128 bytes, and all of
    them do when their values together exceed 1024 bytes.
    """
    unsafe: set[str] = set()
    safe: list[Header] = []
    for name, value in headers:
        if is_safelisted_header(name, value, browser):
            safe.append((name, value))
        else:
            unsafe.add(name.lower())
    if sum(len(value.encode("latin-1", "replace")) for _, value in safe) > SAFELISTED_TOTAL_LIMIT:
        unsafe.update(name.lower() for name, _ in safe)
    return sorted(unsafe)


def needs_preflight(method: str, headers: Iterable[Header], browser: Browser | None = None) -> bool:
    """True if a cross-origin ``fetch()`` with *method* and *headers* is preflighted."""
    return (normalize_method(method) not in SAFELISTED_METHODS
            or bool(unsafe_header_names(headers, browser)))


# The request header names WebKit 2.50 knows (its HTTPHeaderNames table) that a script
# may set: a preflight failure names them in this spelling, whatever the script wrote.
_WEBKIT_NAMES = {name.lower(): name for name in (
    "Accept", "Accept-Language", "Accept-Ranges", "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Headers", "Access-Control-Allow-Methods",
    "Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Access-Control-Max-Age",
    "Age", "Authorization", "Cache-Control", "Clear-Site-Data", "Content-Disposition",
    "Content-Encoding", "Content-Language", "Content-Location", "Content-Range",
    "Content-Security-Policy", "Content-Security-Policy-Report-Only", "Content-Type",
    "Cross-Origin-Embedder-Policy", "Cross-Origin-Embedder-Policy-Report-Only",
    "Cross-Origin-Opener-Policy", "Cross-Origin-Opener-Policy-Report-Only",
    "Cross-Origin-Resource-Policy", "Default-Style", "ETag", "Expires", "Icy-MetaInt",
    "Icy-Metadata", "If-Match", "If-Modified-Since", "If-None-Match", "If-Range",
    "If-Unmodified-Since", "Last-Event-ID", "Last-Modified", "Link", "Location",
    "Ping-From", "Ping-To", "Pragma", "Range", "Referrer-Policy", "Refresh", "Report-To",
    "Reporting-Endpoints", "Server-Timing", "Service-Worker", "Service-Worker-Allowed",
    "Service-Worker-Navigation-Preload", "Set-Cookie2", "SourceMap", "Timing-Allow-Origin",
    "Upgrade-Insecure-Requests", "User-Agent", "Vary", "X-Content-Type-Options",
    "X-Frame-Options", "X-SourceMap", "X-Temp-Tablet", "X-XSS-Protection",
)}


def webkit_header_names(headers: Iterable[Header]) -> list[str]:
    """The unsafe request header names in the order WebKit checks them, as it spells them.

    The names WebKit knows come first, in the canonical spelling, then the others as
    the script first wrote them; each group in the script's order.
    """
    headers = list(headers)
    unsafe = set(unsafe_header_names(headers, "webkit"))
    names: dict[str, str] = {}
    for name, _value in headers:
        names.setdefault(name.lower(), _WEBKIT_NAMES.get(name.lower(), name))
    ordered = sorted(names.items(), key=lambda item: item[0] not in _WEBKIT_NAMES)
    return [spelled for lname, spelled in ordered if lname in unsafe]


def preflight_reasons(method: str, headers: Sequence[Header],
                      browser: Browser | None = None) -> list[str]:
    """Sentences saying why a preflight is needed (empty when it is not)."""
    reasons: list[str] = []
    method = normalize_method(method)
    if method not in SAFELISTED_METHODS:
        reasons.append(f"method {method} is not GET, HEAD or POST")
    for name in unsafe_header_names(headers, browser):
        if name in _SAFELISTED_NAMES:
            reasons.append(f"the value of header {name} is not CORS-safelisted")
        else:
            reasons.append(f"header {name} is not CORS-safelisted")
    return reasons


def preflights_again(browser: Browser) -> bool:
    """True if *browser* preflights again after a redirect whenever the first request
    needed one (Firefox and WebKit), even when a 301/302/303 made it a simple GET.
    """
    return browser != "chrome"


def preflight_basis(browser: Browser, headers: tuple[Header, ...],
                    original: tuple[Header, ...]) -> tuple[Header, ...]:
    """The request headers a preflight after a redirect asks for: WebKit still asks
    for the script's own (*original*), Content-Type included after a 303 made the
    request a GET without a body; the others for the request as it now is.
    """
    return original if browser == "webkit" else headers


def preflight_headers(origin: str, method: str, headers: Iterable[Header],
                      browser: Browser | None = None) -> list[Header]:
    """The request headers of the preflight a browser sends."""
    out = [("Origin", origin), ("Access-Control-Request-Method", normalize_method(method))]
    names = unsafe_header_names(headers, browser)
    if names:
        out.append(("Access-Control-Request-Headers", ",".join(names)))
    return out


# -- responses -----------------------------------------------------------------


def cors_check(
    response: Response, origin: str, credentials: bool, browser: Browser, stage: Stage
) -> Failure | None:
    """The Fetch "CORS check" of one response, with *browser*'s own order of tests."""
    check = _webkit_cors_check if browser == "webkit" else _cors_check
    failure = check(response, origin, credentials, browser, stage)
    return None if failure is None else replace(failure, origin=origin)


def _cors_check(
    response: Response, origin: str, credentials: bool, browser: Browser, stage: Stage
) -> Failure | None:
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
    return _credentials_check(response, credentials, stage)


def _credentials_check(response: Response, credentials: bool, stage: Stage) -> Failure | None:
    allow = response.get("Access-Control-Allow-Credentials")
    if credentials and allow != "true":
        return _fail("allow-credentials-not-true", stage, response, allow or "",
                     "Access-Control-Allow-Credentials")
    return None


def _webkit_cors_check(
    response: Response, origin: str, credentials: bool, browser: Browser, stage: Stage
) -> Failure | None:
    # WebKit compares the combined value: '*' (without credentials) or the origin,
    # else it tells '*' with credentials and comma lists from any other value.
    values = response.get_all("Access-Control-Allow-Origin")
    combined = ", ".join(values)
    if combined == "*" and not credentials:
        return None
    if combined != origin:
        if not values:
            return _fail("missing-allow-origin", stage, response, "")
        code: FailureCode = "allow-origin-mismatch"
        if combined == "*":
            code = "wildcard-with-credentials"
        elif "," in combined:
            code = "multiple-allow-origin"
        return _fail(code, stage, response, combined)
    return _credentials_check(response, credentials, stage)


def _mismatch_code(value: str, browser: Browser) -> FailureCode:
    # Chromium tells lists and values that are not URLs apart; Firefox calls every
    # other value a mismatch.
    if browser == "chrome":
        if "," in value or " " in value:
            return "multiple-allow-origin"
        if value != "null" and not _is_url(value):
            return "invalid-allow-origin"
    return "allow-origin-mismatch"


def _is_url(value: str) -> bool:
    if _SCHEME.match(value) is None:
        return False
    scheme = value.split(":", 1)[0].lower()
    if scheme not in ("http", "https", "ws", "wss", "ftp"):
        return True
    match = _WEB_URL.fullmatch(value)
    if match is None:
        return False
    port = urllib.parse.urlsplit(value).netloc.rpartition(":")[2]
    return not (port.isascii() and port.isdigit()) or _capped(port, 65535) <= 65535


def _fail(
    code: FailureCode, stage: Stage, response: Response, hint: str,
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
    credentials: bool, browser: Browser,
) -> Failure | None:
    """What *browser* makes of a preflight response (None: the preflight passed)."""
    broken = response_failure(response, browser, "preflight")
    if broken is not None:
        return broken
    if browser == "webkit" and not 200 <= response.status <= 299:
        # WebKit tests the status first, and never follows a preflight's redirect.
        return Failure("preflight-status", "preflight", str(response.status), (),
                       response.status)
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
    if browser != "firefox" and names is None:
        # Chromium and WebKit parse both lists before checking either.
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
    requested = (webkit_header_names(headers) if browser == "webkit"
                 else unsafe_header_names(headers, browser))
    return _check_names(response, names, requested, credentials)


def _check_names(
    response: Response, allowed: list[str], requested: list[str], credentials: bool
) -> Failure | None:
    for name in refused_names(allowed, requested, credentials)[:1]:
        return _fail("header-not-allowed", "preflight", response, name,
                     "Access-Control-Allow-Headers")
    return None


def refused_names(allowed: list[str], requested: list[str], credentials: bool) -> list[str]:
    """The *requested* header names an Access-Control-Allow-Headers list does not allow.

    Without credentials "*" covers every name. The standard excepts Authorization, but
    the browsers still let it through (see :func:`preflight_warnings`).
    """
    listed = {name.lower() for name in allowed}
    if not credentials and "*" in listed:
        return []
    return [name for name in requested if name.lower() not in listed]


def preflight_warnings(response: Response, requested: Sequence[str],
                       credentials: bool) -> list[str]:
    """What a passing preflight relies on that the Fetch standard refuses."""
    listed = {name.lower() for name in
              parse_allow_list(response.get("Access-Control-Allow-Headers")) or []}
    if "authorization" in requested and "authorization" not in listed and not credentials:
        return ["Access-Control-Allow-Headers: * lets Authorization through only because "
                "Chromium, Firefox and WebKit do not follow the Fetch standard here yet (it "
                "says '*' never covers Authorization): list authorization by name."]
    return []


# Redirect failures a browser finds before the redirect's CORS check.
_BEFORE_CORS_CHECK: dict[Browser, frozenset[FailureCode]] = {
    "chrome": frozenset({"too-many-redirects"}),
    "firefox": frozenset({"too-many-redirects", "redirect-unsafe", "redirect-scheme"}),
    "webkit": frozenset(),
}


def evaluate_response(
    response: Response, origin: str, credentials: bool, browser: Browser, redirects: int = 0
) -> Failure | None:
    """What *browser* makes of an actual response or a redirect on the way to it.

    *redirects* counts the redirects so far, *response* included if it is one: a
    redirect is also refused for where it leads (:func:`redirect_failure`), before
    or after its CORS check depending on the browser.
    """
    stage: Stage = "redirect" if response.is_redirect else "actual"
    failure = response_failure(response, browser, stage)
    if failure is not None or stage == "actual":
        return failure or cors_check(response, origin, credentials, browser, stage)
    refused = redirect_failure(response, redirects, browser)
    if refused is not None and refused.code in _BEFORE_CORS_CHECK[browser]:
        return refused
    failure = cors_check(response, origin, credentials, browser, stage)
    if failure is not None:
        return replace(failure, target=response.location or "")
    return refused


def response_failure(response: Response, browser: Browser, stage: Stage) -> Failure | None:
    """A network error *browser* raises for the response itself, before any CORS check.

    Header copies that disagree (Content-Length, Content-Disposition, Location) are
    refused as response smuggling (WebKit takes the first); so is a NUL byte in the
    header block.
    """
    if response.raw is not None and b"\0" in response.raw:
        return Failure("network-error", stage, "ERR_INVALID_HTTP_RESPONSE", (),
                       response.status)
    error = None if browser == "webkit" else network_error(response, browser)
    if error is None:
        return None
    return Failure("network-error", stage, error, (), response.status)


def redirect_failure(response: Response, redirects: int,
                     browser: Browser | None = None) -> Failure | None:
    """Why a browser refuses to follow *response*, its ``redirects``-th redirect.

    In the Fetch standard's order: a Location that is not a URL, a scheme other than
    http(s), more than :data:`MAX_REDIRECTS`, a URL with a user name or password.
    WebKit names every other scheme (Chromium's own ones, such as ``data:``, are
    network errors in Chromium and Firefox).
    """
    location = response.location or ""
    headers = tuple(h for h in response.headers if h[0].lower() == "location")

    def fail(code: FailureCode, hint: str, shown: tuple[Header, ...] = headers) -> Failure:
        return Failure(code, "redirect", hint, shown, response.status, target=location)

    try:
        parts = urllib.parse.urlsplit(location)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return fail("redirect-unsafe", "ERR_INVALID_REDIRECT")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        if scheme in CHROMIUM_CORS_SCHEMES and browser != "webkit":
            return fail("redirect-unsafe", "ERR_UNSAFE_REDIRECT")
        return fail("redirect-scheme", location)
    if redirects > MAX_REDIRECTS:
        return fail("too-many-redirects", "ERR_TOO_MANY_REDIRECTS", ())
    if parts.username is not None or parts.password is not None:
        return fail("redirect-credentials", location)
    return None


def hidden_response_headers(response: Response, credentials: bool) -> list[str]:
    """Response header names a script cannot read (not safelisted, not exposed).

    ``Access-Control-Expose-Headers: *`` exposes everything only without credentials;
    an exposed list that does not parse exposes nothing; Set-Cookie and Set-Cookie2
    are never readable, even when listed.
    """
    exposed = {name.lower() for name in
               parse_allow_list(response.get("Access-Control-Expose-Headers")) or []}
    every = "*" in exposed and not credentials
    hidden: dict[str, None] = {}
    for name, _value in response.headers:
        lname = name.lower()
        readable = (every or lname in SAFELISTED_RESPONSE_HEADERS or lname in exposed
                    or lname in _UNINTERESTING or lname.startswith("access-control-"))
        if lname in FORBIDDEN_RESPONSE_HEADERS or not readable:
            hidden[lname] = None
    return list(hidden)


# Response headers a script has no reason to read; not worth a note.
_UNINTERESTING = frozenset({
    "connection", "date", "keep-alive", "server", "transfer-encoding", "vary",
})


def address_space(url: str) -> str:
    """``"loopback"``, ``"local"`` (private addresses) or ``"public"`` for *url*'s host.

    A host name other than ``localhost`` counts as public: only its address tells.
    """
    host = (urllib.parse.urlsplit(url).hostname or "").rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "public"
    if address.is_loopback:
        return "loopback"
    return "local" if address.is_private or address.is_link_local else "public"


_SPACE_RANK = {"public": 0, "local": 1, "loopback": 2}


def local_network_warning(origin: str, url: str) -> str | None:
    """Chromium's Local Network Access prompt, when a page reaches a more private address."""
    target, page = address_space(url), address_space(origin)
    if origin == "null" or _SPACE_RANK[target] <= _SPACE_RANK[page]:
        return None
    return (f"Chromium asks the user before a page on a {page} address reaches a {target} "
            f"one (Local Network Access); refused, the request fails with \"Permission was "
            f"denied for this request to access the `{target}` address space.\"")


def preflight_cache_seconds(value: str | None, browser: Browser) -> int:
    """Seconds *browser* caches a preflight whose Access-Control-Max-Age is *value*.

    Absent, negative or non-integer values mean the default of 5 s; longer values are
    cut to the browser's cap (Chromium 7200 s, Firefox 86400 s, WebKit 600 s).
    """
    digits = (value or "").strip(" \t")
    if not (digits.isascii() and digits.isdigit()):  # isdigit() alone takes "²"
        return DEFAULT_MAX_AGE
    return min(_capped(digits, MAX_AGE_CAPS[browser]), MAX_AGE_CAPS[browser])


def _capped(digits: str, cap: int) -> int:
    """ASCII *digits* as a number, or ``cap + 1`` if larger than *cap*, without int()
    of a long string (quadratic in its length, refused past 4300 digits)."""
    significant = digits.lstrip("0") or "0"
    if len(significant) > len(str(cap)):
        return cap + 1
    return min(int(significant), cap + 1)
