"""Fixtures of the end-to-end suite: browser runs are shared by all their scenarios."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.figures import record

from . import harness

RunResults = dict[str, dict[str, Any]]


@pytest.fixture(scope="session")
def browser_runs() -> Callable[[str, str, str], RunResults]:
    """``get(browser, adapter, kind)``: the results of that run, made on first use."""
    cache: dict[tuple[str, str, str], RunResults | BaseException] = {}

    def get(browser: str, adapter: str, kind: str) -> RunResults:
        key = (browser, adapter, kind)
        if key not in cache:
            try:
                cache[key] = harness.run(browser, adapter, kind)
            except Exception as exc:  # one broken run fails its scenarios, once each
                cache[key] = exc
        found = cache[key]
        if isinstance(found, BaseException):
            raise AssertionError(f"{browser}/{adapter}/{kind} run failed: {found}") from found
        return found

    return get


_passed: dict[str, int] = {}
_outcomes: dict[str, int] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count browser scenario outcomes per run, for tests/attack/figures.json."""
    if report.when != "call" or "test_scenario[" not in report.nodeid:
        return
    found = re.search(r"-(\w+@[\w-]+)-(chromium|firefox|webkit)\]$", report.nodeid)
    if found is None:
        return
    key = f"{found[2]}/{found[1]}"
    _outcomes[key] = _outcomes.get(key, 0) + 1
    if report.passed:
        _passed[key] = _passed.get(key, 0) + 1


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Record how many scenarios passed in each (browser, adapter@server) run."""
    for key, total in sorted(_outcomes.items()):
        record(f"browser {key}", {"passed": _passed.get(key, 0), "run": total})
