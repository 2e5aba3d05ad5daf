"""A subcommand of the ``wsgicors`` command, as a tool contributes it.

Each tool describes its subcommands with a :class:`Command` in its own ``cli``
module; the root command line (:mod:`wsgicors.cli`) adds them as argparse
subparsers, so every ``--help`` has the same parts: what the command does, an
example, and what its exit statuses mean.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .errors import Exit


@dataclass(frozen=True)
class Command:
    """One subcommand: its ``--help`` text, its arguments, and what runs it."""

    name: str
    #: One line in the list of commands (``wsgicors --help``).
    summary: str
    #: The paragraph at the top of ``wsgicors NAME --help``.
    description: str
    #: Example command lines, one per line.
    examples: str
    #: What each exit status means for this command.
    exits: Mapping[Exit, str]
    #: Adds the command's arguments to its parser.
    add_arguments: Callable[[argparse.ArgumentParser], None]
    #: Runs the command with the parsed arguments; returns the exit status. It raises
    #: :class:`~.errors.ToolError` when it cannot do its work.
    run: Callable[[argparse.Namespace], int]
    #: How the command's error message starts, after ``wsgicors NAME:``: for a
    #: :class:`~.errors.ToolError` (one line), and for an invalid CORS configuration
    #: (:class:`~wsgicors.ConfigError`, one line per problem).
    failure: str = "error"
    config_failure: str = "invalid CORS configuration"

    def epilog(self) -> str:
        """The examples and exit statuses, as ``--help`` shows them after the options."""
        lines = ["examples:", *(f"  {line}" for line in self.examples.splitlines())]
        lines += ["", "exit status:"]
        lines += [f"  {int(status)}  {meaning}" for status, meaning in sorted(self.exits.items())]
        return "\n".join(lines)

    def add_to(self, commands: argparse._SubParsersAction[argparse.ArgumentParser]
               ) -> argparse.ArgumentParser:
        """Add this command's parser to *commands* (the root's subparsers)."""
        parser = commands.add_parser(
            self.name, help=self.summary, description=_paragraphs(self.description),
            epilog=self.epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
        self.add_arguments(parser)
        parser.set_defaults(command=self)
        return parser


def _paragraphs(text: str, width: int = 79) -> str:
    """*text* wrapped to *width*, paragraph by paragraph (argparse would keep the lines
    as they are written, or join the paragraphs)."""
    return "\n\n".join(textwrap.fill(" ".join(p.split()), width) for p in text.split("\n\n"))
