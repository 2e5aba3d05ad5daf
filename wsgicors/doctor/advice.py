"""What to change: fixes in HTTP terms for each browser failure, and, when the server
is a wsgicors one, what wsgicors decided and which of the user's options to change.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence

from .. import Decision, explain
from ..headers import refused_preflight_step
from ..toolbase import spelling
from ..toolbase.targets import Target
from . import browser
from .browser import Failure, FailureCode, Header, Response
from .report import Report
from .transport import path_info


def decisions(
    target: Target, *, origin: str, method: str, headers: Sequence[Header], path: str
) -> list[Decision]:
    """What wsgicors decides for the requests a browser sends: preflight (if any), actual."""
    method = browser.normalize_method(method)
    found: list[Decision] = []
    if browser.needs_preflight(method, headers):
        names = browser.unsafe_header_names(headers)
        found.append(explain(target, origin=origin, method="OPTIONS", path=path,
                             request_method=method, request_headers=names or None))
    found.append(explain(target, origin=origin, method=method, path=path))
    return found


def advise(report: Report, target: Target | None) -> None:
    """Fill ``report.wsgicors`` (when *target* is known) and ``report.fixes``."""
    if target is not None:
        report.wsgicors = decisions(target, origin=report.origin, method=report.method,
                                    headers=report.headers, path=path_info(report.url))
        refused = [d for d in report.wsgicors if not d.allowed]
        report.fixes += [_wsgicors_fix(d, report, target) for d in refused]
        failures = [o.failure for o in report.outcomes.values() if o.failure is not None]
        if failures and not refused:
            report.fixes.append(_wsgicors_gap(failures[0], target))
    for outcome in report.outcomes.values():
        failure = outcome.failure
        if failure is None:
            continue
        last = report.exchanges[outcome.exchanges[-1]].response if outcome.exchanges else None
        fix = fix_for(failure, report, outcome.url, last)
        if fix not in report.fixes:
            report.fixes.append(fix)


def fix_for(failure: Failure, report: Report, url: str, response: Response | None = None
            ) -> str:
    """What to change on the server, in HTTP terms, for *failure*.

    *response* is the response that failed; a refused wsgicors preflight says in its
    body which step failed, and the fix then names the option to change.
    """
    origin = report.origin
    status = failure.status
    where = {"preflight": "the preflight (OPTIONS) response",
             "redirect": f"the {status} redirect (each hop needs CORS headers)",
             "actual": "the response"}[failure.stage]
    step = refused_preflight_step(response.body) if response is not None else None
    if failure.stage == "preflight" and status == 403 and step is not None:
        return _refusal_fix(step, report)
    if failure.code in ("bad-port", "mixed-content"):
        return _unsent_fix(failure, origin)
    if failure.code in _BROKEN:
        return _broken_fix(failure)
    malformed = _malformed_line(failure, response)
    if malformed is not None:
        return (f"The response has the line {malformed!r}: with white space before the "
                "colon, Firefox ignores the whole line (Chromium reads it). Write the "
                "header name right before the colon.")
    if failure.code == "missing-allow-origin":
        if failure.stage == "preflight" and status >= 300:
            return _status_fix(status, url)
        if status >= 500:
            return (f"The server failed with {status} and its error page has no CORS "
                    "headers: fix the error, and add CORS headers to error responses too.")
        star = "" if report.credentials else " (or '*' for public data)"
        return f"Send 'Access-Control-Allow-Origin: {origin}'{star} on {where}."
    if failure.code == "preflight-status":
        return _status_fix(status, url)
    if failure.code == "preflight-redirect":
        return (f"The preflight was redirected to {failure.hint}; browsers never follow "
                "a preflight redirect. Call the final URL directly (https://, trailing "
                "slash), or answer OPTIONS before the redirect happens.")
    return _header_fix(failure, report, where)


# The option that decides each step of a preflight.
_OPTION_OF_STEP = {"origin": "allow_origins", "method": "allow_methods",
                   "headers": "allow_headers"}


def _refusal_fix(step: str, report: Report) -> str:
    """The fix for a preflight a wsgicors server refused, from the step its body names."""
    what = {"origin": f"the origin {report.origin!r}",
            "method": f"the method {report.method!r} (compared case-sensitively)",
            "headers": "the request header(s) "
                       + ", ".join(repr(n) for n in browser.unsafe_header_names(report.headers))
            }[step]
    return (f"The server runs wsgicors and refused the preflight because of {what}: add it "
            f"to {spelling.everywhere(_OPTION_OF_STEP[step])}.")


# Failures where the browser refuses the response or the redirect outright.
_BROKEN: frozenset[FailureCode] = frozenset({
    "network-error", "too-many-redirects", "redirect-unsafe", "redirect-scheme",
    "redirect-credentials"})
_NET_ERRORS = {
    "ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH": "two different Content-Length headers",
    "ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION": "two different Location headers",
    "ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_DISPOSITION": "two different Content-Disposition "
                                                         "headers",
    "ERR_INVALID_HTTP_RESPONSE": "a NUL byte in its header block",
}


def _broken_fix(failure: Failure) -> str:
    location = next((value for _name, value in failure.headers), failure.hint)
    if failure.code == "too-many-redirects":
        return ("More than 20 redirects in a row (a redirect loop?): browsers give up with "
                "a network error. Make the URL answer without redirecting to itself.")
    if failure.code == "redirect-credentials":
        return (f"The redirect goes to {location}, a URL with a user name or password: "
                "browsers never follow that for a CORS request. Redirect to a URL "
                "without credentials.")
    if failure.code in ("redirect-unsafe", "redirect-scheme"):
        return (f"The redirect goes to {location}: browsers follow a CORS request only to "
                "http:// and https:// URLs. Redirect to one, or answer directly.")
    what = _NET_ERRORS.get(failure.hint, "a malformed header block")
    return (f"The response has {what}; browsers refuse such a response outright (a network "
            "error, as protection against response smuggling). Send each header once.")


# The header each failure is about.
_HEADER_OF: dict[FailureCode, str] = {"missing-allow-origin": "access-control-allow-origin",
              "method-not-allowed": "access-control-allow-methods",
              "header-not-allowed": "access-control-allow-headers",
              "allow-credentials-not-true": "access-control-allow-credentials"}


def _malformed_line(failure: Failure, response: Response | None) -> str | None:
    """The received line for the failure's header with white space before its colon."""
    wanted = _HEADER_OF.get(failure.code)
    if wanted is None or response is None:
        return None
    for line in response.lines:
        name = line.partition(":")[0]
        if name != name.rstrip(" \t") and name.strip(" \t").lower() == wanted:
            return line
    return None


def _status_fix(status: int, url: str) -> str:
    if status in (401, 403):
        return (f"The preflight got {status}: authentication, CSRF protection or a "
                "firewall answers OPTIONS before CORS does, or the CORS layer refuses the "
                "origin, method or headers. Preflights carry no credentials: answer them "
                "before any authentication.")
    if status in (404, 405, 501):
        return (f"The preflight got {status}: nothing answers OPTIONS at {url}. Add a "
                "CORS layer that answers preflights (OPTIONS with "
                "Access-Control-Request-Method) before routing.")
    return (f"The preflight got {status}; it needs a 2xx status (204 is usual). Make "
            "the CORS layer answer preflights before the application runs.")


def _header_fix(failure: Failure, report: Report, where: str) -> str:
    origin, hint = report.origin, failure.hint
    code = failure.code
    if code == "allow-origin-mismatch":
        return _mismatch_fix(hint, origin, where)
    if code == "multiple-allow-origin":
        return (f"Send exactly one Access-Control-Allow-Origin value on {where}: the "
                f"request's origin ({origin}) when it is on your list, never the whole "
                "list; check that two layers (proxy and app) do not both add it.")
    if code == "invalid-allow-origin":
        return f"Access-Control-Allow-Origin must be a whole origin or '*': send {origin!r}."
    if code == "wildcard-with-credentials":
        return ("With credentials, '*' is refused: echo the exact origin "
                f"('Access-Control-Allow-Origin: {origin}'), add "
                "'Access-Control-Allow-Credentials: true' and 'Vary: Origin'; or send the "
                "request without credentials.")
    if code == "allow-credentials-not-true":
        got = f"'{hint}'" if hint else "nothing"
        return (f"Send 'Access-Control-Allow-Credentials: true' (exactly, lower case; got "
                f"{got}) on {where}, or send the request without credentials.")
    if code == "method-not-allowed":
        note = ""
        if hint.upper() != hint:
            note = (f" Methods are compared case-sensitively and fetch() sends {hint!r} as "
                    f"written: write {hint.upper()!r} in the script.")
        return f"Add {hint} to Access-Control-Allow-Methods on the preflight response.{note}"
    if code == "header-not-allowed":
        note = ""
        if hint == "authorization":
            note = (" With credentials '*' is no wildcard, and the Fetch standard never lets"
                    " it cover Authorization: list it by name.")
        return f"Add {hint} to Access-Control-Allow-Headers on the preflight response.{note}"
    header = "Methods" if code == "invalid-allow-methods" else "Headers"
    return (f"Access-Control-Allow-{header} must be a comma-separated list of names "
            "(or '*'); fix its syntax.")


def _mismatch_fix(value: str, origin: str, where: str) -> str:
    if value.rstrip("/") == origin:
        why = "remove the trailing slash"
    elif value.lower() == origin.lower():
        why = "the comparison is case-sensitive: use lower case"
    elif value.startswith(origin + "/"):
        why = "an origin has no path"
    elif origin == "null":
        why = ("a cross-origin redirect made the origin 'null': avoid the redirect, "
               "or call the final URL directly")
    else:
        why = "the server allows another origin: add this one to its allowed origins"
    return (f"Access-Control-Allow-Origin on {where} is {value!r} but must be exactly "
            f"{origin!r}: {why}.")


def _wsgicors_fix(decision: Decision, report: Report, target: Target) -> str:
    option = decision.option or ""
    name = target.option(option)
    hint = {
        "allow_origins": f"add {report.origin!r} to {name}",
        "allow_methods": f"add {report.method!r} to {name}",
        "allow_headers": f"add {_missing_headers(report, target)} to {name}",
        "allow_origin_func": f"accept it in {name}, if you must",
        "paths": f"map this path to a policy in {name}",
    }.get(option, "see the reason")
    return f"wsgicors: {decision.kind} refused ({decision.code}): {decision.reason}; {hint}."


def _missing_headers(report: Report, target: Target) -> str:
    """The requested header names the policy serving the URL does not list."""
    policy = target.match(path_info(report.url))[0]
    listed = () if policy is None else policy.options["allow_headers"]
    names = [n for n in browser.unsafe_header_names(report.headers) if n not in listed]
    return ", ".join(repr(n) for n in names) or "the header(s)"


def _wsgicors_gap(failure: Failure, target: Target) -> str:
    """Advice when wsgicors itself allows the request but the browser still blocks."""
    if failure.code in ("allow-credentials-not-true", "wildcard-with-credentials"):
        return ("wsgicors: the request carries credentials but the policy does not allow "
                f"them; set {target.assignment('allow_credentials', 'True')} (with an "
                f"explicit {target.option('allow_origins')} list).")
    return ("wsgicors allows this request, so the response did not come from "
            "the CORS middleware as it decided: a layer wrapping it answered first (make "
            "it the outermost wrapper) or the application changed the CORS headers.")


def _unsent_fix(failure: Failure, origin: str) -> str:
    """The fix for a request the browser never sends (the doctor did not send it either)."""
    url = failure.target
    if failure.code == "mixed-content":
        return (f"{url} is http:// and the page ({origin}) is https://: browsers block such a "
                "request before sending it (mixed content). Serve the API over https://.")
    port = urllib.parse.urlsplit(url).port
    return (f"Browsers never connect to port {port} ({url}): it is on the Fetch standard's "
            "list of bad ports, used by other protocols. Serve the API on another port "
            "(443, 80, 8000, 8080...).")
