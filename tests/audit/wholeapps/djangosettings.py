"""Settings of a Django project answering CORS with wsgicors_django and django-cors-headers.

Both read django-cors-headers' setting names. django-cors-headers answers
``CORS_URLS_REGEX`` (the legacy views) and matches its origin regexes with
``re.match``: ``^https://app\\.example\\.com`` lets ``https://app.example.com.evil.com``
in. wsgicors_django reads the same settings (``CORS_URLS_REGEX`` gates it too),
switches itself off there (``CORS_PATHS``) and answers the decorated views: the API,
the partners and the feed.
"""

SECRET_KEY = "audit-whole-app-tests"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "tests.audit.wholeapps.djangourls"
INSTALLED_APPS = ["corsheaders", "wsgicors_django"]
MIDDLEWARE = [
    "wsgicors_django.middleware.CorsMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
]
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True

CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://app\.example\.com"]
CORS_ALLOW_CREDENTIALS = True
CORS_URLS_REGEX = r"^/legacy/.*$"
CORS_PATHS = {"/legacy/*": None}
