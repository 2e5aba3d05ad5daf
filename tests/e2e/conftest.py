"""Fixtures of the end-to-end suite: browser runs are shared by all their scenarios."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from . import apps, browsers, harness

RunResults = dict[str, dict[str, Any]]


def require_browser(browser: str) -> None:
    """Skip when *browser* is missing outside CI; in CI a missing browser is a failure."""
    if browsers.binary(browser) is None:
        message = f"{browsers.BROWSERS[browser]} is not installed (apt-get install it)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must run the browser suite")
        pytest.skip(message)


def require_adapter(adapter: str) -> None:
    """Skip with the name of the missing package when an adapter has not landed."""
    missing = apps.adapter_missing(adapter)
    if missing:
        pytest.skip(missing)


@pytest.fixture(scope="session")
def browser_runs() -> Callable[[str, str], RunResults]:
    """``get(browser, adapter)``: the results of that run, made on first use."""
    cache: dict[tuple[str, str], RunResults | BaseException] = {}

    def get(browser: str, adapter: str) -> RunResults:
        key = (browser, adapter)
        if key not in cache:
            try:
                cache[key] = harness.run(browser, adapter)
            except Exception as exc:  # one broken run fails its scenarios, once each
                cache[key] = exc
        found = cache[key]
        if isinstance(found, BaseException):
            raise AssertionError(f"{browser}/{adapter} run failed: {found}") from found
        return found

    return get
