"""Running the ``>>>`` examples of README, docs pages and docstrings under pytest."""

from __future__ import annotations

import doctest
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def page(name: str) -> str:
    """The text of ``docs/<name>``."""
    return (ROOT / "docs" / name).read_text(encoding="utf-8")


def run_examples(text: str, name: str, globs: dict[str, Any] | None = None) -> int:
    """Run the examples in *text*; return how many ran (fails the test on a mismatch)."""
    text = re.sub(r"(?m)^```.*$", "", text)  # a Markdown fence ends an example's output
    test = doctest.DocTestParser().get_doctest(text, dict(globs or {}), name, name, 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    result = runner.run(test, out=lambda report: pytest.fail(report, pytrace=False))
    return result.attempted
