"""Per-view CORS: ``@cors(allow_origins=[...])`` and ``@cors_exempt``.

The decorators do not wrap the view: they attach a compiled :class:`CORSPolicy` (or
``None``) to it, which the middleware reads from the resolved view. Sync and async
views, functions and class-based views keep their exact type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from wsgicors import ConfigError, CORSPolicy, Problem

#: Attribute holding a view's policy (``None`` means: no CORS handling for it).
ATTRIBUTE = "wsgicors_policy"
ViewT = TypeVar("ViewT", bound=Callable[..., Any])

class _Registry:
    """Whether any view is decorated: until one is, the middleware skips view lookups.

    ``any`` only says so once the views' modules are imported, which Django does when
    it first resolves a URL; preflights are answered before that, so the middleware
    resolves a preflight's view until ``resolved`` says a URL has been resolved once.
    """

    __slots__ = ("any", "resolved")

    def __init__(self) -> None:
        self.any = False
        self.resolved = False


REGISTRY = _Registry()
_UNSET: Any = object()


def cors(policy: CORSPolicy | None = None, /, **options: Any) -> Callable[[ViewT], ViewT]:
    """Give one view its own CORS policy, replacing the project's settings for it.

    ::

        @cors(allow_origins=["https://partner.example"], allow_credentials=True)
        def report(request): ...

        @cors(CORSPolicy(allow_origins="*"))
        class PublicFeed(View): ...

    Options are :class:`wsgicors.CORSPolicy`'s (``allow_origins``, ``allow_methods``,
    ``allow_credentials``, ``max_age``...), the names ``CORS_PATHS`` entries use too;
    anything not given takes CORSPolicy's default, not the project's settings. The
    policy is validated here, at import time.

    :raises ConfigError: listing every problem with the options.
    """
    compiled = _policy(policy, options)

    def mark(view: ViewT) -> ViewT:
        setattr(view, ATTRIBUTE, compiled)
        REGISTRY.any = True
        return view

    return mark


def cors_exempt(view: ViewT) -> ViewT:
    """Switch CORS handling off for one view: no headers, preflights reach the view."""
    setattr(view, ATTRIBUTE, None)
    REGISTRY.any = True
    return view


def view_policy(view: Callable[..., Any]) -> Any:
    """The policy a decorator attached to *view* (or its class), else ``_UNSET``.

    ``View.as_view()`` returns a new function that carries the class as
    ``view_class`` (Django REST framework's viewsets also as ``cls``).
    """
    found = getattr(view, ATTRIBUTE, _UNSET)
    if found is _UNSET:
        for name in ("view_class", "cls"):
            owner = getattr(view, name, None)
            if owner is not None:
                return getattr(owner, ATTRIBUTE, _UNSET)
    return found


def is_unset(value: object) -> bool:
    """True if :func:`view_policy` found no decorator."""
    return value is _UNSET


def _policy(policy: CORSPolicy | None, options: dict[str, Any]) -> CORSPolicy:
    if policy is not None:
        if options or not isinstance(policy, CORSPolicy):
            raise ConfigError([Problem(
                "policy-and-options", "cors",
                f"expected either one CORSPolicy or keyword options, got {policy!r}"
                + (f" and {sorted(options)}" if options else "") + ".",
                "write @cors(CORSPolicy(...)) or @cors(allow_origins=[...]).",
            )])
        return policy
    return CORSPolicy.from_options(options)
