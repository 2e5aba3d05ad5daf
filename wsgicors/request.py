"""Request: what a request-aware ``allow_origin_func`` may read about the request.

A multi-tenant application allows different origins per tenant: ``customer1.mysite.com``
accepts ``https://customer1.com``, ``customer2.mysite.com`` does not. An origin function
that takes a second argument gets a :class:`Request` (host, path, method, scheme and the
request headers, read-only), the same object under WSGI, Flask, Django and ASGI::

    def allowed(origin: str, request: Request) -> bool:
        return (request.host, origin) in TENANT_ORIGINS

The engine builds it from the WSGI environ (Django's ``request.META``; the ASGI
middleware builds an environ from the scope) only when it calls such a function, so a
policy without one, or a request the static lists decide, never pays for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["EnvironHeaders", "Request"]

# The WSGI environ keys of the two headers PEP 3333 stores without the HTTP_ prefix.
_UNPREFIXED = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}
_DEFAULT_PORT = {"http": ":80", "https": ":443"}


class EnvironHeaders(Mapping[str, str]):
    """The request headers of a WSGI environ, read-only, by name in any case.

    ``headers["X-Tenant"]`` reads ``environ["HTTP_X_TENANT"]``; iterating gives the
    names in lower case. A view, not a copy: nothing is read until asked for.
    """

    __slots__ = ("_environ",)

    def __init__(self, environ: Mapping[str, Any]) -> None:
        self._environ = environ

    def __getitem__(self, name: str) -> str:
        lower = name.lower()
        key = _UNPREFIXED.get(lower) or "HTTP_" + lower.upper().replace("-", "_")
        value = self._environ[key]
        if not isinstance(value, str):
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        for key, value in self._environ.items():
            if key.startswith("HTTP_") and isinstance(value, str):
                yield key[5:].lower().replace("_", "-")
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
                yield key.lower().replace("_", "-")

    def __len__(self) -> int:
        return sum(1 for _name in self)

    def __repr__(self) -> str:
        return f"EnvironHeaders({len(self)} headers)"


@dataclass(frozen=True, slots=True)
class Request:
    """The request an ``allow_origin_func(origin, request)`` is asked about (read-only).

    :param host: the host the request was sent to, lower case, without the scheme's
        default port (``customer1.mysite.com``, ``localhost:8000``): the ``Host``
        header, else the server's name and port. Django: ``request.get_host()``, so
        ``USE_X_FORWARDED_HOST`` applies; Flask behind Werkzeug's ``ProxyFix``: the
        forwarded host, as ``request.host``.
    :param path: the path inside the application (WSGI ``PATH_INFO``, without the
        mount point), as ``paths=`` patterns see it.
    :param method: the request's method; ``"OPTIONS"`` for a preflight, whose
        ``headers["Access-Control-Request-Method"]`` names the method to come.
    :param scheme: ``"http"`` or ``"https"``, as the application sees it.
    :param headers: the request headers, read-only, by name in any case.
    """

    host: str
    path: str
    method: str
    scheme: str
    headers: Mapping[str, str]

    @classmethod
    def from_environ(cls, environ: Mapping[str, Any]) -> Request:
        """The request described by a WSGI environ (or Django's ``request.META``)."""
        scheme = environ.get("wsgi.url_scheme") or "http"
        path = environ.get("PATH_INFO") or "/"
        return cls(
            host=host_of(environ, scheme),
            path=path if path[:1] == "/" else "/" + path,
            method=environ.get("REQUEST_METHOD", "GET"),
            scheme=scheme,
            headers=EnvironHeaders(environ),
        )


def host_of(environ: Mapping[str, Any], scheme: str) -> str:
    """The request's host as :attr:`Request.host` gives it (PEP 3333's reconstruction)."""
    host = environ.get("HTTP_HOST")
    if host is None:  # present but empty stays empty: no server name stands in for it
        host = environ.get("SERVER_NAME", "")
        port = environ.get("SERVER_PORT")
        if port:
            host = f"{host}:{port}"
    host = host.strip().lower()
    default = _DEFAULT_PORT.get(scheme)
    if default is not None and host.endswith(default):
        host = host[: -len(default)]
    return str(host)
