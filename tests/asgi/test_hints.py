"""Every problem and warning of the engine, read by a Starlette user (issue 20 items 6, 7).

wsgicors.asgi takes Starlette's keywords, which are wsgicors's own, plus every other
CORSPolicy option: each trigger of tests/support/triggers.py is reported under the
keyword given, never garbled, and a hint that suggests a value gives options that start.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.corpus.records import Record
from tests.support import triggers
from wsgicors import ConfigError
from wsgicors.adapter import OPTION_NAMES
from wsgicors.asgi import CORSMiddleware

from .support import Site

OWN = {*OPTION_NAMES, "policy", "paths"}
CASES = [pytest.param(code, options, id=f"{code}-{index}")
         for code, cases in triggers.PROBLEMS.items() for index, options in enumerate(cases)]
WARNED = [pytest.param(code, options, id=f"{code}-{index}")
          for code, cases in triggers.WARNINGS.items() for index, options in enumerate(cases)]


@pytest.mark.parametrize(("code", "options"), CASES)
def test_every_problem_in_starlettes_words(code: str, options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as caught:
        CORSMiddleware(Site().starlette(), **triggers.materialized(options))
    problems = caught.value.problems
    assert code in {problem.code for problem in problems}
    for problem in problems:
        assert problem.option in OWN or problem.option in options
        for text in (problem.message, problem.hint):
            assert triggers.misworded(text, OWN, set()) == [], text


@pytest.mark.parametrize(("code", "options"), WARNED)
def test_every_warning_logged_in_starlettes_words(
    code: str, options: dict[str, Any], caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="wsgicors"):
        CORSMiddleware(Site().starlette(), **options)
    lines = [record.getMessage() for record in caplog.records if record.name == "wsgicors"]
    assert lines
    assert all(triggers.misworded(line, OWN, set()) == [] for line in lines), lines


@pytest.mark.parametrize(("code", "options"), [
    case for case in CASES if "allow_origin_func" not in case.values[1]])
def test_a_suggested_value_starts(code: str, options: dict[str, Any]) -> None:
    """Apply what each hint says, as a user would; one of the ways starts."""
    if not {"allow_origins", "allow_origin_regex"} & set(options):
        # Starlette's defaults allow no origin: CORSMiddleware(app) alone is an error.
        options = {"allow_origins": ["https://app.example.com"], **options}
    record = Record(f"hint-{code}", "fastapi", "add_middleware", options, code, "safe")
    triggers.assert_a_suggested_fix_starts(record)
