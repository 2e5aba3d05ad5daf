"""The CORS doctor: do what a browser does against a server, and say what to change.

* :mod:`~wsgicors.doctor.vocabulary`: the browsers and failure kinds, as types;
* :mod:`~wsgicors.doctor.browser`: the browser model, the client side of the CORS
  protocol as Chromium and Firefox implement it (pure functions);
* :mod:`~wsgicors.doctor.responses`: HTTP/1.1 responses as each browser reads them;
* :mod:`~wsgicors.doctor.messages`: the console messages each browser prints;
* :mod:`~wsgicors.doctor.transport`: HTTP transports, the network (with its own
  bounded HTTP/1.1 reader) or a WSGI or ASGI application in process;
* :mod:`~wsgicors.doctor.fetch`: :func:`check`, one ``fetch()`` played over a transport;
* :mod:`~wsgicors.doctor.advice`: the fixes, in HTTP terms and in the user's options,
  and :mod:`~wsgicors.doctor.fix`: the whole fix, every header each response needs
  and the configuration for the user's stack; :mod:`~wsgicors.doctor.cookies`: what
  the browsers' cookie rules refuse across sites;
* :mod:`~wsgicors.doctor.report`: the :class:`Report`, as JSON and as text;
* :mod:`~wsgicors.doctor.live`: the same request in a real headless browser
  (``check --browser``), and :mod:`~wsgicors.doctor.agreement`: whether it did what
  the report predicted;
* :mod:`~wsgicors.doctor.cli`: the ``check`` and ``explain`` subcommands of the
  ``wsgicors`` command (:mod:`wsgicors.cli`).

It works without a server, in a test suite::

    report = check(WSGITransport(app), "https://localhost/api/items",
                   origin="https://app.example.com", method="PUT")
    assert report.allowed, report.outcomes["chrome"].message

Errors (an unreachable server, a request no browser can send) raise
:class:`~wsgicors.toolbase.errors.ToolError`, the one error of every wsgicors tool.
"""

from ..toolbase.errors import ToolError
from .fetch import check, origin_of, parse_header
from .report import Exchange, Fix, Outcome, Report
from .transport import HTTPTransport, Transport, WSGITransport

#: The former name of :class:`~wsgicors.toolbase.errors.ToolError` (the same class).
DoctorError = ToolError

__all__ = [
    "DoctorError",
    "Exchange",
    "Fix",
    "HTTPTransport",
    "Outcome",
    "Report",
    "ToolError",
    "Transport",
    "WSGITransport",
    "check",
    "origin_of",
    "parse_header",
]
