"""Invalidate the cached origins whenever a tenant or one of its origins changes."""

from __future__ import annotations

from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tests.sources.tenants"
    label = "tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from wsgicors_django.sources import invalidate_on_change

        from .cors import source
        from .models import Tenant, TenantOrigin

        # After each commit that saves or deletes one: every process within poll seconds.
        invalidate_on_change(source, Tenant, TenantOrigin)
