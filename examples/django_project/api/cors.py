"""Dynamic origins: a CORS_ALLOW_ORIGIN_FUNC and a check_request_enabled receiver."""

from django.conf import settings
from django.http import HttpRequest

# In a real project this would be a model: Partner.objects.filter(origin=origin).exists().
PARTNERS = {"https://partner.example.org"}


def is_partner(origin: str) -> bool:
    """CORS_ALLOW_ORIGIN_FUNC: called only for origins the settings do not list."""
    return origin in PARTNERS


def allow_staging(sender: object, request: HttpRequest, **kwargs: object) -> bool:
    """django-cors-headers-style receiver: in DEBUG, any localhost origin on any path."""
    origin = request.headers.get("origin", "")
    return settings.DEBUG and origin.startswith("http://localhost:")
