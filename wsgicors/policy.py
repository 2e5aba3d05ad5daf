"""CORSPolicy: a validated CORS configuration, compiled into what requests read.

:mod:`wsgicors.config` validates the options; this module compiles them once into
ready-made header values (:mod:`wsgicors.headers`) and the three allowlists a
request is checked against (:mod:`wsgicors.allowlists`). The request path
(:mod:`wsgicors.engine`) reads those and never calls back into this module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any, NoReturn

from .allowlists import HeaderAllowlist, MethodAllowlist, OriginAllowlist
from .config import (
    DEFAULT_HEADERS,
    DEFAULT_METHODS,
    MAX_AGE_LIMIT,
    OPTION_NAMES,
    NamesOption,
    Options,
    OriginsOption,
    RegexOption,
    capped_max_age,
    validate,
)
from .errors import ConfigWarning
from .headers import REFUSED, CORSHeaders, Template
from .originfunc import OriginFunction

__all__ = [
    "CACHE_SIZE", "DEFAULT_HEADERS", "DEFAULT_METHODS", "MAX_AGE_LIMIT", "OPTION_NAMES",
    "CORSPolicy", "NamesOption", "OriginsOption", "RegexOption", "capped_max_age",
]

#: Distinct origins (and request-header lists) whose decision each policy remembers;
#: see :mod:`wsgicors.cache` for the bound in bytes.
CACHE_SIZE = 1024


class CORSPolicy:
    """An immutable, validated CORS configuration.

    :param allow_origins: ``"*"`` for every origin (never with credentials), or a list
        of origins exactly as browsers send them (``"https://app.example.com"``), and
        patterns: ``"https://*.example.com"`` (any subdomain, never the apex) and
        ``"http://localhost:*"`` (any port).
    :param allow_origin_regex: one or more regexes (strings or compiled); an origin is
        allowed when a regex matches it *entirely* (``fullmatch``, not ``match``). A
        regex is only accepted when its structure proves that it matches a fixed
        scheme and a fixed domain (see :mod:`wsgicors.regexes`), and it obeys the
        same rules as the patterns of *allow_origins*.
    :param allow_origin_func: ``callable(origin) -> bool`` consulted for origins the
        static lists do not allow, e.g. origins stored in a database (see
        :class:`wsgicors.sources.OriginSource` for a cached one). It only ever
        receives a well-formed serialized origin, or ``"null"`` when credentials are
        off; results are not cached; only ``True`` allows. A function that takes a
        second argument is called as ``func(origin, request)`` with a
        :class:`wsgicors.request.Request` (host, path, method, scheme, headers), for
        decisions per tenant. It may be ``async def`` where an event loop runs it
        (the ASGI middleware, Django under ASGI); the WSGI adapters refuse one.
    :param allow_methods: methods a preflight may ask for, or ``"*"`` to allow any
        requested method (answered by echoing it, so it works with credentials).
    :param allow_headers: request headers a preflight may ask for (any case), or
        ``"*"`` to allow any (echoed, so it covers ``Authorization`` too). Compiled
        regexes may stand for families of names (``re.compile(r"x-acme-.*", re.I)``):
        they are full-matched against the lower-case names, and the names they allow
        are echoed.
    :param expose_headers: response headers scripts may read beyond the safelisted ones.
    :param allow_credentials: send ``Access-Control-Allow-Credentials: true`` so
        cookies and HTTP authentication work cross-origin.
    :param max_age: how long browsers may cache a preflight, in seconds or as a
        ``timedelta`` (0 to 86400); ``None`` omits the header (browsers use 5 s).
    :param allow_private_network: answer Chrome's legacy Private Network Access
        preflights (``Access-Control-Allow-Private-Network: true``).
    :param dangerously_allow_insecure_origins: accept plain ``http://`` origins other
        than localhost together with credentials.
    :raises ConfigError: listing every problem with the configuration.

    What is valid but said in vain (a forbidden request header, ``null`` or a regex
    beside ``"*"``...) is in :attr:`warnings`; the middlewares log them at start-up.

    What the request path reads: :attr:`origins`, :attr:`methods`,
    :attr:`request_headers` (the allowlists), :attr:`refused`,
    :attr:`fixed_preflight` and :attr:`allow_private_network`.
    """

    __slots__ = (
        "_frozen", "_validated", "allow_credentials", "allow_private_network",
        "any_origin", "expose_headers_value", "fixed_preflight", "max_age", "methods",
        "origins", "refused", "request_headers", "varies_by_origin", "warnings",
    )

    def __init__(
        self,
        *,
        allow_origins: OriginsOption = (),
        allow_origin_regex: RegexOption = None,
        allow_origin_func: Callable[..., Any] | None = None,
        allow_methods: NamesOption = DEFAULT_METHODS,
        allow_headers: NamesOption | Iterable[str | re.Pattern[str]] = DEFAULT_HEADERS,
        expose_headers: NamesOption = (),
        allow_credentials: bool = False,
        max_age: int | timedelta | None = None,
        allow_private_network: bool = False,
        dangerously_allow_insecure_origins: bool = False,
        **unknown: NoReturn,
    ) -> None:
        options = validate({
            "allow_origins": allow_origins, "allow_origin_regex": allow_origin_regex,
            "allow_origin_func": allow_origin_func, "allow_methods": allow_methods,
            "allow_headers": allow_headers, "expose_headers": expose_headers,
            "allow_credentials": allow_credentials, "max_age": max_age,
            "allow_private_network": allow_private_network,
            "dangerously_allow_insecure_origins": dangerously_allow_insecure_origins,
            **unknown,
        })
        self._compile(options)
        self._frozen = True

    def _compile(self, options: Options) -> None:
        self._validated = options
        #: :class:`~wsgicors.ConfigWarning` s: what the options say without effect.
        self.warnings: tuple[ConfigWarning, ...] = options.warnings
        self.any_origin = options.any_origin
        #: False only for ``"*"``: then no response depends on the Origin.
        self.varies_by_origin = not options.any_origin
        self.allow_credentials = options.credentials
        self.allow_private_network = options.private_network
        self.max_age = options.max_age
        #: The methods a preflight may ask for.
        self.methods = MethodAllowlist(options.methods, any_method=options.any_method)
        #: The request headers a preflight may ask for.
        self.request_headers = HeaderAllowlist(
            options.headers, options.header_matchers, any_header=options.any_header,
            cache_size=CACHE_SIZE,
        )
        self.expose_headers_value = (
            "*" if options.any_expose else ", ".join(options.exposed) or None
        )
        template = Template(
            options.credentials, self.expose_headers_value, self.methods.value,
            options.max_age, self.varies_by_origin, self.request_headers.value,
            options.private_network,
        )
        star = template.for_origin("*")
        #: What a response without an allowed origin gets: no CORS headers and
        #: ``Vary: Origin`` (the ``*`` headers when every origin is allowed).
        self.refused = star if options.any_origin else REFUSED
        #: The allowed origins and their ready-made headers.
        self.origins = OriginAllowlist(
            template, any_origin=options.any_origin, rules=options.origin_rules,
            regexes=options.origin_matchers,
            func=None if options.origin_func is None else OriginFunction(options.origin_func),
            credentials=options.credentials, star=star, cache_size=CACHE_SIZE,
        )
        #: True if a successful preflight's answer is ready-made (nothing echoed, no
        #: Private Network Access): CORSHeaders.answer or .answer_with_headers.
        self.fixed_preflight = not (options.any_method or self.request_headers.echoes
                                    or options.private_network)

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> CORSPolicy:
        """Build a policy from a mapping of option names.

        An unknown name is a problem reported with every other one.
        """
        return cls(**options)

    def __setattr__(self, name: str, value: object) -> None:
        if getattr(self, "_frozen", False):
            raise AttributeError("CORSPolicy is immutable; build a new one and reconfigure")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={value!r}" for key, value in self.options.items()
                          if value not in ((), None, False))
        return f"CORSPolicy({shown})"

    @property
    def options(self) -> dict[str, Any]:
        """The validated options, normalized (a copy)."""
        return self._validated.as_options()

    # -- the allowlists' answers, for code that holds a policy -----------------------

    @property
    def allow_methods_value(self) -> str | None:
        """Access-Control-Allow-Methods value, or None when the method is echoed."""
        return self.methods.value

    @property
    def allow_headers_value(self) -> str | None:
        """Access-Control-Allow-Headers value, or None when the names are echoed."""
        return self.request_headers.value

    @property
    def method_ok(self) -> frozenset[str]:
        """Methods a preflight may ask for (empty when any method is allowed)."""
        return self.methods.allowed

    def lookup(self, origin: str) -> CORSHeaders | None:
        """The ready-made headers for *origin*, or None if it is not allowed."""
        return self.origins.lookup(origin)

    def static_lookup(self, origin: str) -> CORSHeaders | None:
        """:meth:`lookup` without ``allow_origin_func``: origins, patterns, regexes."""
        return self.origins.static_lookup(origin)

    def needs_func(self, origin: str) -> bool:
        """True if deciding *origin* calls ``allow_origin_func`` (it may do I/O)."""
        return self.origins.needs_func(origin)

    @property
    def needs_request(self) -> bool:
        """True if ``allow_origin_func`` takes the request: an adapter whose environ
        lacks what :class:`~wsgicors.request.Request` reads completes it then."""
        func = self.origins.func
        return func is not None and func.takes_request

    def method_allowed(self, method: str) -> bool:
        """True if a preflight may ask for *method* (compared case-sensitively)."""
        return self.methods.allows(method)

    def allow_headers_for(self, request_headers: str) -> str | None:
        """The Access-Control-Allow-Headers value answering *request_headers*.

        None if a requested header is not allowed or the value is malformed.
        """
        return self.request_headers.answer(request_headers)

    def origin_refusal(self, origin: str) -> tuple[str, str]:
        """Why *origin* is refused, as ``(code, sentence)``; for logs and explain()."""
        return self.origins.refusal(origin)

    def header_refusal(self, request_headers: str) -> tuple[str, str]:
        """Why *request_headers* is refused, as ``(code, sentence)``."""
        return self.request_headers.refusal(request_headers)
