"""The ``>>>`` examples of docs/django.rst run against the test project's settings."""

from __future__ import annotations

from tests.support.docs import page, run_examples


def test_examples_in_django_page_run() -> None:
    assert run_examples(page("django.rst"), "django.rst") > 0
