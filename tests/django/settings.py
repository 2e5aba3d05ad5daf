"""Django settings for the wsgicors_django tests and the real-server tests.

A module (not only settings.configure) so gunicorn and uvicorn subprocesses can use
it as DJANGO_SETTINGS_MODULE (``tests.django.settings``, the repository root on
PYTHONPATH).
"""

import os

SECRET_KEY = "wsgicors-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
ROOT_URLCONF = "tests.django.urls"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "wsgicors_django",
]
MIDDLEWARE = [
    "wsgicors_django.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJCORS_DB", ":memory:"),
    }
}
LOGGING_CONFIG = None
CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
# The real-server tests set this to check matching on PATH_INFO under SCRIPT_NAME.
CORS_URLS_REGEX = os.environ.get("DJCORS_URLS_REGEX", r"^.*$")
