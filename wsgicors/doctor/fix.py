"""The whole fix, once: every header each response needs, and the rules that fail now.

A browser reports the first check that fails; fixing that one only shows the next.
:func:`whole_fix` computes at once every header the preflight and the actual
response need for every modelled browser (and WebKit, whose rules a union of
Chromium's and Firefox's needs satisfies: it preflights what Firefox preflights and
caps Max-Age at 600 s) to allow the request:

* the preflight, when any browser sends one: a 2xx status when it has none,
  ``Access-Control-Allow-Origin``, ``-Credentials`` with credentials, ``-Methods``
  for a method that is not safelisted, ``-Headers`` naming every non-safelisted
  request header (``authorization`` too: ``*`` does not cover it in the standard),
  and ``Access-Control-Max-Age``;
* the actual response: ``Access-Control-Allow-Origin``, ``-Credentials``,
  ``Vary: Origin`` (unless the answer is ``*``) and ``Access-Control-Expose-Headers``
  for the headers the script reads (``--read-header``).

List values keep what the server already sends (its other methods, headers, Vary
entries). Responses a browser refuses outright get the offending header once, clean.
:func:`failing_rules` names every rule the current responses break, not only the
first: origin and a request header both refused are two lines.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterable, Sequence

from ..http import SAFELISTED_METHODS, SAFELISTED_RESPONSE_HEADERS, TOKEN
from ..toolbase import snippets
from ..toolbase.snippets import DEFAULT_MAX_AGE, CORSConfig, Names
from ..toolbase.stacks import StackInfo
from . import browser as rules
from .browser import Header, Response
from .report import Exchange, Fix, Report
from .responses import seen_by
from .vocabulary import Browser

#: Failures a browser raises while following a redirect, fixed by answering directly.
REDIRECT_FAILURES = frozenset({"redirect-unsafe", "redirect-scheme", "redirect-credentials",
                               "too-many-redirects", "bad-port", "mixed-content"})
# Headers whose copies must agree (a network error otherwise).
_SINGLETONS = ("Content-Length", "Content-Disposition", "Location")


def needs_fix(report: Report) -> bool:
    """True when a browser blocks the request or the script cannot read a header."""
    return not report.same_origin and (not report.allowed or bool(report.unreadable))


def whole_fix(report: Report, stack: StackInfo, existing: CORSConfig | None) -> Fix:
    """The headers each response needs and the configuration for *stack* that sends
    them; *existing* is the configuration the application has (None: unknown)."""
    fix = Fix(stack=stack.stack, source=stack.source, guessed=stack.guessed)
    if not needs_fix(report):
        return fix
    preflights = _responses(report, preflight=True)
    actuals = _responses(report, preflight=False)
    origin = _allow_origin(report, preflights + actuals)
    if _needs_preflight(report):
        fix.preflight = _preflight_headers(report, origin, preflights)
    fix.actual = _actual_headers(report, origin, actuals)
    if report.origin == "null":
        return fix  # only "allow everyone" allows an opaque origin: no configuration
    config = snippets.merge(
        existing or _observed(preflights + actuals, report.credentials),
        origins=[report.origin], credentials=report.credentials,
        methods=[rules.normalize_method(report.method)], headers=requested_names(report),
        expose_headers=exposed_names(report))
    wrap_whole = stack.wrap_whole or (stack.inside_error_handler and any(
        r.status >= 500 and r.get("Access-Control-Allow-Origin") is None for r in actuals))
    fix.snippet = snippets.render(config, stack.stack, app=stack.app,
                                  installed=stack.installed, wrap_whole=wrap_whole,
                                  policy=stack.policy)
    fix.alternatives = {other: snippets.render(config, other)
                        for other in snippets.STACKS if other != stack.stack}
    return fix


def requested_names(report: Report) -> list[str]:
    """Every request header name some browser lists in Access-Control-Request-Headers."""
    views: tuple[Browser | None, ...] = (None, *rules.BROWSERS)
    return sorted({name for view in views
                   for name in rules.unsafe_header_names(report.headers, view)})


def exposed_names(report: Report) -> list[str]:
    """The headers the script reads that must be exposed (not CORS-safelisted)."""
    return [n for n in report.read_headers if n.lower() not in SAFELISTED_RESPONSE_HEADERS]


def _needs_preflight(report: Report) -> bool:
    views: tuple[Browser | None, ...] = (None, *rules.BROWSERS)
    return any(rules.needs_preflight(report.method, report.headers, view) for view in views
               ) or bool(_responses(report, preflight=True))


def _used(report: Report) -> list[Exchange]:
    """The exchanges some browser's fetch went through, in order."""
    indexes = sorted({i for outcome in report.outcomes.values() for i in outcome.exchanges})
    return [report.exchanges[i] for i in indexes]


def _responses(report: Report, *, preflight: bool) -> list[Response]:
    return [e.response for e in _used(report) if (e.kind == "preflight") == preflight]


def _allow_origin(report: Report, responses: Sequence[Response]) -> str:
    """The origin, or ``*`` when the server answers ``*`` and no credentials are sent."""
    values = {r.get("Access-Control-Allow-Origin") for r in responses} - {None}
    return "*" if values == {"*"} and not report.credentials else report.origin


def _preflight_headers(report: Report, origin: str, responses: Sequence[Response]
                       ) -> list[Header]:
    headers: list[Header] = []
    if any(not 200 <= r.status <= 299 for r in responses):
        headers.append((":status", "204"))
    headers.append(("Access-Control-Allow-Origin", origin))
    if report.credentials:
        headers.append(("Access-Control-Allow-Credentials", "true"))
    method = rules.normalize_method(report.method)
    if method not in SAFELISTED_METHODS:
        methods = _union(_tokens(responses, "Access-Control-Allow-Methods"), [method])
        headers.append(("Access-Control-Allow-Methods", ", ".join(methods)))
    names = requested_names(report)
    if names:
        listed = _union(_tokens(responses, "Access-Control-Allow-Headers"), names, fold=True)
        headers.append(("Access-Control-Allow-Headers", ", ".join(listed)))
    headers.append(("Access-Control-Max-Age", str(_max_age(responses) or DEFAULT_MAX_AGE)))
    return headers + _clean_copies(responses, headers)


def _actual_headers(report: Report, origin: str, responses: Sequence[Response]
                    ) -> list[Header]:
    headers: list[Header] = []
    if _must_answer_directly(report):
        headers.append((":status", "200"))
    headers.append(("Access-Control-Allow-Origin", origin))
    if report.credentials:
        headers.append(("Access-Control-Allow-Credentials", "true"))
    readable = exposed_names(report)
    if readable:
        exposed = _union(_tokens(responses, "Access-Control-Expose-Headers"), readable,
                         fold=True)
        headers.append(("Access-Control-Expose-Headers", ", ".join(exposed)))
    if origin != "*":
        vary = _union([v.strip() for r in responses for v in (r.get("Vary") or "").split(",")
                       if v.strip()], ["Origin"], fold=True)
        headers.append(("Vary", ", ".join(vary)))
    return headers + _clean_copies(responses, headers)


def _must_answer_directly(report: Report) -> bool:
    """True when following the redirect itself is what fails: browsers refuse it, or
    it leads to another origin, after which the request's origin is ``null``."""
    for outcome in report.outcomes.values():
        if outcome.failure is None:
            continue
        if outcome.failure.code in REDIRECT_FAILURES:
            return True
        hops = [report.exchanges[i] for i in outcome.exchanges]
        # A redirect the browser would refuse to follow once its CORS check passes.
        if any(_leaves_origin(e) or rules.redirect_failure(e.response, 1) is not None
               for e in hops if e.kind == "redirect"):
            return True
    return False


def _leaves_origin(exchange: Exchange) -> bool:
    location = exchange.response.location or ""
    return _origin(location) != _origin(exchange.url)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.scheme, parts.hostname or "", port


def _clean_copies(responses: Sequence[Response], listed: Sequence[Header]) -> list[Header]:
    """Each header a browser refuses the response for, once and clean: one copy of
    Content-Length, Content-Disposition or Location; a value without its NUL byte or
    what follows a bare carriage return."""
    taken = {name.lower() for name, _value in listed}
    found: dict[str, Header] = {}
    for response in responses:
        for view in rules.BROWSERS:
            seen = seen_by(response, view)
            for name in _SINGLETONS:
                values = seen.get_all(name)
                if len(set(values)) > 1:
                    found.setdefault(name.lower(), (name, values[0]))
        for name, value in _broken_lines(response):
            found.setdefault(name.lower(), (name, value))
    return [header for key, header in found.items() if key not in taken]


def _broken_lines(response: Response) -> Iterable[Header]:
    """``(name, clean value)`` for each raw header line with a NUL byte or a bare CR."""
    if response.raw is None:
        return
    for line in response.raw.decode("latin-1").split("\n")[1:]:
        line = line.removesuffix("\r")
        if "\0" not in line and "\r" not in line:
            continue
        name, colon, value = line.partition(":")
        name = name.strip(" \t")
        if colon and TOKEN.fullmatch(name):
            yield name, value.split("\r")[0].replace("\0", "").strip(" \t")


def _tokens(responses: Sequence[Response], name: str) -> list[str]:
    """The items of list header *name* in *responses* (lists that do not parse: none)."""
    found: list[str] = []
    for response in responses:
        found += rules.parse_allow_list(response.get(name)) or []
    return found


def _union(first: Iterable[str], second: Iterable[str], *, fold: bool = False) -> list[str]:
    found: dict[str, str] = {}
    for item in [*first, *second]:
        found.setdefault(item.lower() if fold else item, item)
    return list(found.values())


def _max_age(responses: Sequence[Response]) -> int | None:
    for response in responses:
        value = (response.get("Access-Control-Max-Age") or "").strip(" \t")
        significant = value.lstrip("0") or "0"
        # isdigit() alone takes "²", which int() refuses; no int() of a huge string.
        if value.isascii() and value.isdigit() and len(significant) <= 18:
            return int(significant)
    return None


def _observed(responses: Sequence[Response], credentials: bool) -> CORSConfig:
    """What the server's answers show of its configuration, when it cannot be read:
    its lists are kept, the origin it allows for this request is the one needed."""
    def names(header: str) -> Names | None:
        items = _tokens(responses, header)
        if "*" in items and not credentials:
            return "*"
        return tuple(i for i in items if i != "*") or None

    star = {r.get("Access-Control-Allow-Origin") for r in responses} == {"*"}
    return CORSConfig(
        origins="*" if star and not credentials else (),
        credentials=any(r.get("Access-Control-Allow-Credentials") == "true"
                        for r in responses),
        methods=names("Access-Control-Allow-Methods"),
        headers=names("Access-Control-Allow-Headers"),
        expose_headers=tuple(i for i in _tokens(responses, "Access-Control-Expose-Headers")
                             if i != "*"),
        max_age=_max_age(responses))


# -- the rules that fail --------------------------------------------------------------

#: A rule a response can break: the key of one line of the Fix section.
RULE_OF_FAILURE = {
    "missing-allow-origin": "origin", "multiple-allow-origin": "origin",
    "invalid-allow-origin": "origin", "allow-origin-mismatch": "origin",
    "wildcard-with-credentials": "origin", "allow-credentials-not-true": "credentials",
    "preflight-status": "status", "preflight-redirect": "status",
    "invalid-allow-methods": "method", "method-not-allowed": "method",
    "invalid-allow-headers": "headers", "header-not-allowed": "headers",
    "redirect-unsafe": "redirect", "redirect-scheme": "redirect",
    "redirect-credentials": "redirect", "too-many-redirects": "redirect",
    "network-error": "network", "bad-port": "port", "mixed-content": "scheme",
}


def failing_rules(report: Report, *, skip_preflight: bool = False) -> dict[str, str]:
    """Every rule the responses break, in any browser, keyed by rule, each one line.

    *skip_preflight*: the preflight's failures have an exact cause already (a
    wsgicors refusal names it), so its missing headers are not separate rules.
    """
    lines: dict[str, str] = {}
    preflights = [] if skip_preflight else _responses(report, preflight=True)
    actuals = _direct_responses(report)
    method = rules.normalize_method(report.method)
    bad_status = [r.status for r in preflights if not 200 <= r.status <= 299]
    if bad_status:
        lines["status"] = (f"The preflight must get a 2xx status such as 204 (got "
                           f"{bad_status[0]}).")
    origin = _failing(report, preflights, actuals, _origin_ok)
    if origin:
        lines["origin"] = (f"Access-Control-Allow-Origin must be exactly {report.origin!r} "
                           f"on {origin}.")
    if report.credentials:
        where = _failing(report, preflights, actuals, _credentials_ok)
        if where:
            lines["credentials"] = ("Access-Control-Allow-Credentials must be 'true' on "
                                    f"{where} (the request sends credentials).")
    if method not in SAFELISTED_METHODS and any(
            not _listed(r, "Access-Control-Allow-Methods", [method], report.credentials)
            for r in preflights):
        lines["method"] = f"Access-Control-Allow-Methods must list {method} on the preflight."
    names = requested_names(report)
    missing = sorted({n for r in preflights for n in _unlisted(r, names, report.credentials)})
    if missing:
        lines["headers"] = ("Access-Control-Allow-Headers must list " + ", ".join(missing)
                            + " on the preflight.")
    if report.unreadable:
        lines["expose"] = ("Access-Control-Expose-Headers must list "
                           + ", ".join(report.unreadable) + " on the response: the script "
                           "reads them and cannot.")
    return lines


def _direct_responses(report: Report) -> list[Response]:
    """The actual responses (and redirects) before any redirect to another origin: after
    one the request's origin is ``null``, and the redirect rule says what to do."""
    used = {i for outcome in report.outcomes.values() for i in outcome.exchanges}
    found: list[Response] = []
    for index, exchange in enumerate(report.exchanges):
        if exchange.kind == "preflight" or index not in used:
            continue
        if any(_leaves_origin(e) for e in report.exchanges[:index] if e.kind == "redirect"):
            continue
        found.append(exchange.response)
    return found


def _failing(report: Report, preflights: Sequence[Response], actuals: Sequence[Response],
             ok: Callable[[Report, Response], bool]) -> str:
    where = []
    if any(not ok(report, seen_by(r, b)) for r in preflights for b in rules.BROWSERS):
        where.append("the preflight")
    if any(not ok(report, seen_by(r, b)) for r in actuals for b in rules.BROWSERS):
        where.append("the response")
    return " and ".join(where)


def _origin_ok(report: Report, response: Response) -> bool:
    value = response.get("Access-Control-Allow-Origin")
    return value == report.origin or (value == "*" and not report.credentials)


def _credentials_ok(report: Report, response: Response) -> bool:
    return (response.get("Access-Control-Allow-Credentials") or "").strip() == "true"


def _listed(response: Response, header: str, wanted: Sequence[str], credentials: bool) -> bool:
    items = rules.parse_allow_list(response.get(header)) or []
    return all(w in items for w in wanted) or ("*" in items and not credentials)


def _unlisted(response: Response, names: Sequence[str], credentials: bool) -> list[str]:
    items = {i.lower() for i in rules.parse_allow_list(
        response.get("Access-Control-Allow-Headers")) or []}
    if "*" in items and not credentials:
        return []
    return [n for n in names if n not in items]


def unreadable_headers(report: Report) -> list[str]:
    """The ``--read-header`` names the script cannot read in some allowing browser."""
    hidden: dict[str, None] = {}
    for outcome in report.outcomes.values():
        if outcome.failure is not None or not outcome.exchanges:
            continue
        response = seen_by(report.exchanges[outcome.exchanges[-1]].response, outcome.browser)
        exposed = {n.lower() for n in rules.parse_allow_list(
            response.get("Access-Control-Expose-Headers")) or []}
        every = "*" in exposed and not report.credentials
        for name in report.read_headers:
            lname = name.lower()
            if lname in ("set-cookie", "set-cookie2") or not (
                    every or lname in exposed or lname in SAFELISTED_RESPONSE_HEADERS):
                hidden[name] = None
    return list(hidden)
