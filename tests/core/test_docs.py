"""The ``>>>`` examples of README, docs and docstrings run, and the docs list every
problem code the code can raise."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import wsgicors
from tests.support.docs import FLAGS, ROOT, page, run_examples

# Pages whose examples need a framework set up; they run in tests/flask and tests/django.
FRAMEWORK_PAGES = {"flask.rst", "django.rst"}


@pytest.mark.parametrize("path", [ROOT / "README.md", *sorted(
    doc for doc in (ROOT / "docs").glob("*.rst") if doc.name not in FRAMEWORK_PAGES)],
    ids=lambda path: path.name)
def test_examples_in_readme_and_docs_run(path: Path) -> None:
    run_examples(path.read_text(encoding="utf-8"), path.name)


def _modules() -> list[str]:
    names = ["wsgicors"]
    for info in pkgutil.walk_packages(wsgicors.__path__, "wsgicors."):
        if not info.name.endswith("__main__"):  # importing it runs the command
            names.append(info.name)
    return names


@pytest.mark.parametrize("module_name", _modules())
def test_docstring_examples_run(module_name: str) -> None:
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:  # an optional dependency (a framework) is missing
        pytest.skip(str(exc))
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in finder.find(module, module_name):
        runner.run(test, out=lambda report: pytest.fail(report, pytrace=False))


def _problem_codes() -> set[str]:
    """Every code a Problem(...) or a ConfigWarning(...) in the packages is built with."""
    codes: set[str] = set()
    for package in ("wsgicors", "wsgicors_flask", "wsgicors_django"):
        for source in (ROOT / package).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            codes.update(re.findall(r'(?:Problem|ConfigWarning)\(\s*"([a-z][a-z-]+)"', text))
    return codes


def test_validation_page_lists_every_problem_code() -> None:
    text = page("validation.rst")
    codes = _problem_codes()
    assert len(codes) > 30
    missing = sorted(code for code in codes if f"``{code}``" not in text)
    assert missing == []
