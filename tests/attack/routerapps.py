"""One application, four ways: real routers, each endpoint answering with its own name.

``tests/attack/test_paths_routers.py`` serves these behind real servers (gunicorn,
uvicorn) and sends paths no browser would normalize away. The same endpoints exist in
each framework, with the same URL shapes; the CORS configuration gives each endpoint
one policy, in the adapter's own vocabulary:

==================  ==============================  ===================================
endpoint            routes                          policy (:data:`POLICY_OF`)
==================  ==============================  ===================================
``admin``           ``/admin``, ``/admin/users``,   ``/admin/*``: the admin origin, with
                    ``/admin/<name>``               credentials
``api_admin``       ``/api/admin/<name>``           ``/api/admin/[^/]+``: admin, declared
                                                    *after* the broader public regex
``api``, ``v2``     ``/api/<path>``, ``/v2/<path>`` ``/(?:api|v2)/.*``: any origin
``me``              ``/me``, ``/me<rest>``,         ``/me*`` (a glob in Flask; ``/me.*``
                    ``/me/<path>``                  elsewhere): the partner, credentials
``status``          ``/partner/status`` (without    exact ``/partner/status``: the
                    strict slashes in Flask)        partner, credentials
``cafe``            ``/café/<name>``                ``/café/*``: admin, credentials
``other``           ``/``, ``/<name>``,             the default: the partner, no
                    ``/partner/<name>``             credentials
==================  ==============================  ===================================

``flask_app`` uses ``wsgicors_flask.CORS``; ``flask_plain`` wraps the same Flask app in
the router-agnostic :class:`wsgicors.CORSMiddleware`; ``starlette_app`` uses
:class:`wsgicors.asgi.CORSMiddleware`; the Django project is ``django_wsgi`` with
``DJANGO_SETTINGS_MODULE=tests.attack.routerapps``.
"""

from __future__ import annotations

import re
from typing import Any

ADMIN = "https://admin.example.com"
PARTNER = "https://partner.example.org"
EVIL = "https://evil.example.net"

# Policy name -> the (Access-Control-Allow-Origin, -Allow-Credentials) each origin gets.
POLICIES: dict[str, dict[str, tuple[str | None, str | None]]] = {
    "admin": {ADMIN: (ADMIN, "true"), PARTNER: (None, None), EVIL: (None, None)},
    "public": {ADMIN: ("*", None), PARTNER: ("*", None), EVIL: ("*", None)},
    "partner-credentials": {ADMIN: (None, None), PARTNER: (PARTNER, "true"),
                            EVIL: (None, None)},
    "partner": {ADMIN: (None, None), PARTNER: (PARTNER, None), EVIL: (None, None)},
}
#: The policy of each endpoint.
POLICY_OF = {
    "admin": "admin", "api_admin": "admin", "cafe": "admin", "api": "public", "v2": "public",
    "me": "partner-credentials", "status": "partner-credentials", "other": "partner",
}
METHODS = ["GET", "PUT"]


def _named(name: str) -> Any:
    def view(**_kwargs: Any) -> str:
        return f"endpoint={name}"
    view.__name__ = f"view_{name}"
    return view


# -- Flask ---------------------------------------------------------------------------

FLASK_RULES = [
    ("/admin", "admin"), ("/admin/users", "admin"), ("/admin/<name>", "admin"),
    ("/api/admin/<name>", "api_admin"), ("/api/<path:rest>", "api"),
    ("/v2/<path:rest>", "v2"), ("/me", "me"), ("/me<rest>", "me"), ("/me/<path:rest>", "me"),
    ("/partner/status", "status"), ("/café/<name>", "cafe"), ("/", "other"),
    ("/<name>", "other"), ("/partner/<name>", "other"),
]


def make_flask() -> Any:
    from flask import Flask

    app = Flask("routerapps")
    for index, (rule, name) in enumerate(FLASK_RULES):
        app.add_url_rule(rule, f"{name}_{index}", _named(name), methods=METHODS,
                         strict_slashes=rule != "/partner/status")
    return app


def flask_resources() -> dict[Any, dict[str, Any]]:
    admin = {"origins": [ADMIN], "supports_credentials": True}
    partner = {"origins": [PARTNER], "supports_credentials": True}
    return {
        r"/(?:api|v2)/.*": {"origins": "*"},      # declared before the narrower one
        r"/api/admin/[^/]+": admin,
        "/admin/*": admin,
        r"/me*": partner,                           # a glob wsgicors compiles itself
        "/partner/status": partner,
        "/café/*": admin,
        "/*": {"origins": [PARTNER]},
    }


def _flask_app() -> Any:
    from wsgicors_flask import CORS

    app = make_flask()
    CORS(app, resources=flask_resources(), methods=METHODS)
    return app


def core_paths() -> dict[Any, Any]:
    """The same configuration in wsgicors's own vocabulary (WSGI and ASGI middlewares)."""
    from wsgicors import CORSPolicy

    admin = CORSPolicy(allow_origins=[ADMIN], allow_credentials=True, allow_methods=METHODS)
    partner = CORSPolicy(allow_origins=[PARTNER], allow_credentials=True,
                         allow_methods=METHODS)
    return {
        re.compile(r"/(?:api|v2)/.*"): CORSPolicy(allow_origins="*", allow_methods=METHODS),
        re.compile(r"/api/admin/[^/]+"): admin,
        "/admin/*": admin,
        re.compile(r"/me.*"): partner,
        "/partner/status": partner,
        "/café/*": admin,
    }


def _flask_plain() -> Any:
    from wsgicors import CORSMiddleware, CORSPolicy

    default = CORSPolicy(allow_origins=[PARTNER], allow_methods=METHODS)
    return CORSMiddleware(make_flask(), default, paths=core_paths())


# -- Starlette -----------------------------------------------------------------------

STARLETTE_ROUTES = [
    ("/admin", "admin"), ("/admin/users", "admin"), ("/admin/{name}", "admin"),
    ("/api/admin/{name}", "api_admin"), ("/api/{rest:path}", "api"),
    ("/v2/{rest:path}", "v2"), ("/me", "me"), ("/me{rest}", "me"), ("/me/{rest:path}", "me"),
    ("/partner/status", "status"), ("/café/{name}", "cafe"), ("/", "other"),
    ("/{name}", "other"), ("/partner/{name}", "other"),
]


def _starlette_app() -> Any:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from wsgicors import CORSPolicy
    from wsgicors.asgi import CORSMiddleware

    def endpoint(name: str) -> Any:
        async def answer(_request: Any) -> PlainTextResponse:
            return PlainTextResponse(f"endpoint={name}")
        return answer

    routes = [Route(path, endpoint(name), methods=METHODS) for path, name in STARLETTE_ROUTES]
    default = CORSPolicy(allow_origins=[PARTNER], allow_methods=METHODS)
    return Starlette(routes=routes, middleware=[
        Middleware(CORSMiddleware, policy=default, paths=core_paths()),
    ])


# -- Django (this module is also the settings module) --------------------------------

DJANGO_ROUTES = [
    ("admin", "admin"), ("admin/users", "admin"), ("admin/<str:name>", "admin"),
    ("api/admin/<str:name>", "api_admin"), ("api/<path:rest>", "api"),
    ("v2/<path:rest>", "v2"), ("me", "me"), ("me<str:rest>", "me"), ("me/<path:rest>", "me"),
    ("partner/status", "status"), ("café/<str:name>", "cafe"), ("", "other"),
    ("<str:name>", "other"), ("partner/<str:name>", "other"),
]
SECRET_KEY = "routerapps"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "tests.attack.routerapps"
INSTALLED_APPS = ["wsgicors_django"]
MIDDLEWARE = ["wsgicors_django.middleware.CorsMiddleware",
              "django.middleware.common.CommonMiddleware"]
USE_TZ = True
CORS_ALLOWED_ORIGINS = [PARTNER]
CORS_ALLOW_METHODS = METHODS


def _django_cors_paths() -> dict[Any, Any]:
    admin = {"allow_origins": [ADMIN], "allow_credentials": True}
    partner = {"allow_origins": [PARTNER], "allow_credentials": True}
    return {
        re.compile(r"/(?:api|v2)/.*"): {"allow_origins": "*"},
        re.compile(r"/api/admin/[^/]+"): admin,
        "/admin/*": admin,
        re.compile(r"/me.*"): partner,
        "/partner/status": partner,
        "/café/*": admin,
    }


CORS_PATHS = _django_cors_paths()


def _django_urlpatterns() -> list[Any]:
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    def view(name: str) -> Any:
        def answer(_request: Any, **_kwargs: Any) -> Any:
            from django.http import HttpResponse
            return HttpResponse(f"endpoint={name}", content_type="text/plain")
        return csrf_exempt(answer)

    return [path(route, view(name)) for route, name in DJANGO_ROUTES]


def __getattr__(attribute: str) -> Any:
    # Built on first use, so that importing this module needs no framework.
    if attribute == "flask_app":
        return _flask_app()
    if attribute == "flask_plain":
        return _flask_plain()
    if attribute == "starlette_app":
        return _starlette_app()
    if attribute == "urlpatterns":
        return _django_urlpatterns()
    if attribute == "django_wsgi":
        from django.core.wsgi import get_wsgi_application
        return get_wsgi_application()
    raise AttributeError(attribute)
