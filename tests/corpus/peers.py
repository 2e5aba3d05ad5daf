"""Each record under the peer its users come from, as a running app to probe.

django-cors-headers' middleware, flask-cors's ``CORS``/``cross_origin`` and
Starlette's ``CORSMiddleware``, installed in the venv; never our code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import flask_cors
from corsheaders.middleware import CorsMiddleware as DjangoCorsHeaders
from starlette.middleware.cors import CORSMiddleware as StarletteCORS

from .apps import asgi_app, asgi_sender, django_sender, django_settings, flask_app, flask_sender
from .oracle import Sender
from .records import Record, materialize

PEERS = {
    "django": "django-cors-headers", "flask": "flask-cors", "fastapi": "Starlette",
}


@contextmanager
def peer(record: Record) -> Iterator[Sender]:
    """A Sender for *record*'s configuration under its peer (Django settings in force)."""
    options = materialize(record.options)
    if record.framework == "django":
        with django_settings(options):
            yield django_sender(DjangoCorsHeaders, record.path)
    elif record.framework == "flask":
        app = flask_app(record.form, options, flask_cors.CORS, flask_cors.cross_origin)
        yield flask_sender(app, record.path)
    else:
        yield asgi_sender(asgi_app(StarletteCORS, options), record.path)
