"""The ``wsgicors`` command: the CORS doctor.

::

    wsgicors check https://api.example.com/items --origin https://app.example.com \\
        --method PUT --header content-type --header authorization --credentials
    wsgicors check --app myproject.wsgi:application --origin https://app.example.com /api/items
    wsgicors check --django-settings mysite.settings --origin https://app.example.com /api/items/
    wsgicors check https://api.example.com/items --origin https://app.example.com --browser chromium
    wsgicors explain --config myproject.cors:policy
    wsgicors explain --django-settings mysite.settings --path /api/items/
    wsgicors proxy https://api.example.com --allow-origin http://localhost:5173

Exit status: 0 allowed, 1 blocked, 2 usage or network error.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import ssl
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from ..audit import cli as audit_cli
from ..errors import ConfigError
from ..policy import CORSPolicy
from ..targets import Target, find_target
from . import browser, live
from .advice import decisions
from .fetch import check, parse_header
from .report import (
    DoctorError,
    Style,
    Write,
    decision_dict,
    escape,
    print_real,
    print_report,
    writer,
)
from .transport import HTTPTransport, Transport, in_process

EXIT_ALLOWED, EXIT_BLOCKED, EXIT_ERROR = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (the console script exits with it)."""
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["proxy"]:  # its own parser: wsgicors.proxy.cli
        from ..proxy import main as proxy_main

        return proxy_main(words[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    out: TextIO = sys.stdout
    if args.command == "audit":
        return audit_cli.run(args, out)
    try:
        if args.command == "check":
            return _check(args, out)
        return _explain(args, out)
    except DoctorError as exc:
        print(f"wsgicors {args.command}: error: {escape(str(exc))}", file=sys.stderr)
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
    where = chk.add_mutually_exclusive_group()
    where.add_argument("--app", metavar="MODULE:CALLABLE",
                       help="call this WSGI or ASGI application in process instead of "
                            "the network")
    _django_option(where)
    chk.add_argument("--timeout", type=float, default=10.0, help="seconds per request (10)")
    chk.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
    chk.add_argument("--browser", action="append", choices=sorted(live.EXECUTABLES),
                     default=[], help="also run the request in this real browser, headless "
                                      "(repeatable), and print what it did")
    _output_options(chk)
    commands.add_parser("proxy", help="a development proxy adding CORS to a server you "
                        "cannot change (wsgicors proxy --help)")
    audit_cli.add_parser(commands)
    exp = commands.add_parser("explain", help="print a wsgicors policy as a browser sees it")
    source = exp.add_mutually_exclusive_group(required=True)
    source.add_argument("--config", metavar="MODULE:ATTR",
                        help="a CORSPolicy, a CORSMiddleware or an app using one "
                             "(module:attr or path/to/file.py:attr)")
    _django_option(source)
    exp.add_argument("--path", default="/", help="the request path (per-path policies)")
    exp.add_argument("--origin", help="also decide a request from this origin")
    exp.add_argument("--method", "-X", default="GET")
    exp.add_argument("--header", "-H", action="append", default=[], metavar="NAME[:VALUE]")
    _output_options(exp)
    return parser


def _django_option(group: Any) -> None:
    group.add_argument("--django-settings", metavar="MODULE",
                       help="a Django project's settings module (wsgicors_django)")


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour output (auto: on a terminal, unless NO_COLOR is set)")


# -- check -----------------------------------------------------------------------


def _check(args: argparse.Namespace, out: TextIO) -> int:
    headers = [parse_header(text) for text in args.header]
    transport, target, url = _where(args)
    if args.browser and not isinstance(transport, HTTPTransport):
        raise DoctorError("--browser needs a URL on the network (a browser cannot reach an "
                          "application running in this process)")
    report = check(transport, url, origin=args.origin, method=args.method, headers=headers,
                   credentials=args.credentials, target=target)
    real = [live.fetch_in(name, url, origin=args.origin, method=report.method,
                          headers=headers, credentials=args.credentials, timeout=args.timeout)
            for name in dict.fromkeys(args.browser)]
    if args.json:
        data = report.as_dict()
        if target is not None:
            for decision in data["wsgicors"]:
                decision["setting"] = decision["option"] and target.option(decision["option"])
        if real:
            data["real_browsers"] = {o.browser: live.outcome_dict(o, report) for o in real}
        json.dump(data, out, indent=2)
        out.write("\n")
    else:
        style = Style.for_output(args.color, out)
        print_report(report, style, out)
        for outcome in real:
            print_real(outcome, live.agrees(outcome, report), style, out)
    return EXIT_ALLOWED if report.allowed else EXIT_BLOCKED


def _where(args: argparse.Namespace) -> tuple[Transport, Target | None, str]:
    """How to reach the URL (network or in process), what serves CORS there, the URL."""
    app = None
    target: Target | None = None
    if args.app:
        app = load_object(args.app)
        if not callable(app):
            raise DoctorError(f"{args.app} is not a WSGI or ASGI application")
        target = find_target(app)
    elif args.django_settings:
        target = django_target(args.django_settings)
        if args.url.startswith("/"):
            app = importlib.import_module("django.core.wsgi").get_wsgi_application()
    if app is None:
        return _network(args), target, args.url
    url = "http://localhost" + args.url if args.url.startswith("/") else args.url
    return in_process(app), target, url


def _network(args: argparse.Namespace) -> HTTPTransport:
    if args.timeout <= 0:
        raise DoctorError("--timeout must be a positive number of seconds")
    context = None
    if args.insecure:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return HTTPTransport(args.timeout, context)


# -- explain ---------------------------------------------------------------------


def _explain(args: argparse.Namespace, out: TextIO) -> int:
    if args.django_settings:
        target = django_target(args.django_settings)
    else:
        target = _config_target(args.config)
    data = describe_policy(target.match(args.path)[0])
    if args.origin:
        headers = [parse_header(text) for text in args.header]
        data["decisions"] = [
            {**decision_dict(d), "setting": d.option and target.option(d.option)}
            for d in decisions(target, origin=args.origin, method=args.method,
                               headers=headers, path=args.path)]
    if args.json:
        json.dump(data, out, indent=2, default=repr)
        out.write("\n")
    else:
        _print_description(data, args.path, Style.for_output(args.color, out), out)
    blocked = any(not d["allowed"] for d in data.get("decisions", []))
    return EXIT_BLOCKED if blocked else EXIT_ALLOWED


def _config_target(spec: str) -> Target:
    target = find_target(load_object(spec))
    if target is None:
        raise DoctorError(f"{spec} is not (and does not use) a CORSPolicy, a CORS "
                          "middleware, or a Flask app configured with wsgicors_flask.CORS")
    return target


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
        "preflight_cache_seconds": {b: browser.preflight_cache_seconds(header, b)
                                    for b in browser.MAX_AGE_CAPS},
        "private_network": options["allow_private_network"],
    }


def _print_description(data: dict[str, Any], path: str, style: Style, out: TextIO) -> None:
    write = writer(out)
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
        if decision["setting"]:
            write(style("Fix: ", "1;33"), f"change {decision['setting']}")


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
    module = _import(module_name)
    if not attr:
        return _guess(module, spec)
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise DoctorError(f"{module_name} has no attribute {attr!r}")
        obj = getattr(obj, part)
    return obj


def _import(name: str) -> Any:
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        if not name.endswith(".py"):
            return importlib.import_module(name)
        if not os.path.isfile(name):
            raise DoctorError(f"no such file: {name}")
        spec = importlib.util.spec_from_file_location("_wsgicors_config", name)
        if spec is None or spec.loader is None:
            raise DoctorError(f"cannot load {name}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    except DoctorError:
        raise
    except Exception as exc:
        raise DoctorError(f"cannot import {name}: {type(exc).__name__}: {exc}") from exc


def _guess(module: Any, spec: str) -> Any:
    """With no attribute named, the first object that is or uses a wsgicors object."""
    for value in vars(module).values():
        if find_target(value) is not None:
            return value
    raise DoctorError(f"{spec}: name the object, as MODULE:ATTR")


def django_target(settings_module: str) -> Target:
    """Set up the Django project of *settings_module* and return its wsgicors target."""
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    _import(settings_module)  # a clear one-line error if the module is not importable
    try:
        django = importlib.import_module("django")
        django.setup()
        settings = importlib.import_module("django.conf").settings
    except Exception as exc:
        raise DoctorError(f"cannot set up Django with {settings_module}: "
                          f"{type(exc).__name__}: {exc}") from exc
    target = find_target(settings)
    if target is None:
        raise DoctorError(f"{settings_module}: MIDDLEWARE does not list "
                          "wsgicors_django.middleware.CorsMiddleware")
    return target
