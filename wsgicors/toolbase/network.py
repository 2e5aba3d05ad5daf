"""The options of the tools that talk to servers, and the TLS context they ask for."""

from __future__ import annotations

import argparse
import ssl

from .errors import ToolError


def add_network_options(parser: argparse.ArgumentParser, timeout: float) -> None:
    """``--timeout SECONDS`` (default *timeout*) and ``--insecure``."""
    parser.add_argument("--timeout", type=float, default=timeout, metavar="SECONDS",
                        help=f"seconds to wait for each request (default {timeout:g})")
    parser.add_argument("--insecure", action="store_true",
                        help="do not verify TLS certificates (a development server's "
                             "self-signed one)")


def timeout_of(args: argparse.Namespace) -> float:
    """The ``--timeout`` value; ToolError unless it is a positive number."""
    seconds = float(args.timeout)
    if not seconds > 0:
        raise ToolError("--timeout must be a positive number of seconds")
    return seconds


def tls_context(insecure: bool) -> ssl.SSLContext | None:
    """The TLS context for ``--insecure``: one that verifies nothing; otherwise None
    (the transport then uses the default context, which verifies certificates)."""
    if not insecure:
        return None
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
