"""The ``wsgicors`` command: ``check``, ``explain``, ``audit``, ``proxy``, ``report-summary``.

::

    wsgicors check https://api.example.com/items --origin https://app.example.com -X PUT
    wsgicors explain --config myproject.cors:policy --origin https://app.example.com
    wsgicors audit https://api.example.com/me --origin https://app.example.com
    wsgicors proxy https://api.example.com --allow-origin http://localhost:5173
    wsgicors report-summary /var/log/app/app.log

Each tool contributes its subcommands (a :class:`~wsgicors.toolbase.command.Command`
from its own ``cli`` module); this module only assembles them, runs the one asked
for, and turns a :class:`~wsgicors.toolbase.errors.ToolError` or a
:class:`~wsgicors.ConfigError` into one line on stderr and exit status 2.
``python -m wsgicors`` and the ``wsgicors`` console script both run :func:`main`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import ConfigError, __version__
from .audit.cli import AUDIT
from .doctor.cli import CHECK, EXPLAIN
from .proxy.cli import PROXY
from .rollout.cli import REPORT_SUMMARY
from .toolbase.command import Command
from .toolbase.errors import Exit, ToolError
from .toolbase.terminal import escape

#: The subcommands, in the order ``wsgicors --help`` lists them.
COMMANDS: tuple[Command, ...] = (CHECK, EXPLAIN, AUDIT, PROXY, REPORT_SUMMARY)

DESCRIPTION = """\
See your CORS configuration the way browsers do, and fix it. "check" sends a
cross-origin request the way Chromium, Firefox and WebKit do and prints what each browser
decides, the console message it shows, and the fix; "explain" prints a wsgicors
policy as browsers see it; "audit" looks for misconfigurations another site could
exploit; "proxy" adds CORS to a server you cannot change, for development;
"report-summary" says what a report-only policy would break if enforced.
"""
EPILOG = """\
Every command exits with 0 when all is well, 1 when the check failed (a browser
blocks the request, wsgicors refuses it, the audit has findings) and 2 when it could
not be done (the reason is one line on stderr). Run 'wsgicors COMMAND --help' for a
command's options, examples and exit statuses."""


def parser() -> argparse.ArgumentParser:
    """The ``wsgicors`` argument parser, with every command's subparser."""
    root = argparse.ArgumentParser(prog="wsgicors", description=DESCRIPTION, epilog=EPILOG)
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = root.add_subparsers(title="commands", dest="name", required=True,
                                   metavar="COMMAND")
    for command in COMMANDS:
        command.add_to(commands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (the console script exits with it)."""
    args = parser().parse_args(argv)
    command: Command = args.command
    try:
        return int(command.run(args))
    except ToolError as exc:
        print(f"wsgicors {command.name}: {command.failure}: {escape(str(exc))}",
              file=sys.stderr)
    except ConfigError as exc:  # its values are quoted (repr): no escaping to do
        print(f"wsgicors {command.name}: {command.config_failure}: {exc}", file=sys.stderr)
    return Exit.ERROR
