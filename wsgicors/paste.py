"""Paste Deploy filter factory: ``use = egg:pywsgicors#cors`` in a Pyramid/Paste ``.ini``.

::

    [filter:cors]
    use = egg:pywsgicors#cors
    allow_origins = https://app.example.com https://*.example.com
    allow_credentials = true
    max_age = 600

Lists are separated by whitespace or commas (regexes by whitespace only), booleans are
``true``/``false`` (also yes/no, on/off, 1/0), ``allow_origin_func`` is a
``module:callable`` path. Unknown option names are a ConfigError.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .adapter import (
    OPTION_NAMES,
    ConfigError,
    CORSMiddleware,
    CORSPolicy,
    Problem,
    unknown_option,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

_BOOLEANS = {"true": True, "yes": True, "on": True, "1": True,
             "false": False, "no": False, "off": False, "0": False}
_LISTS = ("allow_origins", "allow_methods", "allow_headers", "expose_headers")
_FLAGS = ("allow_credentials", "allow_private_network", "dangerously_allow_insecure_origins")


def parse_ini_options(raw: Mapping[str, str]) -> dict[str, Any]:
    """Turn ``.ini`` strings into CORSPolicy options; report every problem at once."""
    options: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, text in raw.items():
        value = text.strip()
        if name not in OPTION_NAMES:
            problems.append(unknown_option(name))
        elif name in _LISTS:
            items = [item for item in re.split(r"[\s,]+", value) if item]
            options[name] = "*" if items == ["*"] else items
        elif name == "allow_origin_regex":
            options[name] = value.split()
        elif name in _FLAGS:
            if value.lower() not in _BOOLEANS:
                problems.append(Problem("type", name, f"{value!r} is not a boolean.",
                                        f"write {name} = true or false."))
            else:
                options[name] = _BOOLEANS[value.lower()]
        elif name == "max_age":
            if not (value.isascii() and value.isdigit()):
                problems.append(Problem("type", name, f"{value!r} is not whole seconds.",
                                        "write max_age = 600."))
            else:
                options[name] = int(value)
        else:  # allow_origin_func
            options[name] = _import(value, problems)
    if problems:
        raise ConfigError(problems)
    return options


def _import(path: str, problems: list[Problem]) -> Callable[[str], bool] | None:
    module_name, _, attribute = path.partition(":")
    try:
        func: Callable[[str], bool] = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        problems.append(Problem("func-import", "allow_origin_func",
                                f"cannot import {path!r}: {exc}.",
                                "write allow_origin_func = package.module:function."))
        return None
    return func


def filter_factory(
    global_conf: Mapping[str, str], **local_conf: str
) -> Callable[[WSGIApplication], CORSMiddleware]:
    """Paste Deploy ``paste.filter_factory`` entry point named ``cors``."""
    policy = CORSPolicy.from_options(parse_ini_options(local_conf))

    def make_filter(app: WSGIApplication) -> CORSMiddleware:
        return CORSMiddleware(app, policy)

    return make_filter
