"""The ``audit`` subcommand of the ``wsgicors`` command: exploitable CORS misconfigurations.

::

    wsgicors audit https://api.example.com/me --origin https://app.example.com \\
        --header "Cookie: session=..." --credentials --sarif cors.sarif
    wsgicors audit --app myproject.wsgi:application --origin https://app.example.com
    wsgicors audit --openapi openapi.json --base https://staging.example.com \\
        --origin https://app.example.com

With URLs, each URL is audited. ``--app`` without a URL audits every route of a
Flask, Django or Starlette/FastAPI application in process; ``--openapi`` every path
of an OpenAPI 3 document on a live server. :data:`AUDIT` is added to the root
command line by :mod:`wsgicors.cli`.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import sys
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from .. import __version__
from ..doctor.fetch import parse_header
from ..doctor.transport import HTTPTransport
from ..toolbase import stacks
from ..toolbase.command import Command
from ..toolbase.errors import Exit, ToolError
from ..toolbase.network import add_network_options, series_seconds, timeout_of, tls_context
from ..toolbase.targets import find_target, load_app
from ..toolbase.terminal import Style, add_color_option, escape
from . import configs
from .configs import Serving
from .findings import Header, at_or_above
from .inprocess import in_process
from .layers import Layers
from .openapi import load_openapi, openapi_routes
from .probes import check_trusted
from .redaction import Redactor
from .report import as_dict, dumps, print_survey, print_text, sarif, survey_as_dict
from .routes import Application, Route, app_routes, find_application, route_at
from .scan import MAX_CONCURRENT, Audit, Sender, audit
from .survey import Answering, ServingOf, survey
from .vocabulary import SEVERITIES

#: Request headers the audit sets itself.
_OWN_HEADERS = frozenset({"origin", "access-control-request-method",
                          "access-control-request-headers",
                          "access-control-request-private-network", "host"})
#: Where in-process requests go.
APP_BASE = "http://localhost"


def _arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("urls", nargs="*", metavar="URL",
                     help="URLs to audit (paths such as /api/me with --app; without any, "
                          "--app audits every route of a Flask, Django or Starlette app)")
    cmd.add_argument("--origin", action="append", required=True, metavar="TRUSTED_ORIGIN",
                     help="an origin the server is meant to trust, or a subdomain pattern "
                          "such as https://*.example.com (repeatable)")
    cmd.add_argument("--header", "-H", action="append", default=[], metavar="'NAME: VALUE'",
                     help="a header sent with every actual request, e.g. a session cookie "
                          "(repeatable; values are never printed)")
    cmd.add_argument("--credentials", action="store_true",
                     help="probe as a logged-in browser: actual requests carry a cookie "
                          "(the --header Cookie, else a dummy one)")
    cmd.add_argument("--app", metavar="MODULE:APP",
                     help="audit this WSGI or ASGI application in process (module:attr or "
                          "path/to/file.py:attr); without URLs, every route of it")
    cmd.add_argument("--openapi", metavar="FILE",
                     help="audit every path of this OpenAPI 3 document (JSON) on the live "
                          "server at --base")
    cmd.add_argument("--base", metavar="URL",
                     help="the server the --openapi paths are on, e.g. https://api.example.com")
    cmd.add_argument("--json", action="store_true",
                     help="print JSON: one document per URL, or one for every route")
    cmd.add_argument("--sarif", metavar="FILE", help="also write SARIF 2.1.0 to FILE")
    cmd.add_argument("--fail-on", choices=list(reversed(SEVERITIES)), default="low",
                     help="exit 1 on findings of this severity or above (default low)")
    add_network_options(cmd, timeout=10.0)
    add_color_option(cmd)


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run ``wsgicors audit`` with parsed *args*; return the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    redactor = Redactor.for_options(args.header)
    try:
        headers, plan = _setup(args)
    except ToolError as exc:  # the message may quote a --header value: never print it
        raise ToolError(redactor(str(exc))) from None
    if isinstance(plan, _Routes):
        return _run_survey(args, plan, headers, redactor, out, err)
    transport, urls, serving = plan
    audits: list[Audit] = []
    failed = False
    for url in urls:
        try:
            done = audit(transport, url, args.origin, headers=headers,
                         credentials=args.credentials, progress=_progress(err, url),
                         concurrency=MAX_CONCURRENT if args.app is None else 1,
                         serving=serving(url) if serving else None,
                         seconds=series_seconds(args))
        except ToolError as exc:  # the next URL may still be audited
            print(f"wsgicors audit: cannot audit {escape(url)}: "
                  f"{escape(redactor(str(exc)))}", file=err)
            failed = True
            continue
        audits.append(done)
        out.write(_render(done, args, out, redactor))
    return _finish(args, audits, failed, redactor)


AUDIT = Command(
    name="audit",
    summary="find exploitable CORS misconfigurations of a server (any server), of a WSGI "
            "or ASGI app, or of every route of one",
    description="""Send a server the requests an attacker's page would make, from origins
    derived from the ones you trust (a random attacker site, null, the trusted host
    with an attacker's domain after it or around it, its http:// twin, a subdomain,
    special characters), and report every one the server lets read its responses:
    each finding with its severity, the request and response that show it, and the
    fix: the whole corrected configuration (what the application allows its trusted
    origins, without what let the attacker in), for the stack it runs on and, in
    --json, for every other (wsgicors, Flask, Django, Starlette, flask-cors,
    django-cors-headers, nginx, Express). Works on
    any server over the network, on a WSGI or ASGI application in process with
    --app, on every route of a Flask, Django or Starlette/FastAPI application
    (--app without URLs: a table of routes, methods, the CORS configuration
    answering each, and findings), and on every path of an OpenAPI 3 document
    (--openapi with --base). At most 60 requests per URL or route, 4 at a time,
    all of them within 3 times --timeout, 6000 per run.""",
    examples="""\
wsgicors audit https://api.example.com/me --origin https://app.example.com \\
    --header "Cookie: session=..." --credentials --sarif cors.sarif
wsgicors audit --app myproject.wsgi:application /api/me --origin https://app.example.com
wsgicors audit --app myproject.wsgi:application --origin https://app.example.com
wsgicors audit --openapi openapi.json --base https://staging.example.com \\
    --origin https://app.example.com""",
    exits={Exit.OK: "no finding at --fail-on or above",
           Exit.FAILED: "findings at --fail-on or above",
           Exit.ERROR: "could not audit: bad arguments, unreachable, every probe of a URL "
                       "or route failed"},
    add_arguments=_arguments,
    run=run,
)


@dataclass(frozen=True)
class _Routes:
    """What a whole-application or OpenAPI run needs."""

    transport: Sender
    target: str
    base: str
    routes: list[Route]
    answering: Answering | None = None
    serving: ServingOf | None = None


#: URLs to audit one by one: the transport, the URLs, and what serves CORS at a URL
#: (None: the fix is guessed from the answers).
_URLs = tuple[Sender, list[str], Callable[[str], Serving] | None]


def _setup(args: argparse.Namespace) -> tuple[list[Header], _Routes | _URLs]:
    problems = check_trusted(args.origin)
    if problems:
        raise ToolError(problems[0])
    timeout = timeout_of(args)
    headers = [_header(text) for text in args.header]
    if args.openapi or args.base:
        return headers, _openapi(args, timeout)
    if args.app:
        app = load_app(args.app)
        found = None if args.urls else find_application(app)
        if found is not None:
            layers = Layers(found, _app_name(args.app))
            return headers, _Routes(in_process(app, timeout), f"app {args.app}", APP_BASE,
                                    _app_routes(found), layers.answering, layers.serving)
        urls = [u if "://" in u else APP_BASE + (u if u.startswith("/") else "/" + u)
                for u in args.urls or ["/"]]
        return headers, (in_process(app, timeout), urls, _app_serving(app, args.app))
    if not args.urls:
        raise ToolError("give at least one URL to audit (or --app MODULE:APP, or "
                        "--openapi FILE --base URL)")
    _check_urls(args.urls)
    return headers, (_network(args, timeout), list(args.urls), None)


def _app_name(spec: str) -> str:
    """``application`` for ``myproject.wsgi:application``: what the fix's code calls it."""
    return spec.partition(":")[2].rsplit(".", 1)[-1] or "app"


def _app_serving(app: Any, spec: str) -> Callable[[str], Serving]:
    """What serves CORS at each URL of the ``--app`` application: the configuration
    answering its route (a framework application), or the policy of the wsgicors
    middleware in it, or hand-written code the fix replaces."""
    found = find_application(app)
    if found is not None:
        layers = Layers(found, _app_name(spec))
        return lambda url: layers.serving(route_at(found, urllib.parse.urlsplit(url).path))
    target = find_target(app)
    stack = stacks.of_app(app, spec, target)
    if target is None:
        return lambda url: Serving(dataclasses.replace(
            stack, source=f"{stack.source}: no CORS configuration the audit knows answers "
                          "this URL (replace the code that sends its CORS headers)"))

    def serving(url: str) -> Serving:
        policy, _pattern = target.match(urllib.parse.urlsplit(url).path or "/")
        return Serving(stack, None if policy is None else configs.of_policy(policy))

    return serving


def _app_routes(found: Application) -> list[Route]:
    try:
        return app_routes(found)
    except Exception as exc:  # the framework's own router failed on the user's app
        raise ToolError(f"cannot list the routes of the {found.framework} application: "
                        f"{type(exc).__name__}: {exc}") from exc


def _openapi(args: argparse.Namespace, timeout: float) -> _Routes:
    if not (args.openapi and args.base):
        raise ToolError("--openapi FILE and --base URL go together")
    if args.app or args.urls:
        raise ToolError("--openapi audits the paths of its document: give no URL or --app")
    _check_urls([args.base])
    routes = openapi_routes(load_openapi(args.openapi))
    return _Routes(_network(args, timeout), f"{args.openapi} at {args.base}", args.base,
                   routes)


def _network(args: argparse.Namespace, timeout: float) -> HTTPTransport:
    """The transport to a server: the audit judges header blocks only, it reads no body."""
    return HTTPTransport(timeout, tls_context(args.insecure), max_body=0)


def _check_urls(urls: Sequence[str]) -> None:
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise ToolError(f"not an http(s) URL: {url}")


def _run_survey(args: argparse.Namespace, plan: _Routes, headers: list[Header],
                redactor: Redactor, out: TextIO, err: TextIO) -> int:
    found = survey(plan.transport, plan.base, plan.routes, args.origin, plan.target,
                   headers=headers, credentials=args.credentials,
                   concurrency=1 if args.app else MAX_CONCURRENT, answering=plan.answering,
                   serving=plan.serving, progress=lambda route: _progress(err, route),
                   seconds=series_seconds(args))
    if args.json:
        out.write(dumps(survey_as_dict(found), redactor) + "\n")
    else:
        buffer = io.StringIO()
        print_survey(found, Style.for_output(args.color, out), buffer, args.fail_on)
        out.write(redactor(buffer.getvalue()))
    failed = any(e.error is not None and not e.skipped for e in found.routes)
    return _finish(args, [e.audit for e in found.routes if e.audit is not None], failed,
                   redactor)


def _finish(args: argparse.Namespace, audits: Sequence[Audit], failed: bool,
            redactor: Redactor) -> int:
    if args.sarif:
        with open(args.sarif, "w", encoding="utf-8") as handle:
            handle.write(dumps(sarif(audits, __version__), redactor) + "\n")
    if failed:
        return Exit.ERROR
    hits = [f for done in audits for f in at_or_above(done.findings, args.fail_on)]
    return Exit.FAILED if hits else Exit.OK


def _header(text: str) -> Header:
    """A ``--header`` value as a header; errors never show the value (a secret)."""
    name = text.partition(":")[0].strip()
    if ":" not in text:
        raise ToolError(f"--header needs 'Name: value' (got a header without ':', "
                        f"{len(text)} characters)")
    try:
        header = parse_header(text)
    except ToolError:
        raise ToolError("--header has an invalid header name") from None
    if name.lower() in _OWN_HEADERS:
        raise ToolError(f"--header {name}: the audit sets this header itself")
    return header


def _render(done: Audit, args: argparse.Namespace, out: TextIO, redactor: Redactor) -> str:
    if args.json:
        return dumps(as_dict(done), redactor) + "\n"
    buffer = io.StringIO()
    print_text(done, Style.for_output(args.color, out), buffer, args.fail_on)
    return redactor(buffer.getvalue())


def _progress(err: TextIO, url: str) -> Any:
    """A progress line on a terminal (stderr), nothing otherwise."""
    if not err.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\r\x1b[K" if done == total else "\r"
        err.write(f"\rwsgicors audit: {done}/{total} requests to {escape(url)}{end}")
        err.flush()

    return show
