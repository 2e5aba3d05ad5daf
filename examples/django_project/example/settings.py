"""An API project migrated from django-cors-headers: only the two names changed."""

from pathlib import Path

from wsgicors_django.defaults import default_headers

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "example-only-not-secret"
DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
ROOT_URLCONF = "example.urls"
WSGI_APPLICATION = "example.wsgi.application"
USE_TZ = True
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": BASE_DIR / "db.sqlite3"}}

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "wsgicors_django",  # was "corsheaders"
    "api",
]
MIDDLEWARE = [
    "wsgicors_django.middleware.CorsMiddleware",  # was corsheaders'; above CommonMiddleware
    "django.middleware.common.CommonMiddleware",
    "django.middleware.security.SecurityMiddleware",
]

# django-cors-headers settings, unchanged.
CORS_ALLOWED_ORIGINS = ["https://app.example.com", "http://localhost:5173"]
CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://[a-z0-9-]+\.preview\.example\.com$"]
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_HEADERS = (*default_headers, "x-request-id")
CORS_EXPOSE_HEADERS = ["x-request-id"]
CORS_URLS_REGEX = r"^/api/.*$"

# New in wsgicors_django: origins kept in code or in the database.
CORS_ALLOW_ORIGIN_FUNC = "api.cors.is_partner"

# The check_request_enabled receiver (api/cors.py) enables localhost origins in DEBUG;
# wsgicors gives those no credentials (wsgicors.W006 says so). Intended here: staging
# pages only read public data. Partners that need cookies go through the origin func.
SILENCED_SYSTEM_CHECKS = ["wsgicors.W006"]
