"""The tenants app in a Django process of its own (run by tests/sources/test_django.py).

This process is configured with tests.sources.djproject.settings: LocMemCache, an
in-memory sqlite database built by the app's migrations. Real commits
(``transaction=True``), so ``transaction.on_commit`` runs as in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from tests.sources.tenants.cors import source, tenant_source, versions
from tests.sources.tenants.models import Tenant, TenantOrigin
from wsgicors.sources import OriginSource
from wsgicors_django.sources import invalidate_on_change

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER1 = "https://customer1.com"
CUSTOMER2 = "https://customer2.com"


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    # The test database is emptied between tests without signals: start clean.
    cache.clear()
    source.invalidate()
    yield


def acao(client: Client, origin: str) -> str | None:
    return client.get("/api/whoami/", headers={"Origin": origin}).headers.get(
        "Access-Control-Allow-Origin")


def token() -> object:
    return cache.get(versions.key)


def test_saving_an_origin_allows_it_and_bumps_the_version(client: Client) -> None:
    tenant = Tenant.objects.create(host="customer1.mysite.com")
    assert acao(client, CUSTOMER1) is None  # refused, and the refusal is cached (30 s)
    before = token()
    TenantOrigin.objects.create(tenant=tenant, origin=CUSTOMER1)
    assert token() != before
    assert acao(client, CUSTOMER1) == CUSTOMER1  # the cached refusal was dropped


def test_deleting_in_a_transaction_bumps_only_after_commit(client: Client) -> None:
    tenant = Tenant.objects.create(host="customer1.mysite.com")
    TenantOrigin.objects.create(tenant=tenant, origin=CUSTOMER1)
    assert acao(client, CUSTOMER1) == CUSTOMER1
    before = token()
    with transaction.atomic():
        TenantOrigin.objects.filter(origin=CUSTOMER1).delete()
        assert token() == before  # not yet: other processes would still read the row
    assert token() != before
    assert acao(client, CUSTOMER1) is None


def test_a_rolled_back_change_bumps_nothing(client: Client) -> None:
    tenant = Tenant.objects.create(host="customer1.mysite.com")
    assert acao(client, CUSTOMER2) is None
    before = token()
    with pytest.raises(RuntimeError), transaction.atomic():
        TenantOrigin.objects.create(tenant=tenant, origin=CUSTOMER2)
        raise RuntimeError("rolled back")
    assert token() == before
    assert acao(client, CUSTOMER2) is None


def test_deleting_the_tenant_revokes_its_origins(client: Client) -> None:
    tenant = Tenant.objects.create(host="customer1.mysite.com")
    TenantOrigin.objects.create(tenant=tenant, origin=CUSTOMER1)
    assert acao(client, CUSTOMER1) == CUSTOMER1
    tenant.delete()  # cascades to its origins
    assert acao(client, CUSTOMER1) is None


def test_queryset_update_sends_no_signal_so_invalidate_by_hand(client: Client) -> None:
    tenant = Tenant.objects.create(host="customer1.mysite.com")
    TenantOrigin.objects.create(tenant=tenant, origin=CUSTOMER1)
    assert acao(client, CUSTOMER1) == CUSTOMER1
    TenantOrigin.objects.filter(origin=CUSTOMER1).update(origin=CUSTOMER2)
    assert acao(client, CUSTOMER1) == CUSTOMER1  # as documented: no signal, still cached
    transaction.on_commit(source.invalidate)
    assert acao(client, CUSTOMER1) is None
    assert acao(client, CUSTOMER2) == CUSTOMER2


def test_per_tenant_source_keys_on_the_host() -> None:
    one = Tenant.objects.create(host="customer1.mysite.com")
    Tenant.objects.create(host="customer2.mysite.com")
    TenantOrigin.objects.create(tenant=one, origin=CUSTOMER1)
    request1 = SimpleNamespace(host="customer1.mysite.com", path="/api/", method="GET")
    request2 = SimpleNamespace(host="customer2.mysite.com", path="/api/", method="GET")
    assert tenant_source(CUSTOMER1, request1) is True
    assert tenant_source(CUSTOMER1, request2) is False  # another tenant's origin
    TenantOrigin.objects.filter(tenant=one).delete()
    assert tenant_source(CUSTOMER1, request1) is False  # shares the version: dropped too


def test_many_to_many_changes_invalidate_through_the_through_model() -> None:
    from django.contrib.auth.models import Group, User

    probe = OriginSource(lambda origin: True, shared=versions)
    disconnect = invalidate_on_change(probe, User.groups.through)
    user = User.objects.create(username="someone")
    group = Group.objects.create(name="partners")
    tokens = [token()]
    user.groups.add(group)
    tokens.append(token())
    user.groups.remove(group)
    tokens.append(token())
    assert len(set(tokens)) == 3  # each change wrote a new token
    disconnect()
    user.groups.add(group)
    assert token() == tokens[-1]  # disconnected: nothing more
