"""A one-file Django project serving the e2e endpoints behind wsgicors_django.

Settings come from a profile (wsgicors option names) translated into the
django-cors-headers setting names a migrating Django user already has.
"""

from __future__ import annotations

import re
from typing import Any

from . import apps

#: Where the middleware goes: as high as possible, above CommonMiddleware.
MIDDLEWARE = [
    "wsgicors_django.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
]


def cors_settings(profile: dict[str, Any]) -> dict[str, Any]:
    """A profile as django-cors-headers settings."""
    profile = dict(profile)
    settings: dict[str, Any] = {}
    origins = profile.pop("allow_origins", [])
    if origins == "*":
        settings["CORS_ALLOW_ALL_ORIGINS"] = True
    else:
        exact = [origin for origin in origins if "*" not in origin]
        patterns = [_pattern_regex(origin) for origin in origins if "*" in origin]
        settings["CORS_ALLOWED_ORIGINS"] = exact
        if patterns:
            settings["CORS_ALLOWED_ORIGIN_REGEXES"] = patterns
    if profile.pop("null_func", False):
        settings["CORS_ALLOW_ORIGIN_FUNC"] = apps.accept_null_only
    names = {
        "allow_credentials": "CORS_ALLOW_CREDENTIALS", "allow_headers": "CORS_ALLOW_HEADERS",
        "expose_headers": "CORS_EXPOSE_HEADERS", "allow_methods": "CORS_ALLOW_METHODS",
        "max_age": "CORS_PREFLIGHT_MAX_AGE", "allow_private_network": "CORS_ALLOW_PRIVATE_NETWORK",
    }
    for key, value in profile.items():
        settings[names[key]] = value
    return settings


def _pattern_regex(origin: str) -> str:
    """``http://*.localhost:8000`` as the regex a django-cors-headers user writes."""
    scheme, rest = origin.split("://", 1)
    return re.escape(scheme) + r"://([a-z0-9-]+\.)+" + re.escape(rest[2:]) + "$"


def configure(profile: dict[str, Any]) -> None:
    """Configure Django for *profile* (once per process)."""
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="e2e-only-not-secret",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF="tests.e2e.djurls",
        MIDDLEWARE=MIDDLEWARE,
        INSTALLED_APPS=["django.contrib.contenttypes"],
        DATABASES={},
        USE_TZ=True,
        LOGGING_CONFIG=None,
        **cors_settings(profile),
    )
    django.setup()


def wsgi_application(profile: dict[str, Any]) -> apps.WSGIApp:
    """The Django WSGI application for *profile*."""
    configure(profile)
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()  # type: ignore[return-value]


def asgi_application(profile: dict[str, Any]) -> Any:
    """The Django ASGI application for *profile* (served by uvicorn)."""
    configure(profile)
    from django.core.asgi import get_asgi_application

    return get_asgi_application()
