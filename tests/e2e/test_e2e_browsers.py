"""Every scenario, in Chromium and Firefox, against the raw, Flask and Django adapters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from . import apps, browsers
from .conftest import require_adapter, require_browser
from .harness import expected_read
from .scenarios import SCENARIOS, Scenario

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.mark.parametrize("browser", sorted(browsers.BROWSERS))
@pytest.mark.parametrize("adapter", apps.ADAPTERS)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(
    browser: str, adapter: str, scenario: Scenario,
    browser_runs: Callable[[str, str], dict[str, dict[str, Any]]],
) -> None:
    require_browser(browser)
    require_adapter(adapter)
    results = browser_runs(browser, adapter)
    got = results.get(scenario.name)
    assert got is not None, f"{scenario.name}: the page reported no result"
    want = expected_read(scenario.read, results["__ctx__"])
    observed = {key: got["read"].get(key) for key in want}
    where = f"{scenario.name} [{browser}/{adapter}, frame {scenario.frame}]"
    assert (got["outcome"], observed) == (scenario.expect, want), (
        f"{where}: expected {scenario.expect} {want}, browser gave {got['outcome']} "
        f"{got['read']} (error: {got['error']})"
    )
