"""How each adapter spells wsgicors's options: the names the tools' fixes are written in.

A fix says "add 'PUT' to methods" to a Flask user and "add 'PUT' to
CORS_ALLOW_METHODS" to a Django user. This module is the one place the tools learn
those names; each adapter owns its vocabulary and exports it as data
(``wsgicors_flask.options.OPTION_SPELLING``, ``wsgicors_django.conf.OPTION_SPELLING``),
read from there.
"""

from __future__ import annotations

from collections.abc import Mapping

from wsgicors_flask.options import OPTION_SPELLING


def flask_names() -> Mapping[str, str]:
    """wsgicors option -> the flask-cors name a ``wsgicors_flask`` user writes (only
    where they differ); read from the Flask adapter (readable without Flask)."""
    return OPTION_SPELLING


def django_names() -> Mapping[str, str]:
    """wsgicors option -> the django-cors-headers setting a ``wsgicors_django`` user
    writes (``allow_origins`` -> ``CORS_ALLOWED_ORIGINS``...); read from the Django
    adapter, empty without Django."""
    try:
        from wsgicors_django.conf import OPTION_SPELLING
    except ImportError:
        return {}
    return OPTION_SPELLING


def everywhere(option: str) -> str:
    """*option* as wsgicors, ``wsgicors_flask`` and ``wsgicors_django`` spell it, e.g.
    ``allow_methods (Flask: methods; Django: CORS_ALLOW_METHODS)``."""
    spelled = [f"Flask: {flask_names().get(option, option)}"]
    django = django_names().get(option)
    if django is not None:
        spelled.append(f"Django: {django}")
    return f"{option} ({'; '.join(spelled)})"
