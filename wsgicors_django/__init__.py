"""wsgicors for Django: a drop-in replacement for django-cors-headers.

::

    INSTALLED_APPS = [..., "wsgicors_django"]
    MIDDLEWARE = ["wsgicors_django.middleware.CorsMiddleware",
                  "django.middleware.common.CommonMiddleware", ...]
    CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

Per view: ``from wsgicors_django import cors, cors_exempt``.
"""

from .decorators import cors, cors_exempt
from .signals import check_request_enabled

__all__ = ["check_request_enabled", "cors", "cors_exempt"]
