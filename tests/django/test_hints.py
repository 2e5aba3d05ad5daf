"""Every problem and warning of the engine, read by a Django user (issue 20 item 6).

Each trigger of tests/support/triggers.py, written as settings, must be reported with
the settings' names only (no wsgicors keyword such as ``allow_origins``), never
garbled; and a hint that suggests a value must give settings that start.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.corpus.records import Record
from tests.support import triggers
from wsgicors.adapter import OPTION_NAMES
from wsgicors_django.checks import KNOWN_SETTINGS, check_settings
from wsgicors_django.conf import SETTINGS

NAMES = {option: spec[0] for option, spec in SETTINGS.items()}
#: Triggers Django has no setting for: an unknown keyword (a misspelt setting is a
#: warning of its own, W012).
NOT_SETTINGS = {"unknown-option"}


def django_settings(core: dict[str, Any]) -> dict[str, Any]:
    """*core* options as settings.py lines (``"*"`` is CORS_ALLOW_ALL_ORIGINS)."""
    values = triggers.materialized(core)
    result: dict[str, Any] = {}
    for name, value in values.items():
        if name == "allow_origins" and value == "*":
            result["CORS_ALLOW_ALL_ORIGINS"] = True
        elif name == "allow_origin_regex" and not isinstance(value, list):
            result[NAMES[name]] = [value]
        else:
            result[NAMES[name]] = value
    return result


CASES = [pytest.param(code, options, id=f"{code}-{index}")
         for code, cases in triggers.PROBLEMS.items() if code not in NOT_SETTINGS
         for index, options in enumerate(cases)]
WARNED = [pytest.param(code, options, id=f"{code}-{index}")
          for code, cases in triggers.WARNINGS.items() for index, options in enumerate(cases)]


def _checked(settings: Any, core: dict[str, Any]) -> list[Any]:
    del settings.CORS_ALLOWED_ORIGINS
    for name, value in django_settings(core).items():
        setattr(settings, name, value)
    return check_settings()


def _assert_in_django_words(messages: list[Any]) -> None:
    for message in messages:
        assert message.obj in KNOWN_SETTINGS, message
        for text in (message.msg, message.hint):
            assert triggers.misworded(text, set(KNOWN_SETTINGS), set(OPTION_NAMES)) == [], text


@pytest.mark.parametrize(("code", "core"), CASES)
def test_every_problem_in_django_words(settings: Any, code: str, core: dict[str, Any]) -> None:
    messages = _checked(settings, core)
    assert any(message.id.startswith("wsgicors.E") for message in messages), messages
    _assert_in_django_words(messages)


@pytest.mark.parametrize(("code", "core"), WARNED)
def test_every_warning_in_django_words(settings: Any, code: str, core: dict[str, Any]) -> None:
    messages = _checked(settings, core)
    assert messages and all(message.id.startswith("wsgicors.W") for message in messages)
    _assert_in_django_words(messages)


@pytest.mark.parametrize(("code", "core"), CASES)
def test_a_suggested_value_starts(code: str, core: dict[str, Any]) -> None:
    """Issue 20 item 7, as a property: apply what each hint says; one way starts."""
    record = Record(f"hint-{code}", "django", "settings", django_settings(core), code, "safe")
    triggers.assert_a_suggested_fix_starts(record)
