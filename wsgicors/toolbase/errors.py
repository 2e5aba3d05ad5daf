"""One error type and one set of exit statuses for every ``wsgicors`` command."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    """The exit statuses of every ``wsgicors`` command.

    Each command's ``--help`` says what they mean for it (:class:`~.command.Command`).
    """

    #: check: allowed; explain: nothing refused; audit: no finding at ``--fail-on`` or
    #: above; proxy: stopped with Ctrl+C.
    OK = 0
    #: check: blocked; explain: a request refused; audit: findings.
    FAILED = 1
    #: The command could not do its work: bad arguments or configuration, a network or
    #: browser error; the proxy refused to start. The reason is one line on stderr.
    ERROR = 2


class ToolError(Exception):
    """A tool cannot do what it was asked: the message says why, in one line for the user.

    Bad arguments, an unreachable server, a browser that does not answer, a proxy that
    refuses to start: the command prints the message and exits with :attr:`Exit.ERROR`.
    """
