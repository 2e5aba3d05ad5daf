"""Fixtures for the core tests; shared helpers live in support.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.core.support import hello_app


@pytest.fixture
def calls() -> Callable[[], int]:
    """How many times the wrapped app ran since the test started."""
    hello_app.calls = 0  # type: ignore[attr-defined]
    return lambda: hello_app.calls  # type: ignore[attr-defined,no-any-return]
