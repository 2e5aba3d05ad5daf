"""Fixtures for the wsgicors_flask tests."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.flask.support import make_app


@pytest.fixture
def app() -> Flask:
    """A fresh Flask app (PROPAGATE_EXCEPTIONS off, as in production)."""
    return make_app(PROPAGATE_EXCEPTIONS=False)
