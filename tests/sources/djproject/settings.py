"""Settings of the multi-tenant test project (tests/sources/tenants).

TENANTS_DB names the sqlite file (in memory by default) and REDIS_URL the Redis
server the processes share; without it, each process has its own LocMemCache.
"""

from __future__ import annotations

import os

SECRET_KEY = "wsgicors-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
ROOT_URLCONF = "tests.sources.djproject.urls"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",  # its many-to-many tables exercise m2m_changed in the tests
    "wsgicors_django",
    "tests.sources.tenants",
]
MIDDLEWARE = [
    "wsgicors_django.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("TENANTS_DB", ":memory:"),
        "OPTIONS": {"timeout": 20},
    }
}
LOGGING_CONFIG = None

if "REDIS_URL" in os.environ:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
CORS_ALLOW_ORIGIN_FUNC = "tests.sources.tenants.cors.source"
CORS_ALLOW_CREDENTIALS = True
