"""What to change: one line per rule that fails (the exact cause where it is known:
wsgicors's decision in the user's options, then the browser's own failure, then the
rule itself), and the whole fix (:mod:`wsgicors.doctor.fix`).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Sequence

from .. import Decision, explain
from ..headers import refused_preflight_step
from ..http import SAFELISTED_METHODS
from ..toolbase import spelling
from ..toolbase.snippets import CORSConfig, from_options
from ..toolbase.stacks import StackInfo
from ..toolbase.targets import Target
from . import browser
from .browser import Failure, FailureCode, Header, Response
from .fix import (
    RULE_OF_FAILURE,
    exposed_names,
    failing_rules,
    requested_names,
    unreadable_headers,
    whole_fix,
)
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


def advise(report: Report, target: Target | None, stack: StackInfo) -> None:
    """Fill ``report.wsgicors`` (when *target* is known), ``report.fixes`` (one line per
    rule that fails, the most exact cause first) and ``report.fix``."""
    report.unreadable = unreadable_headers(report)
    lines: dict[str, str] = {}
    exact_preflight = False  # a refusal named the preflight's exact cause
    if target is not None:
        report.wsgicors = decisions(target, origin=report.origin, method=report.method,
                                    headers=report.headers, path=path_info(report.url))
        refused = [d for d in report.wsgicors if not d.allowed]
        for decision in refused:
            lines.setdefault(_RULE_OF_OPTION.get(decision.option or "", "origin"),
                             _wsgicors_fix(decision, report, target))
        # The refusal is the exact cause of the preflight's failure in every browser.
        exact_preflight = any(d.kind == "preflight" for d in refused)
        failures = [o.failure for o in report.outcomes.values() if o.failure is not None]
        if failures and not refused:
            lines.setdefault(RULE_OF_FAILURE[failures[0].code],
                             _wsgicors_gap(failures[0], target))
        # wsgicors stops at the first refused step: name the other options to change.
        policy = target.match(path_info(report.url))[0]
        if policy is not None:
            for rule, line in _policy_gaps(report, target, from_options(policy.options)):
                lines.setdefault(rule, line)
    for outcome in report.outcomes.values():
        failure = outcome.failure
        if failure is None or (exact_preflight and failure.stage == "preflight"):
            continue
        last = report.exchanges[outcome.exchanges[-1]].response if outcome.exchanges else None
        step = _refused_step(failure, last)
        exact_preflight = exact_preflight or step is not None
        lines.setdefault(_rule(failure, step, report.origin),
                         fix_for(failure, report, outcome.url, last))
    for rule, line in failing_rules(report, skip_preflight=exact_preflight).items():
        lines.setdefault(rule, line)
    if stack.inside_error_handler and _error_page_without_cors(report):
        lines["origin"] = _ERROR_HANDLER_FIX
    report.fixes = list(dict.fromkeys(lines.values()))
    found = None if target is None else target.match(path_info(report.url))[0]
    existing = None if found is None else from_options(found.options)
    report.fix = whole_fix(report, stack, existing)


# The rule each wsgicors option decides.
_RULE_OF_OPTION = {"allow_methods": "method", "allow_headers": "headers",
                   "allow_credentials": "credentials"}
_ERROR_HANDLER_FIX = (
    "The 500 response has no CORS headers: Starlette's ServerErrorMiddleware sits outside "
    "every middleware added with add_middleware(), so its error page never passes "
    "through the CORS middleware. Wrap the whole application instead (app = "
    "CORSMiddleware(app, ...), see the configuration below), and fix the error.")


def _error_page_without_cors(report: Report) -> bool:
    return any(e.kind != "preflight" and e.response.status >= 500
               and e.response.get("Access-Control-Allow-Origin") is None
               for e in report.exchanges)


def _refused_step(failure: Failure, response: Response | None) -> str | None:
    """The step a wsgicors server's 403 preflight body names (origin, method...)."""
    if failure.stage != "preflight" or failure.status != 403 or response is None:
        return None
    return refused_preflight_step(response.body)


def _rule(failure: Failure, step: str | None, origin: str) -> str:
    """The rule *failure* breaks (the key of its line in the Fix section)."""
    if step is not None:
        return step
    if failure.code == "allow-origin-mismatch" and failure.hint == origin:
        return "redirect"  # the origin became null on the way
    if failure.code == "missing-allow-origin" and failure.stage == "preflight" \
            and failure.status >= 300:
        return "status"  # the advice is about the status: nothing answered OPTIONS
    return RULE_OF_FAILURE[failure.code]


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
    step = _refused_step(failure, response)
    if step is not None:
        return _refusal_fix(step, report)
    if failure.code in ("bad-port", "mixed-content"):
        return _unsent_fix(failure, origin)
    if failure.code in _BROKEN:
        return _broken_fix(failure)
    malformed = _malformed_line(failure, response)
    if malformed is not None and "\r" in malformed:
        return (f"The response has the line {malformed!r}: a bare carriage return (CR "
                "without LF) ends the line for Chromium, but Firefox and Safari read on, "
                "into the header's value. End every header line with CR LF.")
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
        return (f"Access-Control-Allow-Origin is missing on {where}: send "
                f"'Access-Control-Allow-Origin: {origin}'{star}.")
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
    """The received line for the failure's header with white space before its colon,
    or with a bare carriage return before or after it."""
    wanted = _HEADER_OF.get(failure.code)
    if wanted is None or response is None:
        return None
    for line in response.lines:
        parts = [part.partition(":")[0] for part in line.split("\r")]
        if len(parts) > 1 and any(p.strip(" \t").lower() == wanted for p in parts):
            return line
        name = parts[0]
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
    if value == origin:  # what the page sent, but the request's origin changed on the way
        return (f"A redirect to another origin made the request's origin 'null', which "
                f"Access-Control-Allow-Origin: {origin} on {where} does not match (and "
                "nothing should allow 'null'): answer at the URL the page calls instead of "
                "redirecting, or have the page call the final URL directly.")
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


def _policy_gaps(report: Report, target: Target, config: CORSConfig
                 ) -> list[tuple[str, str]]:
    """``(rule, line)`` for each option of the policy that refuses part of the request."""
    gaps: list[tuple[str, str]] = []
    method = report.method
    if method not in SAFELISTED_METHODS and config.methods != "*" and (
            method not in (config.methods or ())):
        gaps.append(("method", f"wsgicors: the policy also refuses the method {method!r}; "
                               f"add it to {target.option('allow_methods')}."))
    headers = [n for n in requested_names(report) if not _header_allowed(n, config)]
    if headers:
        names = ", ".join(repr(n) for n in headers)
        gaps.append(("headers", f"wsgicors: the policy also refuses the request header(s) "
                                f"{names}; add them to {target.option('allow_headers')}."))
    if report.credentials and not config.credentials:
        gaps.append(("credentials", _wsgicors_gap(None, target)))
    exposed = {n.lower() for n in config.expose_headers}
    hidden = [n for n in exposed_names(report) if n.lower() not in exposed]
    if hidden and report.unreadable:
        gaps.append(("expose", f"wsgicors: add {', '.join(repr(n) for n in hidden)} to "
                               f"{target.option('expose_headers')}: the script reads them."))
    return gaps


def _header_allowed(name: str, config: CORSConfig) -> bool:
    if config.headers == "*" or name in {h.lower() for h in config.headers or ()}:
        return True
    return any(re.fullmatch(p, name, re.IGNORECASE) for p in config.header_patterns)


def _wsgicors_gap(failure: Failure | None, target: Target) -> str:
    """Advice when wsgicors itself allows the request but the browser still blocks."""
    if failure is None or failure.code in ("allow-credentials-not-true",
                                           "wildcard-with-credentials"):
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
