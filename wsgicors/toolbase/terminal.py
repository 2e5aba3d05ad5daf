"""Output for a terminal: every untrusted character escaped, colour only where wanted.

Everything a server or a user's configuration says is untrusted: the text a tool
prints goes through :func:`escape`, which writes every control character (line feeds
and tabs included) as an escape sequence, so no value can forge lines of a report or
drive the terminal. JSON output escapes by itself.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from typing import TextIO

__all__ = ["COLOR_CHOICES", "Style", "Write", "add_color_option", "escape", "writer"]

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: The values of every command's ``--color`` option.
COLOR_CHOICES = ("auto", "always", "never")

#: ``write(*parts)``: print one line (see :func:`writer`).
Write = Callable[..., None]


def escape(text: str) -> str:
    """*text* with every control character written as ``\\xNN`` (or ``\\uNNNN``)."""
    return _CONTROL.sub(lambda m: ascii(m.group())[1:-1], text)


class _Styled(str):
    """Text already escaped and coloured: the writer passes it through unchanged."""


class Style:
    """Wrap text in an ANSI colour code, or leave it plain when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, code: str) -> str:
        clean = escape(text)
        return _Styled(f"\x1b[{code}m{clean}\x1b[0m" if self.enabled else clean)

    @classmethod
    def for_output(cls, choice: str, out: TextIO) -> Style:
        """Colour for ``--color auto|always|never`` (auto: a terminal without NO_COLOR)."""
        if choice != "auto":
            return cls(choice == "always")
        return cls(out.isatty() and "NO_COLOR" not in os.environ)


def writer(out: TextIO) -> Write:
    """``write(*parts)``: one line of output, every part escaped unless already styled."""

    def write(*parts: str) -> None:
        print("".join(p if isinstance(p, _Styled) else escape(p) for p in parts), file=out)

    return write


def add_color_option(parser: argparse.ArgumentParser) -> None:
    """The ``--color`` option, the same in every command."""
    parser.add_argument("--color", choices=COLOR_CHOICES, default="auto",
                        help="colour the output: auto (the default) on a terminal unless "
                             "the NO_COLOR environment variable is set, always, or never")
