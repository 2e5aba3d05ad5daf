"""What keeps the proxy from being an open proxy, and its one log line per request.

:class:`Guard` runs before anything else: it refuses ``CONNECT``, request targets
that are not a path (absolute-form ``GET http://other.example/``, authority-form,
``*``), requests whose Host is a name the proxy was not told about (a DNS
rebinding page reaching the proxy through the browser), requests whose framing is
ambiguous (:mod:`~wsgicors.proxy.framing`) and paths that climb out of ``/`` or
could be read two ways (:mod:`~wsgicors.proxy.target`), and forwards nothing for
them. What it lets through carries the canonical path: in ``PATH_INFO`` for routing
and the engine, percent-encoded for forwarding. :class:`RequestLog` logs each
request with the engine's CORS decision, or as same-origin when the page is on the
proxy's own origin.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .. import CORSPolicy, explain
from ..logsafe import logsafe
from .forward import REPLACED_KEY, plain_answer
from .framing import FramingError, request_length
from .target import PATH_KEY, PathError, canonical_target, path_info

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("wsgicors.proxy")
#: environ key holding why the guard refused a request (for the log line).
REFUSED_KEY = "wsgicors.proxy.refused"


class Guard:
    """Refuse, with 4xx and without forwarding, what would make this an open proxy.

    :param app: the proxy application behind the guard.
    :param hosts: host names (besides IP addresses, ``localhost`` and
        ``*.localhost``) that the Host header may name.
    :param bad_path_status: the answer to a refused path: 400, or 404 when serving
        files (a path that climbs out of the directory names no file there).
    """

    def __init__(self, app: WSGIApplication, hosts: Iterable[str] = (),
                 bad_path_status: str = "400 Bad Request") -> None:
        self.app = app
        self.hosts = frozenset(name.lower().rstrip(".") for name in hosts)
        self.bad_path_status = bad_path_status

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        problem = self.problem(environ)
        if problem is None:
            path = canonical_target(environ)[0]
            environ[PATH_KEY] = path
            environ["PATH_INFO"] = path_info(path)
            return self.app(environ, start_response)
        status, reason = problem
        environ[REFUSED_KEY] = reason
        allow = [("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")]
        return plain_answer(start_response, status, f"wsgicors proxy: {reason}",
                            allow if status.startswith("405") else ())

    def problem(self, environ: WSGIEnvironment) -> tuple[str, str] | None:
        """``(status, reason)`` when the request must not be forwarded, else None."""
        if environ.get("REQUEST_METHOD") == "CONNECT":
            return "405 Method Not Allowed", "CONNECT refused: this is not a forward proxy"
        raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
        if raw is not None and not str(raw).startswith("/"):
            return ("400 Bad Request", "only paths are forwarded (absolute-form and "
                    "authority-form request targets are refused: this is not a forward proxy)")
        host = environ.get("HTTP_HOST")
        if not host:
            return "400 Bad Request", "the request has no Host header"
        if not self.host_ok(host):
            return ("400 Bad Request", "Host is not this proxy's address (use localhost, "
                    "an IP address, or a name given with --allow-host)")
        try:
            request_length(environ)
            canonical_target(environ)
        except FramingError as exc:
            return exc.status, exc.reason
        except PathError as exc:
            return self.bad_path_status, str(exc)
        return None

    def host_ok(self, host: str) -> bool:
        """True when *host* (a Host header) names this machine by address or by a
        name that cannot be rebound: an IP address, localhost, or a listed name."""
        name = _hostname(host)
        if name == "localhost" or name.endswith(".localhost") or name in self.hosts:
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    name, _sep, port = host.rpartition(":")
    return name.rstrip(".") if name and port.isascii() and port.isdigit() else host.rstrip(".")


class RequestLog:
    """Log one line per request: method, path, Origin, status and the CORS decision.

    Every request value is escaped with :func:`wsgicors.logsafe.logsafe`, so a
    request cannot forge log lines or send terminal escapes.
    """

    def __init__(self, app: WSGIApplication, policy: CORSPolicy,
                 write: Callable[[str], Any] | None = None) -> None:
        self.app = app
        self.policy = policy
        self.write = write or log.info

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        def logged(status: str, headers: list[tuple[str, str]],
                   exc_info: Any = None) -> Callable[[bytes], object]:
            self.write(self.line(environ, status))
            return start_response(status, headers, exc_info)

        return self.app(environ, logged)

    def line(self, environ: WSGIEnvironment, status: str) -> str:
        """The log line for a request answered with *status*."""
        target = environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
        origin = environ.get("HTTP_ORIGIN")
        head = f"{logsafe(environ.get('REQUEST_METHOD', ''))} {logsafe(target)}"
        if origin is not None:
            head += f" from {logsafe(origin)}"
        refused = environ.get(REFUSED_KEY)
        if refused:
            return f"{head} -> {status[:3]} refused: {refused}"
        if origin is not None and origin == own_origin(environ):
            # Browsers send Origin with a page's own POST too (and with any method but
            # GET and HEAD): CORS does not apply, whatever the policy says.
            cors = "same-origin: the page is on the proxy's own origin, no CORS needed"
        else:
            decision = explain(self.policy, origin=origin, environ=environ)
            if decision.code == "no-origin":
                cors = "no Origin: same-origin or not a browser script, no CORS needed"
            else:
                cors = f"CORS {decision}"
        if environ.get(REPLACED_KEY):
            cors += "; the upstream's own CORS headers were replaced by the proxy's"
        return f"{head} -> {status[:3]} | {cors}"


def own_origin(environ: WSGIEnvironment) -> str:
    """The origin of the proxy as this request reached it: the scheme, and the Host
    header without the scheme's default port (browsers serialize it so in Origin)."""
    scheme = environ.get("wsgi.url_scheme", "http")
    host = str(environ.get("HTTP_HOST", "")).lower()
    default = ":443" if scheme == "https" else ":80"
    if host.endswith(default):
        host = host[: -len(default)]
    return f"{scheme}://{host}"
