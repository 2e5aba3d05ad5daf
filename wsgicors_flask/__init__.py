"""wsgicors for Flask: a drop-in replacement for flask-cors.

::

    from flask import Flask
    from wsgicors_flask import CORS, cross_origin

    app = Flask(__name__)
    CORS(app, origins=["https://app.example.com"], supports_credentials=True)

Every CORS decision is made by the :mod:`wsgicors` engine; this package translates
flask-cors's options into a :class:`wsgicors.CORSPolicy` and hooks the engine in
front of ``Flask.wsgi_app``.
"""

from wsgicors import ConfigError, CORSPolicy, Problem

from .extension import CORS, cross_origin
from .layer import CORSLayer

__all__ = ["CORS", "CORSLayer", "CORSPolicy", "ConfigError", "Problem", "cross_origin"]
