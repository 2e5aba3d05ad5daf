"""Fixtures of the doctor tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .behaviours import Stage, staged
from .catalogue import CATALOGUE


@pytest.fixture(scope="module")
def stage() -> Iterator[Stage]:
    """The whole catalogue served on one raw server, for one test module."""
    with staged(CATALOGUE) as served:
        yield served
