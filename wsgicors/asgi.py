"""CORSMiddleware for ASGI 3 applications: Starlette, FastAPI and any other.

A drop-in for Starlette's ``CORSMiddleware``: the same keyword names and defaults, so
changing the import is enough::

    from wsgicors.asgi import CORSMiddleware

    app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"])  # FastAPI
    app = Starlette(routes=..., middleware=[Middleware(CORSMiddleware, allow_origins=[...])])
    app = CORSMiddleware(app, policy=CORSPolicy(...), paths={"/admin/*": None})

Every CORS decision and every header comes from the engine, through the adapter API
(:mod:`wsgicors.adapter`), exactly as for the WSGI middleware; this module only
translates between ASGI messages and the engine's environ-style keys. It imports no
framework: it runs under any ASGI 3 server on an asyncio event loop.

* ``http`` requests: preflights are answered here (``204``/``403``) and never reach
  the application; every other response gets the CORS headers merged into its
  ``http.response.start`` message, whatever its status. Body messages (streaming
  included) pass through untouched.
* ``websocket`` and ``lifespan`` scopes pass through untouched: CORS does not apply
  to WebSockets (browsers send ``Origin`` in the handshake and never ask for
  permission; the application must check it).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, MutableMapping
from datetime import timedelta
from typing import Any

from .adapter import (
    ConfigError,
    ConfigWarning,
    CORSHeaders,
    CORSPolicy,
    DecisionHook,
    NamesOption,
    Observer,
    OriginsOption,
    PathMap,
    Preflight,
    Problem,
    RegexOption,
    ReportOnlyOption,
    Routes,
    aactual,
    actual,
    add_to_raw_header_list,
    apreflight,
    build_routes,
    encode_raw,
    is_preflight,
    log_warnings,
    observer_for,
    preflight,
)

__all__ = ["CORSMiddleware", "complete_environ", "request_environ", "route_path"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Starlette's CORSMiddleware defaults, which this middleware keeps.
STARLETTE_DEFAULTS: dict[str, Any] = {
    "allow_origins": (), "allow_methods": ("GET",), "allow_headers": (),
    "allow_credentials": False, "allow_origin_regex": None,
    "allow_private_network": False, "expose_headers": (), "max_age": 600,
}
#: Request headers Starlette's CORSMiddleware allows whatever ``allow_headers`` says;
#: kept, so that a FastAPI client sending ``Content-Type: application/json`` still works.
STARLETTE_ALWAYS_ALLOWED_HEADERS = (
    "accept", "accept-language", "content-language", "content-type",
)

# Request headers the engine reads, by their ASGI name (servers lower-case names).
_ENVIRON_KEYS = {
    b"origin": "HTTP_ORIGIN",
    b"access-control-request-method": "HTTP_ACCESS_CONTROL_REQUEST_METHOD",
    b"access-control-request-headers": "HTTP_ACCESS_CONTROL_REQUEST_HEADERS",
    b"access-control-request-private-network": "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK",
}


class CORSMiddleware:
    """Answer the CORS protocol for an ASGI application.

    The keywords are Starlette's, with Starlette's defaults (``allow_methods=("GET",)``,
    ``max_age=600``; ``Accept``, ``Accept-Language``, ``Content-Language`` and
    ``Content-Type`` are always allowed request headers, as in Starlette). Any other
    :class:`~wsgicors.CORSPolicy` option (``allow_origin_func``...) may be given as a
    keyword too. Instead of options, pass ``policy=CORSPolicy(...)``, and/or
    ``paths={...}`` for per-path policies as in :class:`wsgicors.CORSMiddleware`.

    ``allow_origin_func`` is only asked about origins the static lists do not decide.
    An ``async def`` function, or an :class:`~wsgicors.sources.OriginSource` whose
    lookup is one, is awaited in the event loop; any other may block (a database
    query), so it runs in a worker thread. A function taking a second argument gets
    the :class:`~wsgicors.request.Request` (host, path, method, scheme, headers).

    ``on_decision=`` (a metrics callback) and ``report_only=`` (a candidate policy:
    a :class:`~wsgicors.CORSPolicy`, or a dict of the keywords that change) are
    described in docs/production.rst.

    :raises ConfigError: for every insecure or ineffective configuration (``"*"`` with
        credentials, unprovable regexes...), at construction. Starlette and FastAPI
        construct the middlewares of ``add_middleware`` and ``middleware=[...]`` when
        the server first calls the application, with the lifespan events: there the
        error fails the start-up (``lifespan.startup.failed``), which stops uvicorn
        whatever its ``--lifespan`` mode, and any request still made gets it raised.
    """

    def __init__(
        self,
        app: ASGIApp,
        allow_origins: OriginsOption | CORSPolicy = (),
        allow_methods: NamesOption = ("GET",),
        allow_headers: NamesOption = (),
        allow_credentials: bool = False,
        allow_origin_regex: RegexOption = None,
        allow_private_network: bool = False,
        expose_headers: NamesOption = (),
        max_age: int | timedelta | None = 600,
        *,
        policy: CORSPolicy | None = None,
        paths: PathMap | None = None,
        on_decision: DecisionHook | None = None,
        report_only: ReportOnlyOption = None,
        **options: Any,
    ) -> None:
        if isinstance(allow_origins, CORSPolicy) and policy is None:
            # CORSMiddleware(app, policy), as with the WSGI middleware.
            policy = allow_origins
            allow_origins = ()
        starlette = {
            "allow_origins": allow_origins, "allow_methods": allow_methods,
            "allow_headers": allow_headers, "allow_credentials": allow_credentials,
            "allow_origin_regex": allow_origin_regex,
            "allow_private_network": allow_private_network,
            "expose_headers": expose_headers, "max_age": max_age,
        }
        self.app = app
        self.observer: Observer | None = None
        try:
            self.routes = configure(policy, paths, starlette, options)
            #: The metrics callback and report-only candidate, None without them.
            self.observer = observer_for(
                on_decision, *_report_only(report_only, starlette, options, self.routes))
        except ConfigError as error:
            if not _built_by_starlette():
                raise
            # Raised here, the error would reach uvicorn as the first lifespan event's
            # and, under its default --lifespan auto, read as "lifespan unsupported":
            # the app would start and answer every request with a 500. Failing the
            # start-up instead stops the server, with this error as its message.
            self.app = _FailedStartup(error)
            self.routes = Routes(None)

    def reconfigure(
        self, policy: CORSPolicy | None = None, *, paths: PathMap | None = None,
        **options: Any,
    ) -> None:
        """Swap the whole configuration (Starlette's keywords and defaults, or a policy).

        The new configuration is validated first (a ConfigError leaves the running
        one in place) and then installed with one atomic assignment.
        """
        starlette = {name: options.pop(name, default)
                     for name, default in STARLETTE_DEFAULTS.items()}
        self.routes = configure(policy, paths, starlette, options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        routes = self.routes
        policy = routes.resolve(route_path(scope)) if routes.routed else routes.default
        if policy is None:
            await self.app(scope, receive, send)
            return
        try:
            environ = request_environ(scope)
        except (TypeError, ValueError, AttributeError):
            # Header entries that are not byte pairs, against the ASGI spec: no CORS
            # handling for a request no browser sent; never an exception from here.
            await self.app(scope, receive, send)
            return
        if self.observer is not None:
            await self._observed(scope, receive, send, policy, environ)
            return
        if is_preflight(environ):
            await _send_preflight(send, await _preflight(policy, environ, scope))
            return
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and policy.needs_func(origin):
            # allow_origin_func: awaited if async, else in a worker thread (it may block).
            cors = await aactual(policy, origin, _for_func(policy, environ, scope))
        else:
            cors = actual(policy, origin)
        await self.app(scope, receive, _cors_send(send, cors))

    async def _observed(self, scope: Scope, receive: Receive, send: Send,
                        policy: CORSPolicy, environ: dict[str, str]) -> None:
        # The request path above, with the observer told each decision.
        observer: Any = self.observer
        origin = environ.get("HTTP_ORIGIN")
        if origin is None:
            await self.app(scope, receive, _cors_send(send, policy.refused))
            return
        routes = self.routes
        pattern = routes.match(route_path(scope))[1] if routes.routed else None
        environ = complete_environ(scope, environ)  # either policy's function may read it
        if is_preflight(environ):
            answer = await apreflight(policy, environ)
            await observer.apreflight(policy, answer, environ, pattern, asyncio.to_thread)
            await _send_preflight(send, answer)
            return
        cors = await aactual(policy, origin, environ)
        await observer.aactual(policy, cors, origin, environ, pattern, asyncio.to_thread)
        await self.app(scope, receive, _cors_send(send, cors))


def configure(
    policy: CORSPolicy | None, paths: PathMap | None, starlette: dict[str, Any],
    options: dict[str, Any],
) -> Routes:
    """The routes for the middleware's arguments, with a Starlette user's warnings.

    Starlette compared ``allow_origins`` entries as text, so ``https://*.example.com``
    never matched there; here it is a live pattern. A migration must not allow more
    than before without saying so: such entries are logged, and a refusal that names
    one says it can simply go.
    """
    origins = starlette["allow_origins"]
    if isinstance(origins, Iterable) and not isinstance(origins, (str, bytes, Mapping)):
        origins = starlette["allow_origins"] = list(origins)  # read twice: no generator
    literal = [entry for entry in origins if isinstance(entry, str) and "*" in entry
               ] if isinstance(origins, list) and "*" not in origins else []
    try:
        routes = build_routes(policy, paths, policy_options(starlette, options))
    except ConfigError as error:
        raise ConfigError([_never_matched(problem, literal)
                           for problem in error.problems]) from None
    if literal:
        log_warnings([_literal_wildcards(literal)])
    return routes


def _literal_wildcards(entries: list[str]) -> ConfigWarning:
    one = len(entries) == 1
    shown = ", ".join(map(repr, entries))
    return ConfigWarning(
        "starlette-literal-wildcard", "allow_origins",
        f"{shown} never matched under Starlette's CORSMiddleware, which compares origins "
        f"as text; wsgicors reads {'it as a pattern' if one else 'them as patterns'} "
        "(every subdomain, or every port), so origins Starlette refused are now allowed.",
        f"keep {'it' if one else 'them'} if you meant those origins, or remove "
        f"{'it' if one else 'them'} to allow only what Starlette allowed.",
    )


def _never_matched(problem: Problem, literal: list[str]) -> Problem:
    """*problem*, saying that an entry Starlette never matched can simply be removed."""
    entry = next((entry for entry in literal if repr(entry) in problem.message), None)
    if entry is None or problem.option != "allow_origins":
        return problem
    return problem._replace(
        message=f"{problem.message} (Starlette compared {entry!r} as text and never "
                "matched it.)",
        hint=f"remove {entry!r}, or {problem.hint}")


def policy_options(starlette: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """CORSPolicy options for Starlette's keywords plus other policy *options*.

    Empty when nothing differs from Starlette's defaults (then ``policy=`` or
    ``paths=`` configure the middleware, or nothing does and that is an error).
    """
    if not options and all(_is_default(name, value) for name, value in starlette.items()):
        return {}
    translated = dict(starlette)
    if translated["allow_origin_regex"] is None:
        del translated["allow_origin_regex"]
    headers = translated["allow_headers"]
    names = headers.split(",") if isinstance(headers, str) else list(headers)
    if "*" not in [name.strip() for name in names if isinstance(name, str)]:
        translated["allow_headers"] = [*names, *STARLETTE_ALWAYS_ALLOWED_HEADERS]
    return {**translated, **options}


def _report_only(
    value: ReportOnlyOption, starlette: dict[str, Any], options: dict[str, Any],
    routes: Routes,
) -> tuple[ReportOnlyOption, Mapping[str, Any] | None]:
    """``report_only`` and the options a dict of changes applies to: Starlette's
    keywords are translated as the enforced ones are (its always-allowed headers)."""
    if not isinstance(value, Mapping):
        return value, None
    enforced = policy_options(starlette, options)
    if not enforced:
        return value, None if routes.default is None else routes.default.options
    changed = {**starlette, **options, **value}
    keywords = {name: changed.pop(name) for name in STARLETTE_DEFAULTS}
    return policy_options(keywords, changed), {}


def _is_default(name: str, value: Any) -> bool:
    default = STARLETTE_DEFAULTS[name]
    if isinstance(default, tuple) and isinstance(value, Collection) and not isinstance(
        value, str
    ):
        return tuple(value) == default  # [] and ("GET",) as a list are the defaults too
    return bool(value == default and type(value) is type(default))


def _built_by_starlette() -> bool:
    """True if Starlette's (or FastAPI's) ``build_middleware_stack`` called the
    constructor from within the application's first call: the stack is being built
    lazily, on the server's event loop (a tool building it to look inside gets the
    error raised)."""
    if sys._getframe(2).f_code.co_name != "build_middleware_stack":
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class _FailedStartup:
    """An ASGI app standing for a middleware whose configuration failed, in a stack
    Starlette builds lazily: it fails the lifespan start-up, and every request."""

    def __init__(self, error: ConfigError) -> None:
        self.error = error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.failed", "message": str(self.error)})
        raise self.error


def route_path(scope: Scope) -> str:
    """The path the application routes on: ``path`` without the ``root_path`` mount.

    Starlette's own reading (``starlette._utils.get_route_path``): ``path`` is already
    percent-decoded by the server (a ``%2F`` is a ``/`` to the router too). The
    equivalent of WSGI's ``PATH_INFO``, which ``paths`` patterns match, every way a
    router may read it (:meth:`wsgicors.Routes.match`: Starlette's routes end in
    ``$``, so ``/admin\\n`` reaches the ``/admin`` route).
    """
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if not root:
        return path
    if path.startswith(root) and (len(path) == len(root) or path[len(root)] == "/"):
        return path[len(root):]
    return path


def request_environ(scope: Scope) -> dict[str, str]:
    """The engine's view of an ASGI ``http`` request, with WSGI environ keys.

    Only what the engine reads: ``REQUEST_METHOD``, ``PATH_INFO`` and the CORS
    request headers, decoded as latin-1 and repeated headers joined with ``,`` as
    WSGI servers do. Header names may be ``bytes`` or ``bytearray``.

    :raises TypeError: for header entries that are not pairs of bytes (the middleware
        then passes the request through without CORS handling).
    """
    environ = {"REQUEST_METHOD": scope["method"], "PATH_INFO": route_path(scope)}
    headers = scope["headers"]
    try:
        _read_headers(environ, headers)
    except TypeError:
        # A bytearray name cannot be a dict key; the ASGI spec says bytes, and
        # Starlette's Headers accept both, so accept them too.
        _read_headers(environ, [(bytes(name), value) for name, value in headers])
    return environ


def _read_headers(environ: dict[str, str], headers: Any) -> None:
    for name, value in headers:
        key = _ENVIRON_KEYS.get(name)
        if key is not None:
            text = value.decode("latin-1")
            environ[key] = f"{environ[key]},{text}" if key in environ else text


def complete_environ(scope: Scope, environ: Mapping[str, str]) -> dict[str, str]:
    """*environ* (from :func:`request_environ`) with every request header, the
    scheme and the server: what :class:`~wsgicors.request.Request` reads, for a
    request-aware ``allow_origin_func``. Built only when one is asked."""
    complete = {"wsgi.url_scheme": scope.get("scheme", "http"),
                "QUERY_STRING": scope.get("query_string", b"").decode("latin-1")}
    server = scope.get("server")
    if server:
        complete["SERVER_NAME"], complete["SERVER_PORT"] = server[0], str(server[1] or "")
    for name, value in scope["headers"]:
        key = name.decode("latin-1").upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        text = value.decode("latin-1")
        complete[key] = f"{complete[key]},{text}" if key in complete else text
    complete.update(environ)
    return complete


def _for_func(policy: CORSPolicy, environ: dict[str, str], scope: Scope) -> Mapping[str, str]:
    return complete_environ(scope, environ) if policy.needs_request else environ


async def _preflight(policy: CORSPolicy, environ: dict[str, str], scope: Scope) -> Preflight:
    if policy.needs_func(environ["HTTP_ORIGIN"]):
        return await apreflight(policy, _for_func(policy, environ, scope))
    return preflight(policy, environ)


async def _send_preflight(send: Send, answer: Preflight) -> None:
    await send({"type": "http.response.start", "status": answer.status,
                "headers": encode_raw(answer.headers)})
    await send({"type": "http.response.body", "body": answer.body})


def _cors_send(send: Send, cors: CORSHeaders) -> Send:
    async def cors_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            # A new message: the application's may be a constant it sends again.
            message = {**message, "headers": add_to_raw_header_list(
                message.get("headers", ()), cors)}
        await send(message)

    return cors_send
