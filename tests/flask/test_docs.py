"""The ``>>>`` examples of docs/flask.rst run against a real Flask app."""

from __future__ import annotations

from tests.flask.support import ALLOWED, make_app
from tests.support.docs import page, run_examples
from wsgicors_flask import CORS


def test_examples_in_flask_page_run() -> None:
    app = make_app()
    CORS(app, resources={r"/api/*": {"origins": [ALLOWED]}})
    assert run_examples(page("flask.rst"), "flask.rst", {"app": app}) > 0
