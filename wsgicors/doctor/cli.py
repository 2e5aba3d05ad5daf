"""The doctor's subcommands of the ``wsgicors`` command: ``check`` and ``explain``.

::

    wsgicors check https://api.example.com/items --origin https://app.example.com \\
        --method PUT --header content-type --header authorization --credentials
    wsgicors check --app myproject.wsgi:application --origin https://app.example.com /api/items
    wsgicors check --django-settings mysite.settings --origin https://app.example.com /api/items/
    wsgicors check https://api.example.com/items --origin https://app.example.com --browser webkit
    wsgicors explain --config myproject.cors:policy
    wsgicors explain --django-settings mysite.settings --path /api/items/

:data:`CHECK` and :data:`EXPLAIN` are added to the root command line by
:mod:`wsgicors.cli`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from .. import CORSPolicy
from ..toolbase import stacks
from ..toolbase.command import Command
from ..toolbase.errors import Exit, ToolError
from ..toolbase.network import add_network_options, series_seconds, timeout_of, tls_context
from ..toolbase.targets import (
    Target,
    django_project,
    django_target,
    find_target,
    load_app,
    load_target,
)
from ..toolbase.terminal import Style, Write, add_color_option, writer
from . import browser, live
from .advice import decisions
from .agreement import outcome_dict, print_real
from .fetch import check, parse_header
from .report import decision_dict, print_report
from .transport import HTTPTransport, Transport, in_process
from .vocabulary import BROWSER_NAMES

# -- check -----------------------------------------------------------------------


def _check_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("url", help="the URL to fetch (with --app or --django-settings, a "
                                 "path such as /api/items)")
    cmd.add_argument("--origin", required=True,
                     help="the origin of the page that runs fetch(), e.g. "
                          "https://app.example.com")
    _request_options(cmd, sent=True)
    cmd.add_argument("--credentials", action="store_true",
                     help="fetch with credentials: 'include' (cookies, HTTP auth)")
    cmd.add_argument("--read-header", action="append", default=[], metavar="NAME",
                     help="a response header the script reads (repeatable): the fix "
                          "exposes it with Access-Control-Expose-Headers")
    body = cmd.add_mutually_exclusive_group()
    body.add_argument("--data", metavar="TEXT",
                      help="the request body (sent with the actual request; fetch() then "
                           "sends Content-Type: text/plain;charset=UTF-8 unless -H says "
                           "otherwise)")
    body.add_argument("--data-file", metavar="PATH", help="the request body, from a file")
    cmd.add_argument("--preflight-only", action="store_true",
                     help="send only the OPTIONS preflight, never the request itself, and "
                          "predict the verdict from the preflight's CORS headers (safe "
                          "against a live API)")
    where = cmd.add_mutually_exclusive_group()
    where.add_argument("--app", metavar="MODULE:APP",
                       help="call this WSGI or ASGI application in process instead of "
                            "using the network (module:attr or path/to/file.py:attr)")
    _django_option(where, "with or without wsgicors_django")
    where.add_argument("--config", metavar="MODULE:ATTR",
                       help="the wsgicors configuration serving the URL (a CORSPolicy, a "
                            "CORS middleware, or an app using one): the fix then names its "
                            "options")
    add_network_options(cmd, timeout=10.0)
    cmd.add_argument("--browser", action="append", choices=sorted(live.BROWSER_OPTIONS),
                     default=[], help="also run the request in this real browser (headless; "
                                      "WebKit: MiniBrowser under Xvfb), repeatable, and print "
                                      "what it did; the browser sends the request again")
    _output_options(cmd)


def _check(args: argparse.Namespace) -> int:
    out = sys.stdout
    headers = [parse_header(text) for text in args.header]
    read = [parse_header(name)[0] for name in args.read_header]
    transport, target, url, stack = _where(args)
    if args.browser and not isinstance(transport, HTTPTransport):
        raise ToolError("--browser needs a URL on the network (a browser cannot reach an "
                        "application running in this process)")
    if args.browser and args.preflight_only:
        raise ToolError("--browser sends the request itself: it cannot be --preflight-only")
    report = check(transport, url, origin=args.origin, method=args.method, headers=headers,
                   credentials=args.credentials, target=target, read_headers=read,
                   body=_body(args), preflight_only=args.preflight_only, stack=stack)
    if args.browser and report.method not in ("GET", "HEAD", "OPTIONS"):
        report.notes.append(f"--browser: each real browser sends the {report.method} "
                            "request once more (without a --data body).")
    real = {name: live.fetch_in(live.BROWSER_OPTIONS[name], url, origin=args.origin,
                                method=report.method, headers=headers,
                                credentials=args.credentials, timeout=args.timeout)
            for name in dict.fromkeys(args.browser)}
    if args.json:
        data = report.as_dict()
        if target is not None:
            for decision in data["wsgicors"]:
                decision["setting"] = decision["option"] and target.option(decision["option"])
        if real:
            data["real_browsers"] = {name: outcome_dict(o, report) for name, o in real.items()}
        _dump(data, out)
    else:
        style = Style.for_output(args.color, out)
        print_report(report, style, out)
        for outcome in real.values():
            print_real(outcome, report, style, out)
    return Exit.OK if report.allowed and not report.unreadable else Exit.FAILED


def _body(args: argparse.Namespace) -> bytes | None:
    if args.data is not None:
        return str(args.data).encode()
    if args.data_file is None:
        return None
    try:
        with open(args.data_file, "rb") as file:
            return file.read()
    except OSError as exc:
        raise ToolError(f"--data-file: cannot read {args.data_file}: {exc.strerror}") from exc


def _where(args: argparse.Namespace
           ) -> tuple[Transport, Target | None, str, stacks.StackInfo | None]:
    """How to reach the URL (network or in process), what serves CORS there, the URL,
    and the user's stack (None: to be guessed from the responses)."""
    app = None
    target: Target | None = None
    stack = None
    if args.app:
        app = load_app(args.app)
        target = find_target(app)
        stack = stacks.of_app(app, args.app, target)
    elif args.django_settings:
        target = django_project(args.django_settings)
        from django.conf import settings

        stack = stacks.of_django(getattr(settings, "MIDDLEWARE", ()))
        if args.url.startswith("/"):
            from django.core.wsgi import get_wsgi_application

            app = get_wsgi_application()
    elif args.config:
        target = _config_target(args.config)
        stack = stacks.of_target(target, args.config)
    if app is None:
        transport: Transport = HTTPTransport(timeout_of(args), tls_context(args.insecure)
                                             ).within(series_seconds(args))
        return transport, target, args.url, stack
    # The API as deployed for that page: https:// behind an https:// page (no mixed content).
    scheme = "https" if args.origin.startswith("https:") else "http"
    url = f"{scheme}://localhost{args.url}" if args.url.startswith("/") else args.url
    return in_process(app, timeout_of(args)).within(series_seconds(args)), target, url, stack


CHECK = Command(
    name="check",
    summary="do what Chromium, Firefox and WebKit do with a cross-origin fetch(), and "
            "say what to fix",
    description="""Send the request a page on --origin makes with fetch() to a URL, the
    way Chromium, Firefox and WebKit (Safari's engine) send it (the preflight, the
    actual request, every redirect; nothing to a port or an http:// URL they refuse),
    and print what each browser decides, the console message it shows and
    the whole fix: every header each response needs and the configuration that sends
    them, for your stack (found from --app, --django-settings or --config, else
    guessed from the server's answers). The request is really sent: -X POST, PUT,
    PATCH or DELETE changes data on the server like any client's request; use
    --preflight-only against a live API. With --app or --django-settings the request
    runs in process, against a WSGI or ASGI application or a Django project, and the
    fix names your own options. With --browser the same request also runs in a real
    browser.""",
    examples="""\
wsgicors check https://api.example.com/items --origin https://app.example.com \\
    -X PUT -H content-type -H authorization --credentials --preflight-only
wsgicors check --app myproject.wsgi:application --origin https://app.example.com /api/items \\
    --read-header X-Total-Count
wsgicors check --django-settings mysite.settings --origin https://app.example.com /api/items/""",
    exits={Exit.OK: "every browser allows the request (and the script reads every "
                    "--read-header)",
           Exit.FAILED: "a browser blocks it, or the script cannot read a --read-header",
           Exit.ERROR: "bad arguments or configuration, a network or browser error"},
    add_arguments=_check_arguments,
    run=_check,
)


# -- explain ---------------------------------------------------------------------


def _explain_arguments(cmd: argparse.ArgumentParser) -> None:
    source = cmd.add_mutually_exclusive_group(required=True)
    source.add_argument("--config", metavar="MODULE:ATTR",
                        help="a CORSPolicy, a CORS middleware, or an app using one "
                             "(module:attr or path/to/file.py:attr)")
    _django_option(source)
    cmd.add_argument("--path", default="/", help="the request path, for per-path policies "
                                                 "(default /)")
    cmd.add_argument("--origin", help="also decide a request from this origin, e.g. "
                                      "https://app.example.com")
    _request_options(cmd, "with --origin: ")
    _output_options(cmd)


def _explain(args: argparse.Namespace) -> int:
    out = sys.stdout
    if args.django_settings:
        target = django_target(args.django_settings)
    else:
        target = _config_target(args.config)
    policy = target.match(args.path)[0]
    data = describe_policy(policy)
    if policy is not None:
        # What the configuration says in vain (it starts), in the user's option names.
        data["warnings"] = [warning.renamed(target.names or {})._asdict()
                            for warning in policy.warnings]
    if args.origin:
        headers = [parse_header(text) for text in args.header]
        data["decisions"] = [
            {**decision_dict(d), "setting": d.option and target.option(d.option)}
            for d in decisions(target, origin=args.origin, method=args.method,
                               headers=headers, path=args.path)]
    if args.json:
        _dump(data, out)
    else:
        _print_description(data, args.path, Style.for_output(args.color, out), out)
    blocked = any(not d["allowed"] for d in data.get("decisions", []))
    return Exit.FAILED if blocked else Exit.OK


def _config_target(spec: str) -> Target:
    target = find_target(load_target(spec))
    if target is None:
        raise ToolError(f"{spec} is not (and does not use) a CORSPolicy, a CORS "
                        "middleware, or a Flask app configured with wsgicors_flask.CORS")
    return target


EXPLAIN = Command(
    name="explain",
    summary="print a wsgicors policy as a browser sees it",
    description="""Load your wsgicors configuration (a CORSPolicy, a middleware, a Flask
    app with wsgicors_flask.CORS, a Starlette or FastAPI app, or a Django project) and
    print what browsers see from it: the origins allowed, credentials, the methods and
    headers a preflight may ask for, the headers scripts may read, how long each
    browser caches a preflight. With --origin, also what wsgicors decides for that
    request (the preflight when one is needed, and the actual request) and the option
    to change. Nothing is sent over the network.""",
    examples="""\
wsgicors explain --config myproject.cors:policy
wsgicors explain --config app.py:app --origin https://app.example.com -X PUT -H content-type
wsgicors explain --django-settings mysite.settings --path /api/items/""",
    exits={Exit.OK: "nothing refused (or no --origin)",
           Exit.FAILED: "wsgicors refuses the request from --origin",
           Exit.ERROR: "the configuration cannot be loaded or is invalid"},
    add_arguments=_explain_arguments,
    run=_explain,
)


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
        # Only the any-origin policy answers every origin alike.
        "vary_origin": options["allow_origins"] != "*",
        "max_age": age,
        "preflight_cache_seconds": {_CACHE_KEYS.get(b, b): browser.preflight_cache_seconds(
            header, b) for b in browser.MAX_AGE_CAPS},
        "private_network": options["allow_private_network"],
    }


#: The keys of ``preflight_cache_seconds`` where they differ from the browser's name:
#: WebKit's was ``safari`` in the JSON before WebKit had a name in the doctor.
_CACHE_KEYS = {"webkit": "safari"}


def _print_description(data: dict[str, Any], path: str, style: Style, out: TextIO) -> None:
    write = writer(out)
    if not data["covered"]:
        write(f"No CORS policy covers {path}: responses get no CORS headers, so browsers "
              "block every cross-origin read there.")
    else:
        _print_policy(data, write)
    for warning in data.get("warnings", []):
        write(style("Warning: ", "1;33"), f"{warning['option']}: {warning['message']} "
              f"Fix: {warning['hint']}")
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
          "(GET, HEAD and POST need not be listed: browsers accept them whatever "
          "Access-Control-Allow-Methods says).")
    write(f"Request headers a preflight may ask for: {_names(data['headers'])}.")
    write(f"Response headers scripts may read besides the safelisted ones: "
          f"{_names(data['expose_headers']) or 'none'}.")
    seconds = data["preflight_cache_seconds"].values()  # in the order of MAX_AGE_CAPS
    caches = ", ".join(f"{BROWSER_NAMES[b]} {s} s"
                       for b, s in zip(browser.MAX_AGE_CAPS, seconds, strict=True))
    write(f"Preflight cache (max_age={data['max_age']}): {caches}.")
    write("Vary: Origin on every response." if data["vary_origin"]
          else "No Vary: Origin needed (the answer never depends on the origin).")


def _names(value: Any) -> str:
    return "any (echoed)" if value == "*" else ", ".join(value)


# -- shared options ----------------------------------------------------------------


def _request_options(cmd: argparse.ArgumentParser, prefix: str = "", sent: bool = False
                     ) -> None:
    really = (" The request is really sent: POST, PUT, PATCH and DELETE change data on the "
              "server (see --preflight-only)." if sent else "")
    cmd.add_argument("--method", "-X", default="GET",
                     help=f"{prefix}the fetch() method (default GET).{really}")
    cmd.add_argument("--header", "-H", action="append", default=[], metavar="NAME[:VALUE]",
                     help=f"{prefix}a request header the script sets (repeatable; a bare "
                          "name gets a typical value)")


def _django_option(group: Any, used: str = "using wsgicors_django") -> None:
    group.add_argument("--django-settings", metavar="MODULE",
                       help=f"a Django project's settings module ({used})")


def _output_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--json", action="store_true", help="print JSON for scripts")
    add_color_option(cmd)


def _dump(data: dict[str, Any], out: TextIO) -> None:
    json.dump(data, out, indent=2, default=repr)
    out.write("\n")
