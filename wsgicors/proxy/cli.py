"""The ``proxy`` subcommand of the ``wsgicors`` command: serve
:func:`wsgicors.proxy.make_app` on loopback.

::

    wsgicors proxy https://api.example.com --allow-origin http://localhost:5173
    wsgicors proxy http://127.0.0.1:8000 --static dist --api-prefix /api
    wsgicors proxy https://api.example.com --config devcors:policy --port 9000

Serving is werkzeug's threaded development server (``pip install 'pywsgicors[proxy]'``).
:data:`PROXY` is added to the root command line by :mod:`wsgicors.cli`.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import sys
from typing import TYPE_CHECKING, Any

from .. import ConfigError, CORSPolicy
from ..toolbase.command import Command
from ..toolbase.errors import Exit, ToolError
from ..toolbase.targets import load_target
from . import make_app, proxy_policy

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from werkzeug.serving import BaseWSGIServer

#: The command's flags for the policy options that problems name.
FLAG_FOR = {
    "allow_origins": "--allow-origin", "allow_credentials": "--credentials",
    "allow_methods": "--allow-methods", "allow_headers": "--allow-headers",
    "expose_headers": "--expose-headers", "max_age": "--max-age",
}
#: What to install when werkzeug is missing.
_INSTALL = "the proxy serves with werkzeug, pip install 'pywsgicors[proxy]'"


def run(args: argparse.Namespace) -> int:
    """Run ``wsgicors proxy`` until Ctrl+C; ToolError when it refuses to start."""
    app, policy = build(args)
    server = bind(args.host, args.port, app)
    if not is_loopback(args.host):
        print(loopback_warning(args.host, args.upstream), file=sys.stderr, flush=True)
    print(banner(server_url(args.host, server.server_port), args, policy), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return Exit.OK


def _arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("upstream", help="the API's base URL, e.g. https://api.example.com")
    cmd.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                     help="a page origin that may read the upstream through the proxy, "
                          "e.g. http://localhost:5173 (repeatable; patterns such as "
                          "http://localhost:* work, '*' is refused)")
    cmd.add_argument("--credentials", action="store_true",
                     help="allow credentials (cookies, HTTP auth) from those origins")
    for flag, what in (("--allow-methods", "methods a preflight may ask for"),
                       ("--allow-headers", "request headers a preflight may ask for"),
                       ("--expose-headers", "response headers scripts may read")):
        cmd.add_argument(flag, action="append", default=[], metavar="NAMES",
                         help=f"{what} (comma-separated, repeatable; '*' for any)")
    cmd.add_argument("--max-age", type=int, metavar="SECONDS",
                     help="how long browsers may cache a preflight")
    cmd.add_argument("--config", metavar="MODULE:ATTR",
                     help="a wsgicors CORSPolicy to use instead of the flags above")
    cmd.add_argument("--static", metavar="DIR",
                     help="same-origin mode: serve the front end's files from DIR and "
                          "forward only --api-prefix upstream")
    cmd.add_argument("--api-prefix", default="/api", metavar="PATH",
                     help="the paths forwarded in --static mode (default /api)")
    cmd.add_argument("--host", default="127.0.0.1",
                     help="the address to listen on (default 127.0.0.1, this machine only)")
    cmd.add_argument("--port", type=int, default=8080, help="the port (default 8080)")
    cmd.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                     help="a host name (besides IP addresses and localhost) that "
                          "requests may use to reach the proxy (repeatable)")
    cmd.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                     help="seconds to wait for the upstream (default 30)")


PROXY = Command(
    name="proxy",
    summary="a development proxy adding CORS to a server you cannot change",
    description="""Forward every request to one upstream server and answer CORS with a
    wsgicors policy, so a page on your machine can read an API that sends no CORS
    headers (or the wrong ones): preflights are answered by the proxy and never
    forwarded, and the upstream's own CORS headers are replaced. With --static, serve
    the front end's files from the proxy and forward only --api-prefix: page and API
    then share one origin and need no CORS at all. It listens on 127.0.0.1 only,
    refuses '*' and any Host name it was not told about, and logs one line per
    request with the CORS decision. For development only, never in production.""",
    examples="""\
wsgicors proxy https://api.example.com --allow-origin http://localhost:5173
wsgicors proxy http://127.0.0.1:8000 --static dist --api-prefix /api
wsgicors proxy https://api.example.com --config devcors:policy --port 9000""",
    exits={Exit.OK: "stopped with Ctrl+C",
           Exit.ERROR: "refused to start (the reason is printed)"},
    add_arguments=_arguments,
    run=run,
    failure="refusing to start",
    config_failure="refusing to start",
)


def build(args: argparse.Namespace) -> tuple[WSGIApplication, CORSPolicy]:
    """The proxy application for the command's arguments; ToolError or ConfigError (in
    the command's flags) when unusable."""
    policy = _policy(args)
    hosts = list(args.allow_host)
    if not _is_address(args.host):
        hosts.append(args.host)
    try:
        policy = proxy_policy(policy, {}, args.static is not None)
        app = make_app(args.upstream, policy, static=args.static, api_prefix=args.api_prefix,
                       allowed_hosts=hosts, timeout=args.timeout, log=_print)
    except ConfigError as exc:
        raise _in_flags(exc) from None
    except ImportError as exc:
        raise ToolError(f"{exc.name or exc} is missing: {_INSTALL}") from None
    return app, policy


def _policy(args: argparse.Namespace) -> CORSPolicy | None:
    flags = _options(args)
    if args.config:
        if flags:
            raise ToolError("give either --config or the CORS flags (--allow-origin ...), "
                            "not both")
        return _load_policy(args.config)
    if not flags.get("allow_origins"):
        if args.static is None:
            raise ToolError("no --allow-origin: name the origin of the page that uses the "
                            "proxy, e.g. --allow-origin http://localhost:5173, or serve the "
                            "page from the proxy itself with --static DIR")
        if flags:
            raise ToolError("CORS flags without --allow-origin have nothing to apply to")
        return None
    try:
        return CORSPolicy(**flags)
    except ConfigError as exc:
        raise _in_flags(exc) from None


def _in_flags(exc: ConfigError) -> ConfigError:
    """*exc* with the options its problems name written as the command's flags."""
    return ConfigError([problem.renamed(FLAG_FOR) for problem in exc.problems])


def _options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if args.allow_origin:
        options["allow_origins"] = list(args.allow_origin)
    if args.credentials:
        options["allow_credentials"] = True
    for name in ("allow_methods", "allow_headers", "expose_headers"):
        values = [v.strip() for text in getattr(args, name) for v in text.split(",")]
        if any(values):
            options[name] = "*" if values == ["*"] else [v for v in values if v]
    if args.max_age is not None:
        options["max_age"] = args.max_age
    return options


def _load_policy(spec: str) -> CORSPolicy:
    try:
        found = load_target(spec)
    except ToolError as exc:
        raise ToolError(f"--config: {exc}") from None
    if not isinstance(found, CORSPolicy):
        raise ToolError(f"--config {spec} is not a wsgicors CORSPolicy (it is {found!r:.80})")
    return found


def bind(host: str, port: int, app: WSGIApplication) -> BaseWSGIServer:
    """werkzeug's threaded development server for *app*, listening on host:port, with
    the proxy's strict request handler (:mod:`wsgicors.proxy.serving`)."""
    try:
        from werkzeug.serving import make_server

        from .serving import ProxyRequestHandler
    except ImportError:
        raise ToolError(f"werkzeug is missing: {_INSTALL}") from None
    # One line per request comes from the proxy, with the CORS decision; werkzeug's
    # own access log would repeat it without.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        return make_server(host, port, app, threaded=True,
                           request_handler=ProxyRequestHandler)
    except SystemExit:  # werkzeug prints the reason (e.g. port in use) and exits
        raise ToolError(f"cannot listen on {host}:{port} (see above)") from None


def is_loopback(host: str) -> bool:
    """True when *host* only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def loopback_warning(host: str, upstream: str) -> str:
    """The warning printed when the proxy listens beyond this machine."""
    line = "!" * 78
    return (f"{line}\nWARNING: --host {host} is not a loopback address. Every machine "
            f"that can reach this one\ncan use this proxy to reach {upstream}.\n"
            "Use it only on a network you trust; the default, 127.0.0.1, is this "
            f"machine only.\n{line}")


def server_url(host: str, port: int) -> str:
    """``http://host:port`` (IPv6 addresses in brackets)."""
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}"


def banner(url: str, args: argparse.Namespace, policy: CORSPolicy) -> str:
    """What the proxy serves, e.g. ``http://127.0.0.1:8080 -> https://api.example.com
    (CORS for http://localhost:5173)``."""
    options = policy.options
    origins = [*options["allow_origins"], *(f"regex {p.pattern}"
                                             for p in options["allow_origin_regex"])]
    if options["allow_origin_func"] is not None:
        origins.append("allow_origin_func")
    cors = f"CORS for {', '.join(origins)}" if origins else "no CORS: same origin only"
    if options["allow_credentials"] and origins:
        cors += ", with credentials"
    if args.static is None:
        return f"{url} -> {args.upstream} ({cors})"
    prefix = args.api_prefix.rstrip("/")
    return f"{url} -> files from {args.static}, {prefix}/ -> {args.upstream} ({cors})"


def _print(line: str) -> None:
    print(line, flush=True)
