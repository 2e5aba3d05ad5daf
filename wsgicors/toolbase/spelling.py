"""How each adapter spells wsgicors's options: the names the tools' fixes are written in.

A fix says "add 'PUT' to methods" to a Flask user and "add 'PUT' to
CORS_ALLOW_METHODS" to a Django user. This module is the one place the tools learn
those names; each adapter owns its vocabulary, and once an adapter exports it as data
(``wsgicors_flask.options.OPTION_SPELLING``, ``wsgicors_django.conf``) the names here
are read from there.
"""

from __future__ import annotations

from collections.abc import Mapping

#: wsgicors option -> the flask-cors name a ``wsgicors_flask`` user writes (only where
#: they differ).
FLASK_NAMES: Mapping[str, str] = {
    "allow_origins": "origins", "allow_origin_regex": "origins",
    "allow_origin_func": "origins", "allow_methods": "methods",
    "allow_credentials": "supports_credentials", "paths": "resources",
}


def django_names() -> dict[str, str]:
    """wsgicors option -> the django-cors-headers setting a ``wsgicors_django`` user
    writes (``allow_origins`` -> ``CORS_ALLOWED_ORIGINS``...); empty without Django."""
    try:
        from wsgicors_django.conf import SETTINGS
    except ImportError:
        return {}
    names = {option: spec[0] for option, spec in SETTINGS.items()}
    names["paths"] = "CORS_URLS_REGEX or CORS_PATHS"
    return names


def everywhere(option: str) -> str:
    """*option* as wsgicors, ``wsgicors_flask`` and ``wsgicors_django`` spell it, e.g.
    ``allow_methods (Flask: methods; Django: CORS_ALLOW_METHODS)``."""
    spelled = [f"Flask: {FLASK_NAMES.get(option, option)}"]
    django = django_names().get(option)
    if django is not None:
        spelled.append(f"Django: {django}")
    return f"{option} ({'; '.join(spelled)})"
