"""What one corpus entry is: a configuration as its project writes it, and its class.

The class is the one the peer gives it (:mod:`tests.corpus.oracle` proves it by
sending requests), not what wsgicors does with it:

* ``insecure``: under the peer, an origin the configuration does not trust gets its
  origin echoed with ``Access-Control-Allow-Credentials: true``;
* ``broken``: under the peer, none of the origins the configuration is meant for gets
  a usable answer (never matches, or credentials asked for and never sent);
* ``safe``: neither.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Framework = Literal["django", "flask", "fastapi"]
Verdict = Literal["insecure", "broken", "safe"]

#: How a configuration reaches its framework.
#: django: ``settings`` (a settings.py block);
#: flask: ``CORS`` (``CORS(app, **options)``), ``app.config`` (``CORS_*`` keys, then
#: ``CORS(app)``), ``@cross_origin`` (the decorator on one view);
#: fastapi: ``add_middleware`` (``app.add_middleware(CORSMiddleware, **options)``).
FORMS: dict[Framework, tuple[str, ...]] = {
    "django": ("settings",),
    "flask": ("CORS", "app.config", "@cross_origin"),
    "fastapi": ("add_middleware",),
}

#: Tags for the causes of issue 21 (and the classics the corpus also covers).
CAUSES = {
    "forbidden-headers": "issue 21 cause 1: forbidden request headers in the allowed list",
    "loopback-regex": "issue 21 cause 2: loopback regexes (unescaped dots, ':*')",
    "lan-regex": "issue 21 cause 3: LAN-address regexes",
    "null-or-star-in-list": "issue 21 cause 4: 'null' or '*' mixed into a list",
    "star-plus-regex": "issue 21 cause 5: '*' plus a regex",
    "plain-http-credentials": "issue 21 cause 6: plain-http origins with credentials",
    "public-suffix-subtree": "issue 21: a regex over a public suffix (*.vercel.app...)",
    "doubled-backslash": "issue 21: doubled backslashes in a raw string",
    "allow-all-plus-list": "issue 21: CORS_ALLOW_ALL_ORIGINS plus a list",
    "option-typo": "issue 21: a misspelt option (support_credentials...)",
    "literal-wildcard": "issue 21: 'https://*.example.com' in a list (Starlette: literal)",
    "star-credentials": "every origin with credentials",
    "null-credentials": "'null' with credentials",
    "prefix-regex": "a regex matched as a prefix (re.match, no '$')",
    "unescaped-dot": "an unescaped '.' in a regex",
    "wildcard-regex": "a regex with '.*' where the domain should be",
    "not-serialized": "an origin browsers never send (path, upper case, default port)",
    "plain": "an ordinary configuration",
}


@dataclass(frozen=True)
class Rx:
    """A compiled regex in a configuration, stored as its source and flags."""

    pattern: str
    flags: int = 0

    def compile(self) -> re.Pattern[str]:
        """The ``re.compile(...)`` the project's code has."""
        return re.compile(self.pattern, self.flags)


@dataclass(frozen=True)
class Record:
    """One configuration of the corpus.

    ``options`` are the keyword arguments, ``app.config`` keys or settings exactly as
    the project writes them (compiled regexes as :class:`Rx`). ``meant`` are origins
    the configuration is written for (by default its exact origins); the oracle
    needs them to tell a broken configuration from a working one. ``path`` is where
    the probes are sent.
    """

    id: str
    framework: Framework
    form: str
    options: Mapping[str, Any]
    shape: str
    expected: Verdict
    cause: str = "plain"
    meant: tuple[str, ...] = ()
    path: str = "/api/items/"

    def __post_init__(self) -> None:
        if self.form not in FORMS[self.framework]:
            raise ValueError(f"{self.id}: form {self.form!r} is not one of {self.framework}'s")
        if self.cause not in CAUSES:
            raise ValueError(f"{self.id}: unknown cause {self.cause!r}")


def materialize(value: Any) -> Any:
    """A fresh copy of *value* with every :class:`Rx` compiled, for one app to own."""
    if isinstance(value, Rx):
        return value.compile()
    if isinstance(value, Mapping):
        return {key: materialize(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(materialize(item) for item in value)
    return value


def strings(value: Any) -> list[str]:
    """Every string in *value* (keys of mappings included; an Rx's source too)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Rx):
        return [value.pattern]
    if isinstance(value, Mapping):
        return [text for key, item in value.items() for text in (*strings(key), *strings(item))]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [text for item in value for text in strings(item)]
    return []


_EXACT_ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://[a-z0-9.-]+(?::[0-9]+)?")


def meant_origins(record: Record) -> tuple[str, ...]:
    """The origins *record* is written for: ``meant``, else its exact origins."""
    if record.meant:
        return record.meant
    return tuple(dict.fromkeys(text for text in strings(record.options)
                               if _EXACT_ORIGIN.fullmatch(text)))


def asks_credentials(options: Mapping[str, Any]) -> bool:
    """True if any option named like "credentials" is set to True, typos included.

    A misspelt ``support_credentials=True`` still says what the author wanted.
    """
    for key, value in options.items():
        if isinstance(key, str) and "credential" in key.lower() and value is True:
            return True
        if isinstance(value, Mapping) and asks_credentials(value):
            return True
    return False
