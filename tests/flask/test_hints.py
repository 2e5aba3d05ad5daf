"""Every problem and warning of the engine, read by a flask-cors user (issue 20 item 6).

Each trigger of tests/support/triggers.py, written with flask-cors's options, must be
reported in flask-cors's words: no option Flask does not take, no garbled
substitution; and a hint that suggests a value must give a configuration that starts.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask

from tests.corpus.records import Record
from tests.support import triggers
from wsgicors import ConfigError
from wsgicors_flask import CORS, cross_origin
from wsgicors_flask.options import OPTION_NAMES

# Words of wsgicors's own API that a flask-cors user does not write (outside the
# policy=CORSPolicy(...) form, where they are right).
FOREIGN = {"allow_origins", "allow_origin_regex", "allow_methods", "allow_credentials"}
NAMES = {
    "allow_origins": "origins", "allow_methods": "methods",
    "allow_credentials": "supports_credentials",
}


def flask_options(core: dict[str, Any]) -> dict[str, Any] | None:
    """*core* options as a flask-cors user writes them (None: Flask has no such option)."""
    if "allow_origin_func" in core:
        return None  # only through policy=CORSPolicy(...), in wsgicors's words
    options: dict[str, Any] = {}
    for name, value in core.items():
        if name == "allow_origin_regex":  # flask-cors takes regexes among the origins
            origins = options.get("origins", [])
            options["origins"] = [*([origins] if isinstance(origins, str) else origins), value]
        else:
            options[NAMES.get(name, name)] = value
    return options


CASES = [pytest.param(code, options, id=f"{code}-{index}")
         for code, cases in triggers.PROBLEMS.items()
         for index, options in enumerate(cases) if flask_options(options) is not None]
WARNED = [pytest.param(code, options, id=f"{code}-{index}")
          for code, cases in triggers.WARNINGS.items() for index, options in enumerate(cases)]
FORMS = ["CORS", "@cross_origin"]


#: Triggers flask-cors reads otherwise: a '.*' inside an origin makes it a regex.
READ_AS_REGEX = {"origin-wildcard"}


def refusal(form: str, options: dict[str, Any]) -> list[Any]:
    with pytest.raises(ConfigError) as caught:
        if form == "CORS":
            CORS(Flask("hints"), **options)
        else:
            cross_origin(**options)(lambda: "x")
    return caught.value.problems


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("code", "core"), CASES)
def test_every_problem_in_flask_cors_words(form: str, code: str, core: dict[str, Any]) -> None:
    options = flask_options(core)
    assert options is not None
    problems = refusal(form, options)
    expected = "regex-unproven" if code in READ_AS_REGEX else code
    assert expected in {problem.code for problem in problems}, problems
    own = set(OPTION_NAMES)
    for problem in problems:
        _where, _sep, option = problem.option.rpartition(": ")
        assert option in own or (problem.code == "unknown-option" and option in options)
        for text in (problem.message, problem.hint):
            assert triggers.misworded(text, own, FOREIGN) == [], text


@pytest.mark.parametrize(("code", "core"), WARNED)
def test_every_warning_in_flask_cors_words(
    code: str, core: dict[str, Any], caplog: pytest.LogCaptureFixture,
) -> None:
    options = flask_options(core)
    assert options is not None
    with caplog.at_level(logging.WARNING, logger="wsgicors"):
        CORS(Flask("warned"), **options)
    lines = [record.getMessage() for record in caplog.records if record.name == "wsgicors"]
    assert lines
    for line in lines:
        assert triggers.misworded(line, set(OPTION_NAMES), FOREIGN) == [], line


@pytest.mark.parametrize(("code", "core"), CASES)
def test_a_suggested_value_starts(code: str, core: dict[str, Any]) -> None:
    """Issue 20 item 7, as a property: apply what each hint says; one way starts."""
    options = flask_options(core)
    assert options is not None
    record = Record(f"hint-{code}", "flask", "CORS", options, code, "safe")
    triggers.assert_a_suggested_fix_starts(record)
