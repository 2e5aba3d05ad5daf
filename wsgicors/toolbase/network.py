"""The options of the tools that talk to servers, their time limits, and the TLS
context they ask for."""

from __future__ import annotations

import argparse
import ssl

from .errors import ToolError

#: A whole ``check``, or the audit of one URL, ends within this many ``--timeout``.
SERIES_TIMEOUTS = 3
#: The longest ``--timeout`` taken (an hour).
MAX_TIMEOUT = 3600.0


def add_network_options(parser: argparse.ArgumentParser, timeout: float) -> None:
    """``--timeout SECONDS`` (default *timeout*) and ``--insecure``."""
    parser.add_argument(
        "--timeout", type=float, default=timeout, metavar="SECONDS",
        help=f"seconds each request may take, from resolving the host to the last byte "
             f"read (default {timeout:g}); the whole run for one URL ends within "
             f"{SERIES_TIMEOUTS} times that. With --app, an application that has not "
             f"answered by the deadline cannot be stopped safely: it is left running in "
             f"a background thread, gets no other request, and the command fails")
    parser.add_argument("--insecure", action="store_true",
                        help="do not verify TLS certificates (a development server's "
                             "self-signed one)")


def timeout_of(args: argparse.Namespace) -> float:
    """The ``--timeout`` value; ToolError unless a positive number of seconds, at most
    :data:`MAX_TIMEOUT`."""
    seconds = float(args.timeout)
    if not 0 < seconds <= MAX_TIMEOUT:  # also refuses NaN
        raise ToolError(f"--timeout must be a positive number of seconds, at most "
                        f"{MAX_TIMEOUT:g}")
    return seconds


def series_seconds(args: argparse.Namespace) -> float:
    """The seconds a whole run gets for one URL, every request included:
    :data:`SERIES_TIMEOUTS` times ``--timeout``."""
    return SERIES_TIMEOUTS * timeout_of(args)


def tls_context(insecure: bool) -> ssl.SSLContext | None:
    """The TLS context for ``--insecure``: one that verifies nothing; otherwise None
    (the transport then uses the default context, which verifies certificates)."""
    if not insecure:
        return None
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
