"""Which policy serves a request: a view's own ``@cors`` policy, else the settings'.

:class:`ViewRoutes` is the one place that makes this choice: the middleware asks it
for every request (with the view Django resolved), and :func:`route_matcher` hands
it to :func:`wsgicors.explain` and to the tools (``wsgicors check``), which give
only a path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import Resolver404, get_resolver

from wsgicors import Routes
from wsgicors.adapter import Match

from .decorators import is_unset, view_policy

#: The pattern a :data:`~wsgicors.adapter.Match` names when ``@cors`` chose the policy.
VIEW_POLICY = "@cors"
#: The pattern a Match names when ``@cors_exempt`` switched CORS off for the view.
VIEW_EXEMPT = "@cors_exempt"


class ViewRoutes:
    """The settings' :class:`~wsgicors.Routes`, overridden by views' decorators.

    Has ``match(path)``, so :func:`wsgicors.explain` accepts it.
    """

    __slots__ = ("routes",)

    def __init__(self, routes: Routes) -> None:
        #: The policies the settings give per path.
        self.routes = routes

    def match(self, path: str) -> Match:
        """The policy for *path* (resolved to its view with the root URLconf)."""
        return self.choose(path, view_at(path))

    def choose(self, path: str, view: Callable[..., Any] | None) -> Match:
        """The policy for a request to *path* that *view* serves (None: unknown)."""
        if view is not None:
            marked = view_policy(view)
            if not is_unset(marked):
                return marked, VIEW_EXEMPT if marked is None else VIEW_POLICY
        routes = self.routes
        if not routes.routed:
            return routes.default, None
        # request.path_info is exactly what Django's resolver reads (no slash merging,
        # no dot-segments): the policy is the one of the view it reaches.
        return routes.match_routed(path)


def view_at(path: str, urlconf: Any = None) -> Callable[..., Any] | None:
    """The view *path* resolves to with *urlconf* (None: the root URLconf), or None."""
    try:
        return get_resolver(urlconf).resolve(path).func
    except Resolver404:
        return None
