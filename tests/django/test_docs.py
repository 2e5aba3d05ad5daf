"""The ``>>>`` examples of docs/django.rst run against the test project's settings."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from test_core_docs import ROOT, run_examples


def test_examples_in_django_page_run() -> None:
    page = (ROOT / "docs" / "django.rst").read_text(encoding="utf-8")
    assert run_examples(page, "django.rst") > 0
