"""The multi-tenant Django app (tests/sources/tenants): its model signals, and revocation
across gunicorn processes through Django's RedisCache and a real redis-server.

Everything runs in processes of its own: the project has its own settings, and this
process's Django is configured for tests/django.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.servers import Server, free_port, python_env, spawn

HERE = Path(__file__).resolve().parent
SETTINGS = "tests.sources.djproject.settings"
CUSTOMER1 = "https://customer1.com"
POLL = 1.0  # tests/sources/tenants/cors.py


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environ = python_env(DJANGO_SETTINGS_MODULE=SETTINGS, **env)
    return subprocess.run([sys.executable, *args], env=environ, capture_output=True, text=True,
                          timeout=300, check=False)


def test_signals_bump_the_version_after_commit() -> None:
    # A pytest run of its own (pytest-django, LocMemCache, the app's migrations).
    suite = HERE / "djproject" / "suite.py"
    done = run(["-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite)])
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert done.stdout.splitlines()[-1].startswith("7 passed")


def test_migrations_match_the_models_and_checks_pass() -> None:
    done = run(["-m", "django", "makemigrations", "--check", "--dry-run", "tenants"])
    assert done.returncode == 0, done.stdout + done.stderr
    done = run(["-m", "django", "check"])  # the source as CORS_ALLOW_ORIGIN_FUNC included
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def shell(code: str, env: dict[str, str]) -> float:
    """Run *code* in ``manage.py shell`` (another process); when it had finished."""
    done = run(["-m", "django", "shell", "-c", code], **env)
    assert done.returncode == 0, done.stderr
    return time.monotonic()


@pytest.fixture(scope="module")
def workers(redis_port: int, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[list[Server], dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("tenants")
    env = {"TENANTS_DB": str(tmp / "tenants.sqlite3"),
           "REDIS_URL": f"redis://127.0.0.1:{redis_port}/2"}
    migrated = run(["-m", "django", "migrate", "--no-input"], **env)
    assert migrated.returncode == 0, migrated.stderr
    servers: list[Server] = []
    try:
        for index in range(2):
            port = free_port()
            command = [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread",
                       "--threads", "4", "--log-level", "warning", "-b", f"127.0.0.1:{port}",
                       "django.core.wsgi:get_wsgi_application()"]
            servers.append(spawn("gunicorn", "django", command, port,
                                 env=python_env(DJANGO_SETTINGS_MODULE=SETTINGS, **env),
                                 ready_path="/api/whoami/", log=tmp / f"gunicorn{index}.log"))
        yield servers, env
    finally:
        for server in servers:
            server.stop()


def answers(servers: list[Server], origin: str) -> list[tuple[int, str | None]]:
    result = []
    for server in servers:
        reply = httpx.get(server.url + "/api/whoami/", headers={"Origin": origin}, timeout=10)
        assert reply.status_code == 200, server.log_tail()
        result.append((reply.json()["pid"], reply.headers.get("access-control-allow-origin")))
    return result


@pytest.mark.server
def test_deleting_a_row_revokes_in_every_process_within_poll(
    workers: tuple[list[Server], dict[str, str]],
) -> None:
    servers, env = workers
    assert {allowed for _, allowed in answers(servers, CUSTOMER1)} == {None}
    added = shell("from tests.sources.tenants.models import Tenant\n"
                  "tenant = Tenant.objects.create(host='customer1.mysite.com')\n"
                  f"tenant.origins.create(origin={CUSTOMER1!r})", env)
    time.sleep(max(0.0, added + POLL - time.monotonic()))
    seen = [answer for _ in range(3) for answer in answers(servers, CUSTOMER1)]
    assert {allowed for _, allowed in seen} == {CUSTOMER1}  # the cached refusals dropped
    assert len({pid for pid, _ in seen}) == 2

    removed = shell("from tests.sources.tenants.models import TenantOrigin\n"
                    f"TenantOrigin.objects.get(origin={CUSTOMER1!r}).delete()", env)
    late = []
    while time.monotonic() < removed + POLL + 2.0:
        sent = time.monotonic()
        for _, allowed in answers(servers, CUSTOMER1):
            if sent >= removed + POLL:
                late.append(allowed)
    assert len(late) >= 2
    assert set(late) == {None}
