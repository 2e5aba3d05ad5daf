"""Fixtures of the proxy tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .support import Upstream, upstream_server


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    """The recording upstream, running for one test."""
    with upstream_server() as running:
        yield running
