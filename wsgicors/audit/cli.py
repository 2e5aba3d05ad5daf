"""``wsgicors audit``: find a server's exploitable CORS misconfigurations.

::

    wsgicors audit https://api.example.com/me --origin https://app.example.com \\
        --header "Cookie: session=..." --credentials --sarif cors.sarif
    wsgicors audit --app myproject.wsgi:application /api/me --origin https://app.example.com

Exit status: 0 no finding at or above ``--fail-on`` (default ``low``), 1 findings,
2 could not audit (bad arguments, unreachable, every probe failed).
"""

from __future__ import annotations

import argparse
import io
import ssl
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from ..doctor.fetch import parse_header
from ..doctor.report import DoctorError, Style, escape
from ..doctor.transport import HTTPTransport
from .findings import SEVERITIES, Header, at_or_above
from .inprocess import app_transport
from .probes import check_trusted
from .report import as_dict, dumps, print_text, redact, sarif
from .scan import MAX_CONCURRENT, Audit, Sender, audit

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: Request headers the audit sets itself.
_OWN_HEADERS = frozenset({"origin", "access-control-request-method",
                          "access-control-request-headers",
                          "access-control-request-private-network", "host"})


def add_parser(commands: Any) -> None:
    """Add the ``audit`` subcommand to the ``wsgicors`` command's subparsers."""
    cmd = commands.add_parser("audit", help="find exploitable CORS misconfigurations of a "
                              "server (any server) or a WSGI app")
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
                     help="audit this WSGI (or ASGI) application in process")
    cmd.add_argument("--json", action="store_true", help="print JSON, one document per URL")
    cmd.add_argument("--sarif", metavar="FILE", help="also write SARIF 2.1.0 to FILE")
    cmd.add_argument("--fail-on", choices=list(reversed(SEVERITIES)), default="low",
                     help="exit 1 on findings of this severity or above (default low)")
    cmd.add_argument("--timeout", type=float, default=10.0, help="seconds per request (10)")
    cmd.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
    cmd.add_argument("--color", choices=("auto", "always", "never"), default="auto")


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run ``wsgicors audit`` with parsed *args*; return the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    secrets = [text.partition(":")[2].strip() for text in args.header]
    try:
        headers, transport, urls = _setup(args)
    except DoctorError as exc:
        print(f"wsgicors audit: error: {escape(redact(str(exc), secrets))}", file=err)
        return EXIT_ERROR
    audits: list[Audit] = []
    failed = False
    for url in urls:
        try:
            done = audit(transport, url, args.origin, headers=headers,
                         credentials=args.credentials, progress=_progress(err, url),
                         concurrency=MAX_CONCURRENT if args.app is None else 1)
        except DoctorError as exc:
            print(f"wsgicors audit: cannot audit {escape(url)}: "
                  f"{escape(redact(str(exc), secrets))}", file=err)
            failed = True
            continue
        audits.append(done)
        out.write(_render(done, args, out, secrets))
    if args.sarif:
        _write_sarif(args.sarif, audits, secrets)
    if failed:
        return EXIT_ERROR
    hits = [f for done in audits for f in at_or_above(done.findings, args.fail_on)]
    return EXIT_FINDINGS if hits else EXIT_CLEAN


def _setup(args: argparse.Namespace) -> tuple[list[Header], Sender, list[str]]:
    problems = check_trusted(args.origin)
    if problems:
        raise DoctorError(problems[0])
    if args.timeout <= 0:
        raise DoctorError("--timeout must be a positive number of seconds")
    headers = [_header(text) for text in args.header]
    if args.app:
        urls = [u if "://" in u else "http://localhost" + (u if u.startswith("/") else "/" + u)
                for u in args.urls or ["/"]]
        return headers, app_transport(args.app), urls
    if not args.urls:
        raise DoctorError("give at least one URL to audit (or --app MODULE:APP)")
    for url in args.urls:
        if not url.startswith(("http://", "https://")):
            raise DoctorError(f"not an http(s) URL: {url}")
    return headers, HTTPTransport(args.timeout, _tls(args.insecure)), list(args.urls)


def _tls(insecure: bool) -> ssl.SSLContext | None:
    """The TLS context: the default one, or one that verifies nothing (``--insecure``)."""
    if not insecure:
        return None
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _header(text: str) -> Header:
    """A ``--header`` value as a header; errors never show the value (a secret)."""
    name = text.partition(":")[0].strip()
    if ":" not in text:
        raise DoctorError(f"--header needs 'Name: value' (got a header without ':', "
                          f"{len(text)} characters)")
    try:
        header = parse_header(text)
    except DoctorError:
        raise DoctorError("--header has an invalid header name") from None
    if name.lower() in _OWN_HEADERS:
        raise DoctorError(f"--header {name}: the audit sets this header itself")
    return header


def _render(done: Audit, args: argparse.Namespace, out: TextIO, secrets: list[str]) -> str:
    if args.json:
        return dumps(as_dict(done), secrets) + "\n"
    buffer = io.StringIO()
    print_text(done, Style.for_output(args.color, out), buffer, args.fail_on)
    return redact(buffer.getvalue(), secrets)


def _write_sarif(path: str, audits: Sequence[Audit], secrets: list[str]) -> None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        own = version("wsgicors")
    except PackageNotFoundError:
        own = "0"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(dumps(sarif(audits, own), secrets) + "\n")


def _progress(err: TextIO, url: str) -> Any:
    """A progress line on a terminal (stderr), nothing otherwise."""
    if not err.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\r\x1b[K" if done == total else "\r"
        err.write(f"\rwsgicors audit: {done}/{total} requests to {escape(url)}{end}")
        err.flush()

    return show


def main(argv: Sequence[str] | None = None) -> int:
    """``wsgicors audit ...`` on its own (the ``wsgicors`` command dispatches here)."""
    parser = argparse.ArgumentParser(prog="wsgicors")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
