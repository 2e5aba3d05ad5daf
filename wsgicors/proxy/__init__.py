"""``wsgicors proxy``: a development proxy for a server you cannot change.

A page on ``http://localhost:5173`` cannot read ``https://api.example.com`` when that
API sends no CORS headers. Point the page at the proxy instead::

    wsgicors proxy https://api.example.com --allow-origin http://localhost:5173

or serve the front end and the API from one origin, as the bundlers' dev servers do::

    wsgicors proxy https://api.example.com --static dist --api-prefix /api

The proxy forwards every request to that one upstream and answers CORS with the
engine (:class:`wsgicors.CORSMiddleware`), exactly like any other wsgicors adapter:
preflights are answered locally and never forwarded. It is for development only
(see the documentation page "When you cannot change the server").

The same as a WSGI application, for tests and other dev servers::

    from wsgicors.proxy import make_app
    app = make_app("http://127.0.0.1:8000", allow_origins=["http://localhost:5173"])
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .. import ConfigError, CORSMiddleware, CORSPolicy, Problem
from .forward import Forwarder, Upstream
from .guard import Guard, RequestLog
from .static import StaticSite, not_found
from .target import PathError, normalize

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["Upstream", "make_app"]


def make_app(
    upstream: str,
    policy: CORSPolicy | None = None,
    *,
    static: str | os.PathLike[str] | None = None,
    api_prefix: str = "/api",
    allowed_hosts: Iterable[str] = (),
    timeout: float = 30.0,
    log: Callable[[str], Any] | None = None,
    **options: Any,
) -> WSGIApplication:
    """A WSGI application that forwards every request to *upstream*, with CORS.

    :param upstream: the one server to reach, e.g. ``"https://api.example.com"``; a
        path (``http://127.0.0.1:8000/v1``) is put before every forwarded path.
    :param policy: the :class:`~wsgicors.CORSPolicy` (or give its options as
        keywords, e.g. ``allow_origins=["http://localhost:5173"]``). It must name
        its origins: ``"*"`` is refused, as is no policy without *static*.
    :param static: serve the front end's built files from this directory and
        forward only *api_prefix* (same-origin mode: no CORS needed).
    :param api_prefix: the paths forwarded in *static* mode (``/api`` and below).
    :param allowed_hosts: host names the Host header may carry besides IP
        addresses, ``localhost`` and ``*.localhost`` (others are refused: DNS
        rebinding).
    :param timeout: seconds to wait for the upstream to connect or send data.
    :param log: called with one line per request (default: the
        ``wsgicors.proxy`` logger at INFO).
    :raises ConfigError: when the upstream or the CORS configuration is unusable.
    """
    target = Upstream.parse(upstream)
    policy = proxy_policy(policy, options, static is not None)
    app: WSGIApplication = Forwarder(target, timeout)
    if static is not None:
        app = StaticSite(os.fspath(static), _api_prefix(api_prefix), app)
    app = Guard(CORSMiddleware(app, policy), allowed_hosts,
                "400 Bad Request" if static is None else "404 Not Found")
    return RequestLog(app, policy, log)


def proxy_policy(policy: CORSPolicy | None, options: dict[str, Any],
                 static: bool) -> CORSPolicy:
    """The policy the proxy runs with; refuses any-origin and no origins at all.

    In *static* mode without origins, the policy allows none: the pages come from
    the proxy itself, and a cross-origin preflight is refused by the engine instead
    of reaching the upstream.
    """
    if options or policy is not None:
        # The engine's own checks (a CORSPolicy or its options, not both; their types).
        policy = CORSMiddleware(not_found, policy, **options).routes.match("/")[0]
    if policy is None:
        if not static:
            raise ConfigError([Problem(
                "proxy-no-origin", "allow_origins", "no origin may use the proxy.",
                "pass allow_origins=['http://localhost:5173'] (the page's origin), or "
                "static=DIR to serve the page from the proxy itself.")])
        policy = CORSPolicy(allow_origins=())
    if policy.options["allow_origins"] == "*":
        raise ConfigError([Problem(
            "proxy-any-origin", "allow_origins",
            "'*' would let every web page you visit read the upstream through the proxy.",
            "name the origins of your own pages, e.g. http://localhost:5173.")])
    return policy


def _api_prefix(prefix: str) -> str:
    """*prefix* in the canonical form requests are routed by, without trailing slash."""
    try:
        cleaned = normalize(prefix).rstrip("/")
    except PathError:
        cleaned = ""
    if not cleaned:
        raise ConfigError([Problem(
            "proxy-api-prefix", "api_prefix",
            f"{prefix!r} is not a path below / (everything would go upstream).",
            "write a path such as /api.")])
    return cleaned


