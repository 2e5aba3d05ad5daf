"""Entry point for the server subprocesses: the app comes from the environment.

``WSGICORS_E2E_ADAPTER`` (raw, flask, django; asgi: Starlette, ASGI only) and ``WSGICORS_E2E_PROFILE`` (JSON
options, see apps.profiles). gunicorn and waitress load ``tests.e2e.serve:app``;
uvicorn loads ``tests.e2e.serve:asgi_app``.
"""

from __future__ import annotations

import json
import os
from typing import Any

from . import apps


def _profile() -> dict[str, Any]:
    return dict(json.loads(os.environ["WSGICORS_E2E_PROFILE"]))


def make_wsgi() -> apps.WSGIApp:
    """The WSGI application described by the environment."""
    return apps.build(os.environ["WSGICORS_E2E_ADAPTER"], _profile())


def make_asgi() -> Any:
    """The ASGI application described by the environment (Django's, or Starlette's)."""
    if os.environ["WSGICORS_E2E_ADAPTER"] == "asgi":
        return apps.AsgiCounting(apps.starlette_cors_app(_profile()))
    from . import djsite

    return apps.AsgiCounting(djsite.asgi_application(_profile()))


if os.environ.get("WSGICORS_E2E_ASGI"):
    asgi_app = make_asgi()
else:
    app = make_wsgi()
