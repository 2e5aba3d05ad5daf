"""Each record under wsgicors's adapter for its framework: started, or refused and why.

* Flask: ``wsgicors_flask.CORS(app, ...)``, ``app.config`` + ``CORS(app)``, or
  ``@wsgicors_flask.cross_origin(...)`` on a view, then one request (a decorator's
  policy may only be built then);
* Django: the record as the settings (``override_settings``, every other CORS
  setting removed), ``wsgicors_django.middleware.CorsMiddleware`` built as Django
  does at start-up, and the system checks' warnings;
* FastAPI/Starlette: ``wsgicors.asgi.CORSMiddleware(app, **options)``, what
  ``add_middleware`` builds.

The warnings wsgicors logs (logger ``wsgicors``) or the checks report are kept too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.checks import Warning as CheckWarning

import wsgicors_flask
from wsgicors import ConfigError, Problem
from wsgicors.asgi import CORSMiddleware as OurASGI
from wsgicors_django import checks
from wsgicors_django.middleware import CorsMiddleware as OurDjango

from .apps import asgi_app, asgi_sender, django_sender, django_settings, flask_app, flask_sender
from .oracle import Sender
from .records import Record, materialize


@dataclass
class Loaded:
    """What wsgicors did with a record."""

    problems: list[Problem]
    #: When the refusal came: "start" (construction, CORS(app), the middleware),
    #: "import" (a decorator) or "first request".
    stage: str = "start"
    warnings: list[str] = field(default_factory=list)
    #: Probes the running app (None when refused).
    send: Sender | None = None

    @property
    def started(self) -> bool:
        """True if wsgicors accepted the configuration."""
        return not self.problems

    @property
    def codes(self) -> set[str]:
        """The problem codes of the refusal."""
        return {problem.code for problem in self.problems}


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _logged() -> Iterator[list[str]]:
    handler = _Collect()
    logger = logging.getLogger("wsgicors")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


@contextmanager
def load(record: Record) -> Iterator[Loaded]:
    """wsgicors's verdict on *record*, with a Sender when it started."""
    options = materialize(record.options)
    if record.framework == "django":
        with django_settings(options):
            yield _django(record)
        return
    with _logged() as warnings:
        loaded = _flask(record, options) if record.framework == "flask" else _asgi(record, options)
    loaded.warnings += warnings
    yield loaded


def _django(record: Record) -> Loaded:
    warnings = [f"{message.id}: {message.msg}" for message in checks.check_settings()
                if isinstance(message, CheckWarning)]
    try:
        send = django_sender(OurDjango, record.path)
    except ConfigError as error:
        return Loaded(error.problems, warnings=warnings)
    return Loaded([], warnings=warnings, send=send)


def _flask(record: Record, options: dict[str, object]) -> Loaded:
    try:
        app = flask_app(record.form, options, wsgicors_flask.CORS, wsgicors_flask.cross_origin)
    except ConfigError as error:
        stage = "import" if record.form == "@cross_origin" else "start"
        return Loaded(error.problems, stage)
    send = flask_sender(app, record.path)
    try:
        send(["https://first-request.example"])
    except ConfigError as error:
        return Loaded(error.problems, "first request")
    return Loaded([], send=send)


def _asgi(record: Record, options: dict[str, object]) -> Loaded:
    try:
        app = asgi_app(OurASGI, options)
    except ConfigError as error:
        return Loaded(error.problems)
    return Loaded([], send=asgi_sender(app, record.path))
