"""wsgicors: CORS for WSGI applications, validated at start-up.

::

    from wsgicors import CORSMiddleware

    app = CORSMiddleware(app, allow_origins=["https://app.example.com"])
"""

from .config import DEFAULT_HEADERS, DEFAULT_METHODS
from .engine import Decision, explain, is_preflight
from .errors import ConfigError, ConfigWarning, Problem
from .middleware import CORSMiddleware
from .paths import Routes
from .policy import CORSPolicy

__all__ = [
    "DEFAULT_HEADERS",
    "DEFAULT_METHODS",
    "CORSMiddleware",
    "CORSPolicy",
    "ConfigError",
    "ConfigWarning",
    "Decision",
    "Problem",
    "Routes",
    "explain",
    "is_preflight",
]
__version__ = "0.1.0"
