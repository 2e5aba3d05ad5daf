"""The ``>>>`` examples of README, docs and docstrings run, and the docs list every
problem code the code can raise."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest

import wsgicors

ROOT = Path(__file__).resolve().parents[2]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
# Pages whose examples need a framework set up; they run in tests/flask and tests/django.
FRAMEWORK_PAGES = {"flask.rst", "django.rst"}


def run_examples(text: str, name: str, globs: dict[str, Any] | None = None) -> int:
    """Run the examples in *text*; return how many ran (fails the test on a mismatch)."""
    text = re.sub(r"(?m)^```.*$", "", text)  # a Markdown fence ends an example's output
    test = doctest.DocTestParser().get_doctest(text, dict(globs or {}), name, name, 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    result = runner.run(test, out=lambda report: pytest.fail(report, pytrace=False))
    return result.attempted


@pytest.mark.parametrize("path", [ROOT / "README.md", *sorted(
    page for page in (ROOT / "docs").glob("*.rst") if page.name not in FRAMEWORK_PAGES)],
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
    """Every code a Problem(...) in the packages is built with."""
    codes: set[str] = set()
    for package in ("wsgicors", "wsgicors_flask", "wsgicors_django"):
        for source in (ROOT / package).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            codes.update(re.findall(r'Problem\(\s*"([a-z][a-z-]+)"', text))
    return codes


def test_validation_page_lists_every_problem_code() -> None:
    page = (ROOT / "docs" / "validation.rst").read_text(encoding="utf-8")
    codes = _problem_codes()
    assert len(codes) > 30
    missing = sorted(code for code in codes if f"``{code}``" not in page)
    assert missing == []
