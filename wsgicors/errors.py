"""What validation says about a configuration: problems, which stop it, and warnings.

:class:`ConfigError` is the one exception wsgicors raises: a configuration that must
not run, with every :class:`Problem`. A :class:`ConfigWarning` is about one that runs
but says more than it does (an entry with no effect); :func:`log_warnings` logs them
once at start-up.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple, TypeVar

from .vocabulary import ProblemCode, WarningCode

_log = logging.getLogger("wsgicors")


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
        return _renamed(self, names, prefix)


class ConfigWarning(NamedTuple):
    """One thing a configuration that starts says without effect, or in vain.

    A record, not an exception: :attr:`wsgicors.CORSPolicy.warnings` holds them, the
    middlewares and adapters log them once at start-up (:func:`log_warnings`), the
    Django checks report them as warnings. The fields are :class:`Problem`'s;
    ``code`` is one of :data:`wsgicors.vocabulary.WarningCode`.
    """

    code: WarningCode
    option: str
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.option}: {self.message} Fix: {self.hint}"

    def renamed(self, names: Mapping[str, str], prefix: str = "") -> ConfigWarning:
        """The warning in an adapter's vocabulary, as :meth:`Problem.renamed`."""
        return _renamed(self, names, prefix)


_Said = TypeVar("_Said", Problem, ConfigWarning)


def _renamed(said: _Said, names: Mapping[str, str], prefix: str) -> _Said:
    if not names:
        return said._replace(option=prefix + said.option)
    words = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")

    def swap(text: str) -> str:
        return words.sub(lambda match: names[match.group(1)], text)

    return said._replace(option=prefix + swap(said.option), message=swap(said.message),
                         hint=swap(said.hint))


# Anything but printable ASCII: a value read from an environment variable may hold a
# line break or a terminal escape, and a log line must stay one line.
_UNSAFE = re.compile(r"[^\x20-\x7e]")


def log_warnings(warnings: Iterable[ConfigWarning]) -> None:
    """Log each warning once, at WARNING level on the ``wsgicors`` logger.

    For start-up: the middlewares call it when they are built, the adapters with
    their warnings renamed into their vocabulary. Repeated warnings (one policy
    serving several paths) are logged once; control and non-ASCII characters are
    escaped.
    """
    for warning in dict.fromkeys(warnings):
        text = _UNSAFE.sub(lambda match: ascii(match[0])[1:-1], str(warning))
        _log.warning("CORS configuration: %s", text)


class ConfigError(ValueError):
    """Raised at start-up when a CORS configuration is invalid or unsafe.

    It lists every problem found, not only the first, so one edit fixes them all::

        >>> from wsgicors import CORSPolicy
        >>> CORSPolicy(allow_origins=["https://app.example.com/", "null"],
        ...            allow_credentials=True)
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
