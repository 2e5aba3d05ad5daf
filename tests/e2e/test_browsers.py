"""Every scenario, in Chromium, Firefox and WebKit, against the raw, Flask, Django and ASGI
adapters.

Django runs twice: under gunicorn (WSGI) and under uvicorn (ASGI); the ASGI adapter
(wsgicors.asgi, in front of Starlette) runs under uvicorn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.browsers import BROWSERS, require_browser

from . import harness
from .apps import require_adapter
from .harness import expected_read
from .scenarios import SCENARIOS, Scenario

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.mark.parametrize("browser", sorted(BROWSERS))
@pytest.mark.parametrize(("adapter", "kind"), harness.RUNS,
                         ids=[f"{adapter}@{kind}" for adapter, kind in harness.RUNS])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(
    browser: str, adapter: str, kind: str, scenario: Scenario,
    browser_runs: Callable[[str, str, str], dict[str, dict[str, Any]]],
) -> None:
    require_browser(browser)
    require_adapter(adapter)
    results = browser_runs(browser, adapter, kind)
    got = results.get(scenario.name)
    assert got is not None, f"{scenario.name}: the page reported no result"
    outcome, read = scenario.expected(browser, adapter)
    want = expected_read(read, results["__ctx__"])
    observed = {key: got["read"].get(key) for key in want}
    where = f"{scenario.name} [{browser}/{adapter}@{kind}, frame {scenario.frame}]"
    assert (got["outcome"], observed) == (outcome, want), (
        f"{where}: expected {outcome} {want}, browser gave {got['outcome']} "
        f"{got['read']} (error: {got['error']})"
    )
