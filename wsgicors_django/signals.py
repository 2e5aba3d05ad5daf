"""``check_request_enabled``: decide per request, in code, that CORS applies.

Receivers have django-cors-headers' signature, ``receiver(sender, request, **kwargs)``;
if any returns a truthy value, the request's origin is allowed with the project's
settings (methods, headers, credentials...), whatever ``CORS_URLS_REGEX`` and the
origin lists say. It is only sent for requests that carry an ``Origin`` the settings
do not already allow. Under ASGI, sync receivers run in a thread
(``sync_to_async``), so they may use the ORM; async receivers are awaited.
"""

from __future__ import annotations

from django.dispatch import Signal

check_request_enabled = Signal()
