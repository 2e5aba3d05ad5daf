"""The browser model: the client side of CORS as Chromium and Firefox implement it.

Pure functions (stdlib only) saying what a browser does with a cross-origin
``fetch()``, following the WHATWG Fetch standard and the places where Chromium and
Firefox depart from it (each checked against the real browsers, see
``tests/doctor/test_differential.py``):

* :func:`needs_preflight` / :func:`unsafe_header_names`: is a preflight sent, and
  which names go into ``Access-Control-Request-Headers`` (Chromium also safelists
  some client hints; Firefox counts bytes over 0x7F in Accept and Content-Type as
  unsafe);
* :func:`cors_check`, :func:`evaluate_preflight`, :func:`evaluate_response`,
  :func:`redirect_failure`: does a response pass, and if not, the :class:`Failure`
  that blocks it, in each browser's order of tests;
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
from dataclasses import dataclass

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
    """

    code: FailureCode
    stage: Stage
    hint: str = ""
    headers: tuple[Header, ...] = ()
    status: int = 0


# -- requests ------------------------------------------------------------------


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
    return _check_names(response, names, unsafe_header_names(headers, browser), credentials)


def _check_names(
    response: Response, allowed: list[str], requested: list[str], credentials: bool
) -> Failure | None:
    listed = {name.lower() for name in allowed}
    # Without credentials "*" covers every name. The standard excepts Authorization,
    # but Chromium and Firefox still let it through (see preflight_warnings).
    wildcard = not credentials and "*" in listed
    for name in requested:
        if name not in listed and not wildcard:
            return _fail("header-not-allowed", "preflight", response, name,
                         "Access-Control-Allow-Headers")
    return None


def preflight_warnings(response: Response, requested: Sequence[str],
                       credentials: bool) -> list[str]:
    """What a passing preflight relies on that the Fetch standard refuses."""
    listed = {name.lower() for name in
              parse_allow_list(response.get("Access-Control-Allow-Headers")) or []}
    if "authorization" in requested and "authorization" not in listed and not credentials:
        return ["Access-Control-Allow-Headers: * lets Authorization through only because "
                "Chromium and Firefox do not follow the Fetch standard here yet (it says "
                "'*' never covers Authorization): list authorization by name."]
    return []


def evaluate_response(
    response: Response, origin: str, credentials: bool, browser: Browser
) -> Failure | None:
    """What *browser* makes of an actual response or a redirect on the way to it."""
    stage: Stage = "redirect" if response.is_redirect else "actual"
    return (response_failure(response, browser, stage)
            or cors_check(response, origin, credentials, browser, stage))


def response_failure(response: Response, browser: Browser, stage: Stage) -> Failure | None:
    """A network error *browser* raises for the response itself, before any CORS check.

    Header copies that disagree (Content-Length, Content-Disposition, Location) are
    refused as response smuggling; so is a NUL byte in the header block.
    """
    if response.raw is not None and b"\0" in response.raw:
        return Failure("network-error", stage, "ERR_INVALID_HTTP_RESPONSE", (),
                       response.status)
    error = network_error(response, browser)
    if error is None:
        return None
    return Failure("network-error", stage, error, (), response.status)


def redirect_failure(response: Response, redirects: int) -> Failure | None:
    """Why a browser refuses to follow *response*, its ``redirects``-th redirect.

    In the Fetch standard's order: a Location that is not a URL, a scheme other than
    http(s), more than :data:`MAX_REDIRECTS`, a URL with a user name or password.
    """
    location = response.location or ""
    headers = tuple(h for h in response.headers if h[0].lower() == "location")
    try:
        parts = urllib.parse.urlsplit(location)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return Failure("redirect-unsafe", "redirect", "ERR_INVALID_REDIRECT", headers,
                       response.status)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        if scheme in CHROMIUM_CORS_SCHEMES:
            return Failure("redirect-unsafe", "redirect", "ERR_UNSAFE_REDIRECT", headers,
                           response.status)
        return Failure("redirect-scheme", "redirect", location, headers, response.status)
    if redirects > MAX_REDIRECTS:
        return Failure("too-many-redirects", "redirect", "ERR_TOO_MANY_REDIRECTS", (),
                       response.status)
    if parts.username is not None or parts.password is not None:
        return Failure("redirect-credentials", "redirect", location, headers,
                       response.status)
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
