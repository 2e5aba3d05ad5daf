"""The ``wsgicors`` command: the CORS doctor.

::

    wsgicors check https://api.example.com/items --origin https://app.example.com \\
        --method PUT --header content-type --header authorization --credentials
    wsgicors check --app myproject.wsgi:application --origin https://app.example.com /api/items
    wsgicors explain --config myproject.cors:policy

Exit status: 0 allowed, 1 blocked, 2 usage or network error.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import re
import ssl
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from . import fetchrules as rules
from .doctor import (
    DoctorError,
    HTTPTransport,
    Report,
    Transport,
    WSGITransport,
    check,
    find_cors_middleware,
    parse_header,
)
from .engine import explain
from .errors import ConfigError
from .policy import CORSPolicy

EXIT_ALLOWED, EXIT_BLOCKED, EXIT_ERROR = 0, 1, 2
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (the console script exits with it)."""
    parser = _parser()
    args = parser.parse_args(argv)
    out: TextIO = sys.stdout
    try:
        if args.command == "check":
            return _check(args, out)
        return _explain(args, out)
    except DoctorError as exc:
        print(f"wsgicors {args.command}: error: {_clean(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except ConfigError as exc:
        print(f"wsgicors {args.command}: invalid CORS configuration: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wsgicors", description="Explain why a browser blocks a cross-origin request.")
    commands = parser.add_subparsers(dest="command", required=True)
    chk = commands.add_parser("check", help="behave like a browser against a URL or WSGI app")
    chk.add_argument("url", help="the URL to fetch (a path such as /api/items with --app)")
    chk.add_argument("--origin", required=True, help="the page's origin, e.g. https://app.example.com")
    chk.add_argument("--method", "-X", default="GET", help="the fetch() method (default GET)")
    chk.add_argument("--header", "-H", action="append", default=[], metavar="NAME[:VALUE]",
                     help="a request header the script sets (repeatable)")
    chk.add_argument("--credentials", action="store_true",
                     help="credentials: 'include' (cookies, HTTP auth)")
    chk.add_argument("--app", metavar="MODULE:CALLABLE",
                     help="call this WSGI application in process instead of the network")
    chk.add_argument("--timeout", type=float, default=10.0, help="seconds per request (10)")
    chk.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
    _output_options(chk)
    exp = commands.add_parser("explain", help="print a wsgicors policy as a browser sees it")
    exp.add_argument("--config", required=True, metavar="MODULE:ATTR",
                     help="a CORSPolicy, a CORSMiddleware or an app wrapping one "
                          "(module:attr or path/to/file.py:attr)")
    exp.add_argument("--path", default="/", help="the request path (per-path policies)")
    exp.add_argument("--origin", help="also decide a request from this origin")
    exp.add_argument("--method", "-X", default="GET")
    exp.add_argument("--header", "-H", action="append", default=[], metavar="NAME[:VALUE]")
    _output_options(exp)
    return parser


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour output (auto: on a terminal, unless NO_COLOR is set)")


# -- check -----------------------------------------------------------------------


def _check(args: argparse.Namespace, out: TextIO) -> int:
    headers = [parse_header(text) for text in args.header]
    url = args.url
    transport: Transport
    target = None
    if args.app:
        app = load_object(args.app)
        if not callable(app):
            raise DoctorError(f"{args.app} is not a WSGI callable")
        transport = WSGITransport(app)
        target = find_cors_middleware(app)
        if url.startswith("/"):
            url = "http://localhost" + url
    else:
        if args.timeout <= 0:
            raise DoctorError("--timeout must be a positive number of seconds")
        context = None
        if args.insecure:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        transport = HTTPTransport(args.timeout, context)
    report = check(transport, url, origin=args.origin, method=args.method, headers=headers,
                   credentials=args.credentials, target=target)
    if args.json:
        json.dump(report.as_dict(), out, indent=2)
        out.write("\n")
    else:
        print_report(report, Style(_colour(args.color, out)), out)
    return EXIT_ALLOWED if report.allowed else EXIT_BLOCKED


class Style:
    """Wrap text in an ANSI colour code, or leave it plain when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, code: str) -> str:
        clean = _clean(text)
        return _Styled(f"\x1b[{code}m{clean}\x1b[0m" if self.enabled else clean)


def _colour(choice: str, out: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    return out.isatty() and "NO_COLOR" not in os.environ


Write = Callable[..., None]


class _Styled(str):
    """Text already cleaned and coloured: write() passes it through unchanged."""


def _writer(out: TextIO) -> Write:
    def write(*parts: str) -> None:
        # Everything but our own colour codes is cleaned: server data is untrusted.
        print("".join(p if isinstance(p, _Styled) else _clean(p) for p in parts), file=out)

    return write


def _clean(text: str) -> str:
    """Escape control characters: server data must not drive the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def print_report(report: Report, style: Style, out: TextIO) -> None:
    """Print *report* for a human (``style(text, ansi_code)`` adds colour or not)."""
    write = _writer(out)
    creds = " with credentials" if report.credentials else ""
    write(f"{report.method} {report.url} from {report.origin}{creds}")
    if report.same_origin:
        write(style("ALLOWED", "1;32"), ": same-origin request, CORS does not apply.")
        return
    if report.preflight_reasons:
        write("Preflight needed: " + "; ".join(report.preflight_reasons) + ".")
    else:
        write("No preflight: a simple request (safelisted method and headers).")
    write()
    for exchange in report.exchanges:
        write(style(f"> {exchange.method} {exchange.url}", "1"))
        for name, value in exchange.request_headers:
            write(f"    {name}: {value}")
        write(style(f"< {exchange.response.status} ({exchange.kind})", "1"))
        for name, value in exchange.response.headers:
            line = f"    {name}: {value}"
            write(style(line, "36") if name.lower().startswith("access-control-") else line)
    write()
    _print_verdict(report, style, write)


def _print_verdict(report: Report, style: Style, write: Write) -> None:
    blocked = [o for o in report.outcomes.values() if not o.allowed]
    if not blocked:
        write(style("ALLOWED", "1;32"), " in Chrome and Firefox.")
    else:
        names = " and ".join(o.browser.capitalize() for o in blocked)
        write(style("BLOCKED", "1;31"), f" in {names}.")
    for outcome in report.outcomes.values():
        name = outcome.browser.capitalize()
        if outcome.failure is None:
            write(f"  {name}: allowed.")
            continue
        write(f"  {name} console: ", style(outcome.message or "", "31"))
        for header, value in outcome.failure.headers:
            write(f"    caused by: {header}: {value}")
    for fix in report.fixes:
        write(style("Fix: ", "1;33"), fix)
    if report.hidden_headers:
        write("Note: scripts cannot read these response headers (not in "
              "Access-Control-Expose-Headers): " + ", ".join(report.hidden_headers) + ".")
    caches = [(o.browser, o.preflight_cache) for o in report.outcomes.values()
              if o.preflight_cache is not None and o.allowed]
    if caches:
        write("Preflight cached for: " + ", ".join(
            f"{b.capitalize()} {s} s" for b, s in caches) + ".")


# -- explain ---------------------------------------------------------------------


def _explain(args: argparse.Namespace, out: TextIO) -> int:
    obj = load_object(args.config)
    target = find_cors_middleware(obj)
    if target is None:
        raise DoctorError(f"{args.config} is not (and does not wrap) a CORSPolicy or "
                          "CORSMiddleware")
    policy = target if isinstance(target, CORSPolicy) else target.routes.match(args.path)[0]
    data = describe_policy(policy)
    if args.origin:
        headers = [parse_header(text) for text in args.header]
        data["decisions"] = _decide(target, args, headers)
    if args.json:
        json.dump(data, out, indent=2, default=repr)
        out.write("\n")
    else:
        _print_description(data, args.path, Style(_colour(args.color, out)), out)
    blocked = any(not d["allowed"] for d in data.get("decisions", []))
    return EXIT_BLOCKED if blocked else EXIT_ALLOWED


def describe_policy(policy: CORSPolicy | None) -> dict[str, Any]:
    """What browsers see from *policy*, as JSON-ready data."""
    if policy is None:
        return {"covered": False}
    options = policy.options
    age = options["max_age"]
    header = None if age is None else str(age)
    return {
        "covered": True,
        "origins": options["allow_origins"],
        "origin_regex": [p.pattern for p in options["allow_origin_regex"]],
        "origin_func": options["allow_origin_func"] is not None,
        "credentials": options["allow_credentials"],
        "methods": options["allow_methods"],
        "headers": options["allow_headers"],
        "expose_headers": options["expose_headers"],
        "vary_origin": policy.varies_by_origin,
        "max_age": age,
        "preflight_cache_seconds": {b: rules.preflight_cache_seconds(header, b)
                                    for b in rules.MAX_AGE_CAPS},
        "private_network": options["allow_private_network"],
    }


def _decide(target: Any, args: argparse.Namespace, headers: list[rules.Header]
            ) -> list[dict[str, Any]]:
    decisions = []
    method = rules.normalize_method(args.method)
    if rules.needs_preflight(method, headers):
        names = rules.unsafe_header_names(headers)
        decisions.append(explain(target, origin=args.origin, method="OPTIONS", path=args.path,
                                 request_method=method, request_headers=names or None))
    decisions.append(explain(target, origin=args.origin, method=method, path=args.path))
    return [{"kind": d.kind, "allowed": d.allowed, "code": d.code, "reason": d.reason,
             "option": d.option, "headers": [list(h) for h in d.headers]}
            for d in decisions]


def _print_description(data: dict[str, Any], path: str, style: Style, out: TextIO) -> None:
    write = _writer(out)
    if not data["covered"]:
        write(f"No CORS policy covers {path}: responses get no CORS headers, so browsers "
              "block every cross-origin read there.")
    else:
        _print_policy(data, write)
    for decision in data.get("decisions", []):
        verdict = style("allowed", "32") if decision["allowed"] else style("refused", "31")
        write(f"{decision['kind']}: ", verdict, f" ({decision['code']}): {decision['reason']}")
        for name, value in decision["headers"]:
            write(f"    {name}: {value}")
        if decision["option"]:
            write(style("Fix: ", "1;33"), f"change {decision['option']}")


def _print_policy(data: dict[str, Any], write: Write) -> None:
    origins = data["origins"]
    if origins == "*":
        write("Origins: every origin ('Access-Control-Allow-Origin: *').")
    else:
        listed = list(origins) + [f"regex {p}" for p in data["origin_regex"]]
        if data["origin_func"]:
            listed.append("anything allow_origin_func accepts")
        write("Origins: " + (", ".join(listed) or "none") + " (echoed exactly).")
    if data["credentials"]:
        write("Credentials: allowed (cookies and HTTP auth reach the server and scripts "
              "read the answers).")
    else:
        write("Credentials: not allowed (fetch with credentials: 'include' is blocked).")
    write(f"Methods a preflight may ask for: {_names(data['methods'])} "
          "(GET, HEAD and POST never need a preflight).")
    write(f"Request headers a preflight may ask for: {_names(data['headers'])}.")
    write(f"Response headers scripts may read besides the safelisted ones: "
          f"{_names(data['expose_headers']) or 'none'}.")
    caches = ", ".join(f"{b.capitalize()} {s} s"
                       for b, s in data["preflight_cache_seconds"].items())
    write(f"Preflight cache (max_age={data['max_age']}): {caches}.")
    write("Vary: Origin on every response." if data["vary_origin"]
          else "No Vary: Origin needed (the answer never depends on the origin).")


def _names(value: Any) -> str:
    return "any (echoed)" if value == "*" else ", ".join(value)


# -- loading user objects ------------------------------------------------------------


def load_object(spec: str) -> Any:
    """Import ``module:attr`` or ``path/to/file.py:attr`` (attr may be dotted)."""
    module_name, _sep, attr = spec.partition(":")
    if not module_name:
        raise DoctorError(f"expected MODULE:ATTR, got {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = _import(module_name)
    except DoctorError:
        raise
    except Exception as exc:
        raise DoctorError(f"cannot import {module_name}: {type(exc).__name__}: {exc}") from exc
    if not attr:
        return _guess(module, spec)
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise DoctorError(f"{module_name} has no attribute {attr!r}")
        obj = getattr(obj, part)
    return obj


def _import(name: str) -> Any:
    if name.endswith(".py"):
        if not os.path.isfile(name):
            raise DoctorError(f"no such file: {name}")
        spec = importlib.util.spec_from_file_location("_wsgicors_config", name)
        if spec is None or spec.loader is None:
            raise DoctorError(f"cannot load {name}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return importlib.import_module(name)


def _guess(module: Any, spec: str) -> Any:
    """With no attribute named, the first object that is or wraps a wsgicors object."""
    for value in vars(module).values():
        if find_cors_middleware(value) is not None:
            return value
    raise DoctorError(f"{spec}: name the object, as MODULE:ATTR")
