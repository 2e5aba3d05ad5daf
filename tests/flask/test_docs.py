"""The ``>>>`` examples of docs/flask.rst run against a real Flask app."""

from __future__ import annotations

import sys
from pathlib import Path

from flask_support import ALLOWED, make_app

from wsgicors_flask import CORS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from test_core_docs import ROOT, run_examples


def test_examples_in_flask_page_run() -> None:
    app = make_app()
    CORS(app, resources={r"/api/*": {"origins": [ALLOWED]}})
    page = (ROOT / "docs" / "flask.rst").read_text(encoding="utf-8")
    assert run_examples(page, "flask.rst", {"app": app}) > 0
