"""Keep the secrets of ``--header`` values out of everything the audit prints.

A server under audit may echo what it was sent: a session cookie into a redirect's
``Location``, a whole ``Authorization`` value into a CORS header, half a token into
an error page. :class:`Redactor` knows the secret *parts* of the user's headers (each
cookie value, the credentials after an ``Authorization`` scheme, a Basic password,
each token of any other value) and replaces, in any text:

* every run of :data:`MIN_RUN` or more characters that occurs in a secret part, so
  an echo cut short, or a slice of a token, is caught as well as the whole value;
* every whole occurrence of a shorter part of :data:`MIN_PART` characters or more.

It is applied to the data first (evidence, notes, errors), before anything is
quoted, escaped or truncated for display, then once more to the finished text,
JSON and SARIF. Parts shorter than :data:`MIN_PART` characters (``1``, ``dark``)
are not secrets worth blanking every such word in a report for.
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse
from collections.abc import Iterable, Sequence
from typing import Any

#: Shown in place of a secret.
REDACTED = "<redacted>"
#: Shortest run of a secret's characters replaced wherever it appears.
MIN_RUN = 8
#: Shortest secret part replaced where it appears whole.
MIN_PART = 5
#: Headers whose value is ``scheme credentials``.
_AUTHORIZATION = frozenset({"authorization", "proxy-authorization"})
_TOKEN_SEPARATORS = re.compile(r"[\s,;]+")

Header = tuple[str, str]


def secret_parts(name: str, value: str) -> list[str]:
    """The parts of header *name*'s *value* that may be secret, longest first."""
    value = value.strip()
    lowered = name.strip().lower()
    if lowered == "cookie":
        parts = [_unquoted(pair.partition("=")[2].strip()) for pair in value.split(";")]
    elif lowered in _AUTHORIZATION:
        parts = _credentials(value)
    else:
        parts = [value, *_TOKEN_SEPARATORS.split(value)]
    found = set()
    for part in parts:
        # A server may echo the value percent-decoded or percent-encoded (a URL).
        found |= {part, urllib.parse.unquote(part), urllib.parse.quote(part, safe="")}
    return sorted((p for p in found if len(p) >= MIN_PART), key=len, reverse=True)


def _unquoted(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def _credentials(value: str) -> list[str]:
    """``Bearer X``: X; ``Basic B``: B, ``user:password`` and the password."""
    scheme, _space, credentials = value.partition(" ")
    credentials = credentials.strip()
    if not credentials:
        return [value]
    parts = [value, credentials]
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return parts
        parts += [decoded, decoded.partition(":")[2]]
    return parts


class Redactor:
    """Replaces every secret part of some headers in text and in JSON-like data."""

    def __init__(self, parts: Iterable[str] = ()) -> None:
        kept = {p for p in parts if len(p) >= MIN_PART}
        self._runs = {part[i:i + MIN_RUN] for part in kept if len(part) >= MIN_RUN
                      for i in range(len(part) - MIN_RUN + 1)}
        self._short = sorted((p for p in kept if len(p) < MIN_RUN), key=len, reverse=True)

    @classmethod
    def for_headers(cls, headers: Sequence[Header]) -> Redactor:
        """A redactor for the values of *headers* (``--header`` options)."""
        return cls(part for name, value in headers for part in secret_parts(name, value))

    @classmethod
    def for_options(cls, texts: Sequence[str]) -> Redactor:
        """A redactor for raw ``--header`` texts, even malformed ones (``Name: value``)."""
        headers = [(t.partition(":")[0], t.partition(":")[2]) if ":" in t else ("", t)
                   for t in texts]
        return cls.for_headers(headers)

    def __bool__(self) -> bool:
        return bool(self._runs or self._short)

    def __call__(self, text: str) -> str:
        """*text* with every secret run and every short secret part replaced."""
        if not self or not text:
            return text
        hidden = bytearray(len(text))
        for start in range(len(text) - MIN_RUN + 1):
            if text[start:start + MIN_RUN] in self._runs:
                hidden[start:start + MIN_RUN] = b"\x01" * MIN_RUN
        for part in self._short:
            for match in re.finditer(re.escape(part), text):
                hidden[match.start():match.end()] = b"\x01" * len(part)
        return _replace_runs(text, hidden)

    def data(self, value: Any) -> Any:
        """*value* (JSON-like: dicts, lists, tuples, strings) with every string redacted."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {key: self.data(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.data(item) for item in value)
        return value


def _replace_runs(text: str, hidden: bytearray) -> str:
    """*text* with each maximal run of hidden characters replaced by one marker."""
    if 1 not in hidden:
        return text
    pieces = []
    start = 0
    for match in re.finditer(rb"\x01+", bytes(hidden)):
        pieces += [text[start:match.start()], REDACTED]
        start = match.end()
    pieces.append(text[start:])
    return "".join(pieces)
