"""The ``audit`` subcommand of the ``wsgicors`` command: exploitable CORS misconfigurations.

::

    wsgicors audit https://api.example.com/me --origin https://app.example.com \\
        --header "Cookie: session=..." --credentials --sarif cors.sarif
    wsgicors audit --app myproject.wsgi:application /api/me --origin https://app.example.com

:data:`AUDIT` is added to the root command line by :mod:`wsgicors.cli`.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from .. import __version__
from ..doctor.fetch import parse_header
from ..doctor.transport import ASGITransport, HTTPTransport, WSGITransport
from ..toolbase.command import Command
from ..toolbase.errors import Exit, ToolError
from ..toolbase.network import add_network_options, series_seconds, timeout_of, tls_context
from ..toolbase.terminal import Style, add_color_option, escape
from .findings import Header, at_or_above
from .inprocess import app_transport
from .probes import check_trusted
from .report import as_dict, dumps, print_text, redact, sarif
from .scan import MAX_CONCURRENT, Audit, audit
from .vocabulary import SEVERITIES

#: Request headers the audit sets itself.
_OWN_HEADERS = frozenset({"origin", "access-control-request-method",
                          "access-control-request-headers",
                          "access-control-request-private-network", "host"})


def _arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("urls", nargs="*", metavar="URL",
                     help="URLs to audit (paths such as /api/me with --app; default /)")
    cmd.add_argument("--origin", action="append", required=True, metavar="TRUSTED_ORIGIN",
                     help="an origin the server is meant to trust (repeatable)")
    cmd.add_argument("--header", "-H", action="append", default=[], metavar="'NAME: VALUE'",
                     help="a header sent with every actual request, e.g. a session cookie "
                          "(repeatable; values are never printed)")
    cmd.add_argument("--credentials", action="store_true",
                     help="probe as a logged-in browser: actual requests carry a cookie "
                          "(the --header Cookie, else a dummy one)")
    cmd.add_argument("--app", metavar="MODULE:APP",
                     help="audit this WSGI or ASGI application in process (module:attr or "
                          "path/to/file.py:attr)")
    cmd.add_argument("--json", action="store_true", help="print JSON, one document per URL")
    cmd.add_argument("--sarif", metavar="FILE", help="also write SARIF 2.1.0 to FILE")
    cmd.add_argument("--fail-on", choices=list(reversed(SEVERITIES)), default="low",
                     help="exit 1 on findings of this severity or above (default low)")
    add_network_options(cmd, timeout=10.0)
    add_color_option(cmd)


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run ``wsgicors audit`` with parsed *args*; return the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    secrets = [text.partition(":")[2].strip() for text in args.header]
    try:
        headers, transport, urls = _setup(args)
    except ToolError as exc:  # the message may quote a --header value: never print it
        raise ToolError(redact(str(exc), secrets)) from None
    audits: list[Audit] = []
    failed = False
    for url in urls:
        try:
            done = audit(transport.within(series_seconds(args)), url, args.origin,
                         headers=headers, credentials=args.credentials,
                         progress=_progress(err, url),
                         concurrency=MAX_CONCURRENT if args.app is None else 1)
        except ToolError as exc:  # the next URL may still be audited
            print(f"wsgicors audit: cannot audit {escape(url)}: "
                  f"{escape(redact(str(exc), secrets))}", file=err)
            failed = True
            continue
        audits.append(done)
        out.write(_render(done, args, out, secrets))
    if args.sarif:
        _write_sarif(args.sarif, audits, secrets)
    if failed:
        return Exit.ERROR
    hits = [f for done in audits for f in at_or_above(done.findings, args.fail_on)]
    return Exit.FAILED if hits else Exit.OK


AUDIT = Command(
    name="audit",
    summary="find exploitable CORS misconfigurations of a server (any server) or a WSGI "
            "or ASGI app",
    description="""Send a server the requests an attacker's page would make, from origins
    derived from the ones you trust (a random attacker site, null, the trusted host
    with an attacker's domain after it or around it, its http:// twin, a subdomain,
    special characters), and report every one the server lets read its responses:
    each finding with its severity, the request and response that show it, and the
    fix for wsgicors, flask-cors, django-cors-headers, nginx and express. Works on
    any server over the network, or on a WSGI or ASGI application in process with
    --app. At most 60 requests per URL, 4 at a time, all of them within 3 times
    --timeout.""",
    examples="""\
wsgicors audit https://api.example.com/me --origin https://app.example.com \\
    --header "Cookie: session=..." --credentials --sarif cors.sarif
wsgicors audit --app myproject.wsgi:application /api/me --origin https://app.example.com""",
    exits={Exit.OK: "no finding at --fail-on or above",
           Exit.FAILED: "findings at --fail-on or above",
           Exit.ERROR: "could not audit: bad arguments, unreachable, every probe failed"},
    add_arguments=_arguments,
    run=run,
)


def _setup(args: argparse.Namespace) -> tuple[
        list[Header], HTTPTransport | WSGITransport | ASGITransport, list[str]]:
    problems = check_trusted(args.origin)
    if problems:
        raise ToolError(problems[0])
    timeout = timeout_of(args)
    headers = [_header(text) for text in args.header]
    if args.app:
        urls = [u if "://" in u else "http://localhost" + (u if u.startswith("/") else "/" + u)
                for u in args.urls or ["/"]]
        return headers, app_transport(args.app, timeout), urls
    if not args.urls:
        raise ToolError("give at least one URL to audit (or --app MODULE:APP)")
    for url in args.urls:
        if not url.startswith(("http://", "https://")):
            raise ToolError(f"not an http(s) URL: {url}")
    # The audit judges header blocks only: it reads no body.
    return headers, HTTPTransport(timeout, tls_context(args.insecure), max_body=0), list(args.urls)


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


def _render(done: Audit, args: argparse.Namespace, out: TextIO, secrets: list[str]) -> str:
    if args.json:
        return dumps(as_dict(done), secrets) + "\n"
    buffer = io.StringIO()
    print_text(done, Style.for_output(args.color, out), buffer, args.fail_on)
    return redact(buffer.getvalue(), secrets)


def _write_sarif(path: str, audits: Sequence[Audit], secrets: list[str]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(dumps(sarif(audits, __version__), secrets) + "\n")


def _progress(err: TextIO, url: str) -> Any:
    """A progress line on a terminal (stderr), nothing otherwise."""
    if not err.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\r\x1b[K" if done == total else "\r"
        err.write(f"\rwsgicors audit: {done}/{total} requests to {escape(url)}{end}")
        err.flush()

    return show
