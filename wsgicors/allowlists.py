"""The compiled allowlists a request is checked against: origins, methods, headers.

Each allowlist is built once by :class:`wsgicors.CORSPolicy` from validated options
and answers one question of the engine's, with what goes into the response:

* :class:`OriginAllowlist`: is this Origin allowed, and with which ready-made
  headers? (exact origins, patterns, regexes, then ``allow_origin_func``)
* :class:`MethodAllowlist`: may a preflight ask for this method?
* :class:`HeaderAllowlist`: may a preflight ask for these request headers, and
  which Access-Control-Allow-Headers value answers them?

Each also says, in words, why it said no (:class:`Refusal`), for logs and
:func:`wsgicors.explain`. Decisions are remembered in :class:`~wsgicors.cache.BoundedCache`
instances; nothing else here changes after construction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from .cache import MISSING, BoundedCache
from .headers import CORSHeaders, Template
from .http import (
    FORBIDDEN_METHODS,
    MAX_REQUEST_HEADERS_LENGTH,
    SAFELISTED_METHODS,
    is_token,
    parse_request_headers,
)
from .linear import LinearPattern
from .logsafe import logsafe
from .originfunc import OriginFunction, RunSync
from .origins import MAX_ORIGIN_LENGTH, OriginRule, compile_rules, is_serialized_origin
from .vocabulary import RefusalCode

_log = logging.getLogger("wsgicors")

#: Longest Access-Control-Request-Headers value whose answer is remembered: browsers
#: send short sorted lists; longer values are answered each time (up to
#: MAX_REQUEST_HEADERS_LENGTH, beyond which they are refused before any work).
CACHED_REQUEST_HEADERS_LENGTH = 256


class Refusal(NamedTuple):
    """Why a request gets no CORS headers: a stable ``code`` and a sentence."""

    code: RefusalCode
    reason: str


class OriginAllowlist:
    """The allowed origins, each mapped to its ready-made :class:`CORSHeaders`.

    :param template: the policy's header values, from which each origin's are made.
    :param any_origin: ``"*"``: every well-formed origin (and ``null``) gets the
        ``*`` headers, *star*.
    :param cache_size: how many other origins' decisions are remembered.
    """

    __slots__ = ("_matchers", "_pattern", "_regexes", "_star", "_template",
                 "any_origin", "cache", "credentials", "func")

    def __init__(
        self,
        template: Template,
        *,
        any_origin: bool,
        rules: Iterable[OriginRule],
        regexes: Iterable[LinearPattern],
        func: OriginFunction | None,
        credentials: bool,
        star: CORSHeaders,
        cache_size: int,
    ) -> None:
        rules = tuple(rules)
        self._template = template
        self.any_origin = any_origin
        self.credentials = credentials
        self._star = star
        self._pattern = compile_rules(list(rules))
        self._regexes = tuple(regexes)
        #: ``allow_origin_func`` and how to call it (None without one).
        self.func = func
        #: True if anything but the exact origins can match.
        self._matchers = bool(self._pattern is not None or self._regexes or any_origin)
        # Exact origins are pinned: a flood of other origins cannot make a listed
        # origin wait for (or lose) its entry, and the miss path never looks for them.
        exact = {rule.text: template.for_origin(rule.text) for rule in rules if rule.is_exact}
        self.cache: BoundedCache[CORSHeaders | None] = BoundedCache(
            cache_size, MAX_ORIGIN_LENGTH, pinned=exact
        )

    def lookup(self, origin: str, environ: Mapping[str, Any] | None = None) -> CORSHeaders | None:
        """The ready-made headers for *origin*, or None if it is not allowed.

        *environ* is the request's (WSGI keys): a request-aware ``allow_origin_func``
        gets a :class:`~wsgicors.request.Request` made of it.
        """
        found = self.cache.entries.get(origin, MISSING)  # every request: no cache.get() call
        if found is MISSING:
            found = self._remember(origin)
        if found is None and self.func is not None and self._may_ask(origin):
            try:
                verdict = self.func.call(origin, environ)
            except Exception:
                return self._func_raised(origin)
            return self._template.for_origin(origin) if verdict is True else None
        return found

    async def alookup(
        self, origin: str, environ: Mapping[str, Any] | None, run_sync: RunSync
    ) -> CORSHeaders | None:
        """:meth:`lookup` in an event loop: an async ``allow_origin_func`` is awaited
        here, any other runs through *run_sync* (a worker thread)."""
        found = self.static_lookup(origin)
        if found is None and self.func is not None and self._may_ask(origin):
            try:
                verdict = await self.func.acall(origin, environ, run_sync)
            except Exception:
                return self._func_raised(origin)
            return self._template.for_origin(origin) if verdict is True else None
        return found

    def static_lookup(self, origin: str) -> CORSHeaders | None:
        """:meth:`lookup` without ``allow_origin_func``: origins, patterns, regexes."""
        found = self.cache.get(origin)
        return self._remember(origin) if found is MISSING else found

    def needs_func(self, origin: str) -> bool:
        """True if deciding *origin* calls ``allow_origin_func`` (it may do I/O)."""
        return (self.func is not None and self.static_lookup(origin) is None
                and self._may_ask(origin))

    def _remember(self, origin: str) -> CORSHeaders | None:
        found = self._match(origin)
        self.cache.put(origin, found)  # origins too long to match are not stored
        return found

    def _match(self, origin: str) -> CORSHeaders | None:
        # Exact origins never get here: every cache generation holds them.
        if not self._matchers:
            return None
        if self.any_origin:
            return self._star if origin == "null" or is_serialized_origin(origin) else None
        if not is_serialized_origin(origin):
            return None
        if self._pattern is not None and self._pattern.fullmatch(origin):
            return self._template.for_origin(origin)
        for regex in self._regexes:
            if regex.fullmatch(origin):
                return self._template.for_origin(origin)
        return None

    def _may_ask(self, origin: str) -> bool:
        if origin == "null":
            return not self.credentials  # any site can send 'null': never with credentials
        return is_serialized_origin(origin)

    @staticmethod
    def _func_raised(origin: str) -> None:
        _log.exception("allow_origin_func raised for origin %s; origin refused",
                       logsafe(origin))

    def refusal(self, origin: str) -> Refusal:
        """Why *origin* is refused."""
        if origin == "null":
            if self.func is not None and not self.credentials:
                tail = "; allow_origin_func said no"
            elif self.credentials:
                tail = ", so it is never allowed with credentials"
            else:
                tail = ", so only allow_origin_func can accept it"
            return Refusal("origin-null", (
                "Origin 'null' (a sandboxed iframe, file: or data: page, or a redirect) is "
                "not allowed; it can be produced by any site" + tail
            ))
        if not is_serialized_origin(origin):
            return Refusal("origin-malformed", (
                f"Origin {logsafe(origin)} is not a serialized origin (scheme://host[:port], "
                "lower case, no path, no default port); browsers never send that"
            ))
        where = "allow_origins, allow_origin_regex"
        if self.func is not None:
            where += " or allow_origin_func"
        return Refusal("origin-not-allowed", f"Origin {logsafe(origin)} is not allowed by {where}")


class MethodAllowlist:
    """The methods a preflight may ask for (Access-Control-Request-Method).

    :param methods: the allowed methods, compared case-sensitively; ignored when
        *any_method*, which allows every method a browser can send (echoed back).
    """

    __slots__ = ("allowed", "any_method", "value")

    def __init__(self, methods: Iterable[str], *, any_method: bool) -> None:
        self.any_method = any_method
        methods = tuple(methods)
        #: The methods allowed without a closer look (empty when any method is).
        self.allowed = frozenset() if any_method else frozenset(methods) | SAFELISTED_METHODS
        #: Access-Control-Allow-Methods value, or None when the method is echoed.
        self.value = None if any_method else ", ".join(methods)

    def allows(self, method: str) -> bool:
        """True if a preflight may ask for *method* (compared case-sensitively)."""
        if method in self.allowed:
            return True
        return self.any_method and is_token(method) and method.upper() not in FORBIDDEN_METHODS

    def refusal(self, method: str) -> Refusal:
        """Why *method* is refused."""
        return Refusal(
            "method-not-allowed",
            f"method {logsafe(method)} is not in allow_methods (compared case-sensitively)",
        )


class HeaderAllowlist:
    """The request headers a preflight may ask for (Access-Control-Request-Headers).

    :param names: allowed names, lower case; ignored when *any_header*, which allows
        every well-formed name (echoed back).
    :param patterns: regexes full-matched against lower-case names, in time linear in
        the name (:func:`wsgicors.linear.compile_linear`); names they allow are echoed.
    """

    __slots__ = ("_names", "_patterns", "any_header", "cache", "value")

    def __init__(
        self, names: Iterable[str], patterns: Iterable[LinearPattern], *,
        any_header: bool, cache_size: int,
    ) -> None:
        names = tuple(names)
        self.any_header = any_header
        self._names = frozenset(names)
        self._patterns = tuple(patterns)
        #: Access-Control-Allow-Headers value for the listed names (None if echoed).
        self.value = None if any_header else ", ".join(names)
        self.cache: BoundedCache[str | None] = BoundedCache(
            cache_size, CACHED_REQUEST_HEADERS_LENGTH
        )

    @property
    def echoes(self) -> bool:
        """True if the answer repeats the requested names instead of a fixed list."""
        return self.any_header or bool(self._patterns)

    def answer(self, request_headers: str) -> str | None:
        """The Access-Control-Allow-Headers value answering *request_headers*.

        None if a requested header is not allowed or the value is malformed.
        """
        if len(request_headers) > MAX_REQUEST_HEADERS_LENGTH:
            return None  # refused before any work: 100,000 commas cost nothing
        found = self.cache.entries.get(request_headers, MISSING)  # as OriginAllowlist.lookup
        if found is MISSING:
            found = self._answer(request_headers)
            self.cache.put(request_headers, found)  # long values are not stored
        return found

    def _answer(self, request_headers: str) -> str | None:
        names = parse_request_headers(request_headers)
        if names is None:
            return None
        if self.any_header:
            return ",".join(dict.fromkeys(names))
        if not self._patterns:
            return self.value if all(name in self._names for name in names) else None
        if all(self._allows(name) for name in names):
            return ",".join(dict.fromkeys(names))  # names a pattern allowed are echoed
        return None

    def _allows(self, name: str) -> bool:
        return name in self._names or any(p.fullmatch(name) for p in self._patterns)

    def refusal(self, request_headers: str) -> Refusal:
        """Why *request_headers* is refused."""
        names = parse_request_headers(request_headers)
        if names is None:
            return Refusal("headers-malformed", (
                f"Access-Control-Request-Headers {logsafe(request_headers)} is not a "
                "short comma-separated list of header names"
            ))
        refused = [name for name in names if not self._allows(name)]
        shown = ", ".join(logsafe(name) for name in refused[:5])
        return Refusal("header-not-allowed", f"request header(s) {shown} not in allow_headers")
