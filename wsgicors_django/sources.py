"""Allowed origins kept in your models, revoked across every worker through Django's cache.

::

    # tenants/cors.py
    from wsgicors.fleet import SharedVersion
    from wsgicors.sources import OriginSource
    from wsgicors_django.sources import DjangoCacheStore

    from .models import TenantOrigin

    def registered(origin: str) -> bool:
        return TenantOrigin.objects.filter(origin=origin).exists()

    source = OriginSource(registered, ttl=300,
                          shared=SharedVersion(DjangoCacheStore(), poll=2))

    # tenants/apps.py, in TenantsConfig.ready() (importing cors.py needs the models):
    from wsgicors_django.sources import invalidate_on_change
    from .cors import source
    from .models import TenantOrigin
    invalidate_on_change(source, TenantOrigin)

    # settings.py
    CORS_ALLOW_ORIGIN_FUNC = "tenants.cors.source"

Every process caches the lookup's answers; saving or deleting a ``TenantOrigin``
writes a new version token into the cache once the transaction commits, and every
process that shares the cache (Redis or Memcached backend) drops its answers within
``poll`` seconds. With a per-process cache backend (``LocMemCache``, the default)
only the process that made the change learns of it; the others rely on ``ttl``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from wsgicors.sources import OriginSource


class DjangoCacheStore:
    """A :class:`wsgicors.fleet.VersionStore` on one of Django's caches (``CACHES``).

    :param alias: the ``CACHES`` entry to use. It must be shared by the processes
        (``RedisCache``, ``PyMemcacheCache``, ``django_redis``) for the revocation to
        reach them. The token is stored without expiry (``timeout=None``).
    """

    def __init__(self, alias: str = "default") -> None:
        self.alias = alias

    def __repr__(self) -> str:
        return f"DjangoCacheStore({self.alias!r})"

    def get(self, name: str, /) -> object:
        """The value stored under *name*, or None."""
        return caches[self.alias].get(name)

    def set(self, name: str, value: str, /) -> None:
        """Store *value* under *name* until it is replaced."""
        caches[self.alias].set(name, value, timeout=None)


def invalidate_on_change(source: OriginSource,
                         *senders: type[models.Model]) -> Callable[[], None]:
    """Call ``source.invalidate()`` after each commit that saved or deleted a *sender*.

    Connects ``post_save``, ``post_delete`` and ``m2m_changed`` (for an automatic
    many-to-many table, pass ``Tenant.origins.through``) for each model; the
    invalidation waits for the transaction (``transaction.on_commit``), so no
    process can look the origin up again before the change is visible, and a
    rolled-back change invalidates nothing. ``QuerySet.update()``, ``bulk_create()``
    and raw SQL send no signals: call ``source.invalidate()`` after those yourself.

    Returns a function that disconnects the receivers again.
    """

    def receiver(sender: type[models.Model], using: str | None = None,
                 **kwargs: Any) -> None:
        if kwargs.get("action", "post_").startswith("post_"):  # m2m_changed: once, after
            transaction.on_commit(source.invalidate, using=using)

    signals = (post_save, post_delete, m2m_changed)
    for sender in senders:
        for signal in signals:
            signal.connect(receiver, sender=sender, weak=False)

    def disconnect() -> None:
        for sender in senders:
            for signal in signals:
                signal.disconnect(receiver, sender=sender)

    return disconnect
