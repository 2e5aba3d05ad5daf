"""Proving what an origin regex can match, from the structure of the pattern.

A regex is only accepted when the parsed pattern shows that every serialized origin
it full-matches has the form ``scheme://host[:port]`` with

* a scheme taken from a small fixed set (``https``, or ``https?`` = two schemes),
* a host that is either fixed (``app\\.example\\.com``) or ends in a fixed domain
  preceded by a dot (``[a-z0-9-]+\\.example\\.com``, ``(\\w+\\.)?example\\.com``),
* after the host, nothing, or something that starts with ``:`` (a port).

Each branch of the regex is reduced to an :class:`~wsgicors.origins.OriginRule` of the
same shape as the patterns of ``allow_origins`` (``https://*.example.com``,
``http://localhost:*``), and the same rules then apply to it (plain http and public
suffixes with credentials). What cannot be proven is refused: a regex is code, and a
prefix match (``https://app\\.example\\.com.*``) or an unescaped dot
(``https://app.example.com``) is exactly the mistake attackers look for.

Why this is enough: wsgicors only tries a regex on an Origin that is already a
well-formed serialized origin (lower case, host made of labels or a bracketed IPv6
address, an optional numeric port, nothing else). So once the pattern fixes the text
before ``://``, the dot before the fixed domain and the ``:`` after it, the origin's
scheme and registrable domain are known whatever the wildcard parts match.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from .origins import OriginRule, is_valid_host, is_valid_scheme

if sys.version_info >= (3, 11):
    from re import _parser as sre_parse
else:  # pragma: no cover - Python 3.10
    import sre_parse

#: The most schemes one regex branch may expand to (``https?`` is two).
MAX_SCHEMES = 8
#: The most alternatives a regex is spelled out into.
MAX_BRANCHES = 64
_ANY: Any = None  # "any character" in a set of possible characters

Token = tuple[Any, Any]


class Unproven(Exception):
    """The regex cannot be shown to match only origins of a fixed domain."""


def shown(text: str) -> str:
    """A regex as the user wrote it in Python source: ``r'https://a\\.b'``."""
    if "'" in text or text.endswith("\\") or not text.isprintable():
        return repr(text)
    return f"r'{text}'"


def origin_rules(pattern: re.Pattern[str]) -> list[OriginRule]:
    """The origin patterns a regex amounts to, one per scheme and branch.

    :raises Unproven: with the reason, when the structure does not prove it.
    """
    try:
        tree = sre_parse.parse(pattern.pattern, pattern.flags)
    except (re.error, OverflowError, RecursionError) as exc:  # pragma: no cover - compiled
        raise Unproven(f"it cannot be analysed ({exc})") from None
    rules: list[OriginRule] = []
    for branch in _branches(_flatten(list(tree.data))):
        rules += _branch_rules(pattern.pattern, _strip_anchors(branch))
    return rules


def _name(token: Token) -> str:
    return str(token[0])


def _flatten(tokens: list[Token]) -> list[Token]:
    """Inline groups, so ``(https)://`` reads like ``https://``."""
    out: list[Token] = []
    for token in tokens:
        name = _name(token)
        if name == "SUBPATTERN":
            out += _flatten(list(token[1][-1]))
        elif name == "ATOMIC_GROUP":
            out += _flatten(list(token[1]))
        else:
            out.append(token)
    return out


def _branches(tokens: list[Token]) -> list[list[Token]]:
    """Alternations spelled out: ``https://(app|api)\\.x\\.com`` is two regexes.

    The parser factors common prefixes out of ``a|b``, so this is also what splits
    ``https://a\\.x\\.com|https://b\\.y\\.org``. Past MAX_BRANCHES an alternation
    stays as it is and counts as a wildcard.
    """
    for index, token in enumerate(tokens):
        if _name(token) != "BRANCH":
            continue
        spelled: list[list[Token]] = []
        for alt in token[1][1]:
            spelled += _branches(_flatten([*tokens[:index], *alt, *tokens[index + 1:]]))
            if len(spelled) > MAX_BRANCHES:
                return [tokens]
        return spelled
    return [tokens]


def _strip_anchors(tokens: list[Token]) -> list[Token]:
    # fullmatch makes ^, \A, $ and \Z at the ends redundant; anywhere else they are
    # zero-width tricks this proof does not follow.
    start, end = 0, len(tokens)
    while start < end and _name(tokens[start]) == "AT" and str(tokens[start][1]) in (
        "AT_BEGINNING", "AT_BEGINNING_STRING"
    ):
        start += 1
    while end > start and _name(tokens[end - 1]) == "AT" and str(tokens[end - 1][1]) in (
        "AT_END", "AT_END_STRING"
    ):
        end -= 1
    return tokens[start:end]


def _char(token: Token) -> str:
    """A LITERAL token's character (lower case: origins are, and (?i) may be on)."""
    return chr(token[1]).lower()


def _literal(token: Token) -> str | None:
    return _char(token) if _name(token) == "LITERAL" else None


def _branch_rules(text: str, tokens: list[Token]) -> list[OriginRule]:
    split = _scheme_end(tokens)
    if split is None:
        raise Unproven("it does not start with a fixed scheme followed by '://'")
    schemes = _enumerate(tokens[:split])
    if schemes is None or not schemes or len(schemes) > MAX_SCHEMES:
        raise Unproven("its scheme is not one of a few fixed values")
    bad = sorted(scheme for scheme in schemes if not is_valid_scheme(scheme))
    if bad:
        raise Unproven(f"{bad[0]!r} is not a valid lower-case scheme")
    rest = tokens[split + 3:]
    try:
        host, port = _host_and_port(rest)
    except Unproven:
        if any(_name(token) == "ANY" for token in rest):
            raise Unproven(
                r"it has an unescaped '.', which matches any character (write '\.' for a dot)"
            ) from None
        raise
    return [OriginRule(text, scheme, host, port) for scheme in sorted(schemes)]


def _scheme_end(tokens: list[Token]) -> int | None:
    chars = [_literal(token) for token in tokens]
    for index in range(len(chars) - 2):
        if chars[index:index + 3] == [":", "/", "/"]:
            return index
    return None


def _host_and_port(tokens: list[Token]) -> tuple[str, str | None]:
    reasons: list[str] = []
    for split in range(len(tokens), -1, -1):
        try:
            host = _host(tokens[:split])
        except Unproven as exc:
            reasons.append(str(exc))
            continue
        port_tokens = tokens[split:]
        first, _empty = _edge_chars(port_tokens, last=False)
        if first is _ANY or not first <= {":"}:
            raise Unproven(f"after the host {host!r} it can match more than ':port'")
        return host, _port(port_tokens)
    raise Unproven(reasons[0])


def _host(tokens: list[Token]) -> str:
    tail = ""
    index = len(tokens)
    while index > 0 and (char := _literal(tokens[index - 1])) is not None:
        tail = char + tail
        index -= 1
    if index == 0:
        if not is_valid_host(tail):
            raise Unproven(f"its host {tail!r} is not a valid host")
        return tail
    wild = tokens[:index]
    if tail.startswith("."):
        domain = tail[1:]
    else:
        domain = tail
        chars, _empty = _edge_chars(wild, last=True)
        if chars is _ANY or not chars <= {"."}:
            raise Unproven(
                "its host does not end in a fixed domain after an escaped dot "
                "(an unescaped '.' or a wildcard runs into the domain)"
            )
    if not domain or not is_valid_host(domain) or domain.startswith("["):
        raise Unproven("its host does not end in a fixed domain name")
    return "*." + domain


def _port(tokens: list[Token]) -> str | None:
    if not tokens:
        return None
    text = "".join(_literal(token) or "\0" for token in tokens)
    digits = text[1:]
    return digits if digits.isascii() and digits.isdigit() else "*"


def _edge_chars(tokens: list[Token], *, last: bool) -> tuple[Any, bool]:
    """The characters a match of *tokens* may start (or end) with, and if it may be empty.

    ``_ANY`` stands for "any character": the proof then fails.
    """
    chars: set[str] = set()
    for token in reversed(tokens) if last else tokens:
        found, empty = _token_edge(token, last=last)
        if found is _ANY:
            return _ANY, False
        chars |= found
        if not empty:
            return chars, False
    return chars, True


def _token_edge(token: Token, *, last: bool) -> tuple[Any, bool]:
    name = _name(token)
    if name == "LITERAL":
        return {_char(token)}, False
    if name == "AT":
        return set(), True
    if name in ("SUBPATTERN", "ATOMIC_GROUP"):
        body = token[1][-1] if name == "SUBPATTERN" else token[1]
        return _edge_chars(list(body), last=last)
    if name == "BRANCH":
        chars: set[str] = set()
        empty = False
        for alt in token[1][1]:
            found, alt_empty = _edge_chars(list(alt), last=last)
            if found is _ANY:
                return _ANY, False
            chars |= found
            empty = empty or alt_empty
        return chars, empty
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, body = token[1]
        if high == 0:
            return set(), True
        found, body_empty = _edge_chars(list(body), last=last)
        return found, low == 0 or body_empty
    return _ANY, False


def _enumerate(tokens: list[Token]) -> set[str] | None:
    """Every string *tokens* can match, when there are only a few; else None."""
    results = {""}
    for token in tokens:
        options = _token_strings(token)
        if options is None:
            return None
        results = {done + more for done in results for more in options}
        if len(results) > MAX_SCHEMES:
            return None
    return results


def _token_strings(token: Token) -> set[str] | None:
    name = _name(token)
    if name == "LITERAL":
        return {_char(token)}
    if name == "SUBPATTERN":
        return _enumerate(list(token[1][-1]))
    if name == "BRANCH":
        found: set[str] = set()
        for alt in token[1][1]:
            strings = _enumerate(list(alt))
            if strings is None:
                return None
            found |= strings
        return found
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, body = token[1]
        once = _enumerate(list(body))
        if once is None or high > 2:
            return None
        found = set()
        for count in range(low, high + 1):
            strings = {""}
            for _ in range(count):
                strings = {done + more for done in strings for more in once}
            found |= strings
        return found
    return None
