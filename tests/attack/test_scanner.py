"""CORScanner (the ``cors`` package from PyPI) against live servers: zero findings.

The scanner lives in its own virtualenv (tests/support/scanner.py) and runs in a
subprocess. It derives its probe origins from the scanned host
(``127.0.0.1.evil.com``, ``evil.127.0.0.1``, ``127.0.0a1``, special characters after
the host...), so the allowlists list ``http://127.0.0.1``, the host scanned; a dotless
host such as ``localhost`` would turn its "unescaped dot" probe into the host itself. The same scan of a deliberately broken
app that reflects any origin must report it, so a silent scanner cannot pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e import apps, servers
from tests.e2e.apps import require_adapter
from tests.support.figures import record
from tests.support.scanner import scan, scanner_python

pytestmark = [pytest.mark.server, pytest.mark.slow]
__all__ = ["scanner_python"]  # the fixture, imported to use it here

CONFIGS: dict[str, dict[str, Any]] = {
    "exact-list": {"allow_origins": ["http://127.0.0.1", "http://localhost:3000"]},
    "subdomain-pattern": {"allow_origins": ["http://127.0.0.1", "http://*.localhost"]},
    "credentials": {"allow_origins": ["http://127.0.0.1", "http://*.localhost:8443"],
                    "allow_credentials": True, "expose_headers": ["x-exposed"]},
}
_findings: dict[str, Any] = {}


@pytest.fixture(scope="module", params=[(a, c) for a in apps.ADAPTERS for c in CONFIGS],
                ids=[f"{a}-{c}" for a in apps.ADAPTERS for c in CONFIGS])
def target(request: pytest.FixtureRequest) -> Iterator[tuple[str, servers.Server]]:
    adapter, config = request.param
    require_adapter(adapter)
    with servers.start("gunicorn-gthread", adapter, CONFIGS[config]) as server:
        yield f"{adapter}-{config}", server


def test_scanner_finds_nothing(scanner_python: Path,
                               target: tuple[str, servers.Server]) -> None:
    name, server = target
    # The scanned URL really answers CORS for its own host (a 400 would scan clean).
    control = httpx.get(f"{server.url}/data", headers={"Origin": "http://127.0.0.1"}, timeout=10)
    assert control.headers["access-control-allow-origin"] == "http://127.0.0.1"
    found = scan(scanner_python, f"http://127.0.0.1:{server.port}/data")
    _findings[name] = found.get("type", "none")
    record("scanner findings", dict(sorted(_findings.items())))
    assert found == {}


def test_scanner_catches_a_reflecting_app(scanner_python: Path) -> None:
    """Control: the same scan flags an app that reflects any origin with credentials."""
    with servers.start("gunicorn-gthread", "broken-reflect", {}) as server:
        found = scan(scanner_python, f"http://127.0.0.1:{server.port}/data")
    record("scanner finding on broken reflect app", found.get("type"))
    assert found.get("type") == "reflect_origin"
    assert found.get("credentials") in (True, "true")
