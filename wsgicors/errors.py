"""The one exception wsgicors raises: a configuration that must not run."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from .vocabulary import ProblemCode


class Problem(NamedTuple):
    """One thing wrong with a configuration.

    ``code`` is a stable identifier, one of :data:`wsgicors.vocabulary.ProblemCode`
    (adapters map it to their own IDs, e.g. Django system checks), ``option`` names
    the setting, ``message`` says what is wrong with which value and ``hint`` says
    what to write instead.
    """

    code: ProblemCode
    option: str
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.option}: {self.message} Fix: {self.hint}"

    def renamed(self, names: Mapping[str, str], prefix: str = "") -> Problem:
        """The problem in an adapter's vocabulary: every option name in *names* is
        replaced, in ``option``, ``message`` and ``hint``, so a hint never names an
        option the user's API does not have. *prefix* goes before ``option``.
        """
        if not names:
            return self._replace(option=prefix + self.option)
        words = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")

        def swap(text: str) -> str:
            return words.sub(lambda match: names[match.group(1)], text)

        return Problem(self.code, prefix + swap(self.option), swap(self.message),
                       swap(self.hint))


class ConfigError(ValueError):
    """Raised at start-up when a CORS configuration is invalid or unsafe.

    It lists every problem found, not only the first, so one edit fixes them all::

        >>> from wsgicors import CORSPolicy
        >>> CORSPolicy(allow_origins=["https://app.example.com/", "null"])
        Traceback (most recent call last):
        ...
        wsgicors.errors.ConfigError: 2 problems in the CORS configuration:
          - allow_origins: 'https://app.example.com/' has a path or trailing slash; ...
          - allow_origins: 'null' is the origin of every sandboxed iframe ...

    The problems are available as :attr:`problems` (a list of :class:`Problem`).
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = "1 problem" if count == 1 else f"{count} problems"
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{head} in the CORS configuration:\n{lines}")
