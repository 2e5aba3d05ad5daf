"""The origin sources, named in settings.py (``CORS_ALLOW_ORIGIN_FUNC``)."""

from __future__ import annotations

from wsgicors.fleet import SharedVersion
from wsgicors.sources import OriginSource
from wsgicors_django.sources import DjangoCacheStore

from .models import TenantOrigin


def registered(origin: str) -> bool:
    """True if some tenant allows *origin*."""
    return TenantOrigin.objects.filter(origin=origin).exists()


def registered_for_host(key: tuple[str, str]) -> bool:
    """True if the tenant served on *host* allows *origin*."""
    host, origin = key
    return TenantOrigin.objects.filter(tenant__host=host, origin=origin).exists()


# One version token in the "default" cache (Redis or Memcached: shared by every process):
# a change reaches every process within poll seconds; without the cache, within ttl.
versions = SharedVersion(DjangoCacheStore("default"), poll=1.0)

source = OriginSource(registered, ttl=300, negative_ttl=30, shared=versions)

# Per tenant: the answer depends on the host the request was sent to, so the cache key
# holds it too: the engine passes the request (wsgicors.request.Request) to the key.
tenant_source = OriginSource(registered_for_host, ttl=300, negative_ttl=30, shared=versions,
                             key=lambda origin, request: (request.host, origin))
