"""wsgicors for Flask: a drop-in replacement for flask-cors.

::

    from flask import Flask
    from wsgicors_flask import CORS, cross_origin

    app = Flask(__name__)
    CORS(app, origins=["https://app.example.com"], supports_credentials=True)

Every CORS decision is made by the :mod:`wsgicors` engine; this package translates
flask-cors's options into a :class:`wsgicors.CORSPolicy` and hooks the engine in
front of ``Flask.wsgi_app``.

The names that need Flask are imported on first use, so that the option vocabulary
(:data:`wsgicors_flask.options.OPTION_SPELLING`) can be read without Flask installed
(the tools write Flask configurations for servers they only reach over the network).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wsgicors import ConfigError, CORSPolicy, Problem

if TYPE_CHECKING:
    from .extension import CORS, cross_origin
    from .layer import CORSLayer

__all__ = ["CORS", "CORSLayer", "CORSPolicy", "ConfigError", "Problem", "cross_origin"]

_NEED_FLASK = {"CORS": "extension", "cross_origin": "extension", "CORSLayer": "layer"}


def __getattr__(name: str) -> Any:
    module = _NEED_FLASK.get(name)
    if module is None:
        raise AttributeError(f"module 'wsgicors_flask' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
