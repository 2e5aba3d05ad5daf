"""How the engine calls ``allow_origin_func``: with the request or not, awaited or not.

The function is classified once, when the policy is built:

* ``func(origin)``, or ``func(origin, request)`` when it takes a second argument
  (a :class:`~wsgicors.request.Request`, built only for that call);
* under WSGI (and Flask, Django in sync mode) it is called in the request's thread;
* under ASGI and Django in async mode, an object with ``is_async`` true (an
  :class:`~wsgicors.sources.OriginSource` with an ``async def`` lookup) is awaited
  through its ``acheck(origin, request)`` and an ``async def`` function is awaited,
  both in the event loop; anything else runs in a worker thread, as it may block.

An ``async def`` function cannot run where only synchronous code runs (a plain WSGI
server): :func:`sync_only_problems` is what the WSGI adapters report then.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from typing import Any

from .errors import Problem
from .request import Request

__all__ = ["OriginFunction", "RunSync", "is_coroutine_function", "sync_only_problems"]

#: Runs a plain function off the event loop: ``await run_sync(func, *args)``
#: (:func:`asyncio.to_thread`; Django's adapter passes ``sync_to_async``).
RunSync = Callable[..., Awaitable[Any]]


class OriginFunction:
    """An ``allow_origin_func``, with how to call it.

    :param func: the user's callable.
    """

    __slots__ = ("awaitable", "coroutine", "func", "takes_request")

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        #: True if it is called with the request as second argument.
        self.takes_request = takes_request(func)
        #: True if it is an ``async def`` (or has an ``async def __call__``): it needs
        #: an event loop.
        self.coroutine = is_coroutine_function(func)
        #: True if an event loop awaits it rather than running it in a worker thread.
        self.awaitable = self.coroutine or (
            getattr(func, "is_async", False) is True and callable(getattr(func, "acheck", None))
        )

    def __repr__(self) -> str:
        return f"OriginFunction({self.func!r})"

    def call(self, origin: str, environ: Mapping[str, Any] | None) -> object:
        """The verdict, computed in this thread (WSGI, or a worker thread).

        An ``async def`` function runs in an event loop of its own here; the WSGI
        adapters refuse one at start-up (:func:`sync_only_problems`), so only
        :func:`wsgicors.explain` and the tools get here with it.
        """
        if self.coroutine:
            return asyncio.run(self._coroutine(origin, environ))
        if self.takes_request:
            return self.func(origin, _request(environ))
        return self.func(origin)

    async def acall(
        self, origin: str, environ: Mapping[str, Any] | None, run_sync: RunSync
    ) -> object:
        """The verdict, computed without blocking the running event loop."""
        if self.coroutine:
            return await self._coroutine(origin, environ)
        if self.awaitable:
            acheck = self.func.acheck  # type: ignore[attr-defined]
            return await acheck(origin, _request(environ))
        return await run_sync(self.call, origin, environ)

    def _coroutine(
        self, origin: str, environ: Mapping[str, Any] | None
    ) -> Coroutine[Any, Any, object]:
        if self.takes_request:
            return self.func(origin, _request(environ))  # type: ignore[no-any-return]
        return self.func(origin)  # type: ignore[no-any-return]


def _request(environ: Mapping[str, Any] | None) -> Request | None:
    return None if environ is None else Request.from_environ(environ)


def takes_request(func: Callable[..., Any]) -> bool:
    """True if *func* accepts a second positional argument (``request``)."""
    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return False  # a builtin without a signature: called with the origin alone
    positional = 0
    for parameter in parameters:
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            return True
        if parameter.kind in (inspect.Parameter.POSITIONAL_ONLY,
                              inspect.Parameter.POSITIONAL_OR_KEYWORD):
            positional += 1
    return positional >= 2


def is_coroutine_function(func: object) -> bool:
    """True for an ``async def`` function, or an object whose ``__call__`` is one."""
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004 - an object with async __call__
    )


def sync_only_problems(policies: Iterable[Any], where: str, option: str) -> list[Problem]:
    """A ``func-async`` problem for each policy whose ``allow_origin_func`` needs an
    event loop, for an adapter that runs only synchronous code (*where*: "a WSGI
    application"...). *option* is the name the user wrote for the function."""
    problems: list[Problem] = []
    seen: set[int] = set()
    for policy in policies:
        func = None if policy is None else policy.origins.func
        if func is None or not func.coroutine or id(func.func) in seen:
            continue
        seen.add(id(func.func))
        problems.append(Problem(
            "func-async", option,
            f"{func.func!r} is an async function, and {where} calls the origin function "
            "synchronously: it would start an event loop on every request.",
            "wrap it in wsgicors.sources.OriginSource(func), which caches the answers and "
            "runs the lookup only on a miss; or serve the application with ASGI "
            "(wsgicors.asgi.CORSMiddleware, Django under an ASGI server); or make it a "
            "plain def.",
        ))
    return problems
