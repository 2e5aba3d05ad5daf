"""Tenants and the origins each one allows."""

from __future__ import annotations

from django.db import models


class Tenant(models.Model):
    """A customer, served on a host of its own (``customer1.mysite.com``)."""

    host = models.CharField(max_length=253, unique=True)

    def __str__(self) -> str:
        return self.host


class TenantOrigin(models.Model):
    """An origin (``https://customer1.com``) allowed to call its tenant's API."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="origins")
    origin = models.CharField(max_length=300, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "origin"], name="unique_tenant_origin"),
        ]

    def __str__(self) -> str:
        return f"{self.origin} for {self.tenant}"
