"""django-cors-headers' default lists, under the names its users import.

``CORS_ALLOW_HEADERS = (*default_headers, "x-request-id")`` keeps working after the
import is renamed from ``corsheaders.defaults`` to ``wsgicors_django.defaults``.
"""

from __future__ import annotations

#: Request headers a preflight may ask for when ``CORS_ALLOW_HEADERS`` is not set.
default_headers: tuple[str, ...] = (
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
)

#: Methods a preflight may ask for when ``CORS_ALLOW_METHODS`` is not set.
default_methods: tuple[str, ...] = (
    "DELETE",
    "GET",
    "OPTIONS",
    "PATCH",
    "POST",
    "PUT",
)

#: ``CORS_PREFLIGHT_MAX_AGE`` when not set (seconds); falsy values omit the header.
default_max_age = 86400
