"""``wsgicors audit`` against real servers of the ecosystem, and CORScanner beside it.

Each misconfigured server must get exactly its expected findings, each correctly
configured one none above ``info``. CORScanner (tests/support/scanner.py) scans the
same servers; both results go into the table docs/audit.rst shows, written by
:func:`_comparison` from what was measured here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from tests.support.figures import record
from tests.support.scanner import SCANNER, scan, scanner_python
from tests.support.servers import Server
from wsgicors.cli import main

from . import servers

pytestmark = [pytest.mark.server, pytest.mark.slow]
__all__ = ["scanner_python"]  # the fixture, imported to use it here

ROOT = Path(__file__).resolve().parents[2]
Start = Callable[[], AbstractContextManager[Server]]


def _nginx(config: tuple[str, str]) -> Start:
    return lambda: servers.nginx(config)


def _express(config: str) -> Start:
    return lambda: servers.express(config)


def _python(app: str) -> Start:
    return lambda: servers.python(app)


# name: (how to start it, what it is, expected findings {id: severity},
#        CORScanner's expected finding type or None)
SERVERS: dict[str, tuple[Start, str, dict[str, str], str | None]] = {
    "nginx-reflect": (
        _nginx(servers.NGINX_REFLECT), "add_header ... $http_origin, credentials",
        {"any-origin-reflected": "high", "null-origin-allowed": "high",
         "missing-vary-origin": "low"}, "reflect_origin"),
    "nginx-if-regex": (
        _nginx(servers.NGINX_IF_REGEX), "if ($http_origin ~ \"^https://(.+\\.)?example\\.com\")",
        {"prefix-match": "high", "any-subdomain-trusted": "low"}, None),
    "nginx-map": (_nginx(servers.NGINX_MAP), "map of exact origins", {}, None),
    "express-reflect": (
        _express("reflect"), "cors({origin: true, credentials: true})",
        {"any-origin-reflected": "high", "null-origin-allowed": "high"}, "reflect_origin"),
    "express-unanchored-regex": (
        _express("unanchored-regex"), "cors({origin: /app\\.example\\.com/, credentials: true})",
        {"prefix-match": "high", "insecure-scheme-trusted": "medium"}, None),
    "express-allowlist": (_express("allowlist"), "cors({origin: [...], credentials: true})",
                          {}, None),
    "flask-cors-prefix-regex": (
        _python("flask-cors-prefix-regex"), "origins=[r\"https://app\\.example\\.com\"]",
        {"prefix-match": "high", "missing-vary-origin": "low"}, None),
    "flask-cors-allowlist": (
        _python("flask-cors-allowlist"), "origins=[...], allow_headers=[...]",
        {"missing-vary-origin": "low"}, None),
    "django-cors-headers-prefix-regex": (
        _python("django-cors-headers-prefix-regex"),
        "CORS_ALLOWED_ORIGIN_REGEXES = [r\"^https://app\\.example\\.com\"]",
        {"prefix-match": "high"}, None),
    "django-cors-headers-allowlist": (
        _python("django-cors-headers-allowlist"), "CORS_ALLOWED_ORIGINS = [...]", {}, None),
    "starlette-wildcard-credentials": (
        _python("starlette-wildcard-credentials"),
        "allow_origins=[\"*\"], allow_credentials=True",
        {"any-origin-reflected": "high", "null-origin-allowed": "high"}, "reflect_origin"),
    "starlette-allowlist": (_python("starlette-allowlist"), "allow_origins=[...]", {}, None),
    "wsgicors": (_python("wsgicors"), "allow_origins=[...], allow_credentials=True", {}, None),
    "wsgicors-asgi": (_python("wsgicors-asgi"), "wsgicors.asgi.CORSMiddleware(allow_origins=[...], "
                      "allow_credentials=True)", {}, None),
}
_audited: dict[str, dict[str, str]] = {}
_scanned: dict[str, str | None] = {}


@pytest.fixture(scope="module", params=list(SERVERS))
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, Server]]:
    name = request.param
    try:
        with SERVERS[name][0]() as running:
            yield name, running
    except servers.Unavailable as exc:
        pytest.skip(str(exc))


def test_audit_finds_what_is_there(server: tuple[str, Server],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    name, running = server
    status = main(["audit", f"{running.url}/data", "--origin", servers.TRUSTED, "--json"])
    data = json.loads(capsys.readouterr().out)
    found = {f["id"]: f["severity"] for f in data["findings"]}
    _audited[name] = found
    expected = SERVERS[name][2]
    assert found == expected, running.log_tail()
    assert status == (1 if any(s != "info" for s in expected.values()) else 0)
    assert data["requests"] <= 60
    # The audit really reached a CORS-aware server: the trusted origin itself is allowed.
    assert data["notes"] == []


def test_corscanner_on_the_same_server(server: tuple[str, Server],
                                       scanner_python: Path) -> None:
    name, running = server
    found = scan(scanner_python, f"http://127.0.0.1:{running.port}/data")
    _scanned[name] = found.get("type")
    assert _scanned[name] == SERVERS[name][3]


@pytest.fixture(scope="module", autouse=True)
def _comparison() -> Iterator[None]:
    """After the module: the side-by-side table, if every server was measured by both."""
    yield
    if set(_audited) != set(SERVERS) or set(_scanned) != set(SERVERS):
        return
    record("audit findings", _audited)
    record("audit corscanner findings", _scanned)
    table = comparison_table()
    committed = ROOT / "docs" / "_audit_comparison.rst"
    if os.environ.get("WSGICORS_FIGURES"):
        committed.write_text(table)
    else:
        (ROOT / "build").mkdir(exist_ok=True)
        (ROOT / "build" / "_audit_comparison.rst").write_text(table)
        assert committed.read_text() == table, (
            "docs/_audit_comparison.rst differs from what was measured (build/"
            "_audit_comparison.rst): refresh it with WSGICORS_FIGURES=... pytest tests/audit")


def comparison_table() -> str:
    """The measured findings as an RST list-table."""
    lines = [".. list-table::", "   :header-rows: 1", "",
             "   * - server", "     - configuration", "     - wsgicors audit",
             f"     - CORScanner ({SCANNER})"]
    for name, (_start, what, _expected, _type) in SERVERS.items():
        found = ", ".join(f"``{i}`` ({s})" for i, s in _audited[name].items()) or "none"
        lines += [f"   * - {name}", f"     - ``{what}``", f"     - {found}",
                  f"     - ``{_scanned[name]}``" if _scanned[name] else "     - none"]
    return "\n".join(lines) + "\n"
