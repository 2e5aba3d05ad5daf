"""Proving what an origin regex can match, from the structure of the pattern.

A regex is only accepted when the parsed pattern shows that every origin it
full-matches has the form ``scheme://host[:port]`` with

* a scheme taken from a small fixed set (``https``, or ``https?`` = two schemes),
* a host that is fixed (``app\\.example\\.com``), ends in a fixed domain after a dot
  (``[a-z0-9-]+\\.example\\.com``, ``(\\w+\\.)?example\\.com``,
  ``app-[a-z0-9]+\\.example\\.com``), or is an IPv4 address range made of fixed parts
  and digits (``192\\.168\\.\\d+\\.\\d+``),
* wildcards in the host that cannot match a character that ends a host or changes
  what it is (``: / ? # [ ] @ \\``): ``[a-z0-9.-]+`` is fine, ``.+`` or ``[^/]+`` is
  not,
* after the host, nothing, or ``:`` followed by a port that cannot match those
  characters either.

Each branch of the regex is reduced to an :class:`~wsgicors.origins.OriginRule` of the
same shape as the patterns of ``allow_origins`` (``https://*.example.com``), and the
same rules then apply to it (plain http and public suffixes with credentials).

The proof does not rely on the request validator (which only lets well-formed
serialized origins reach a regex): it holds for any text. A prefix match
(``https://app\\.example\\.com.*``), an unescaped dot (``https://app.example.com``)
or a host wildcard that can match ``@`` or ``:`` is exactly what attackers look for.

What is wrong is reported all at once: each flaw found is repaired in a copy of the
parse tree (the dot escaped, the prefix cut, the wildcard narrowed...) and the
reading goes on, so fixing one flaw never reveals the next. The repaired reading is
then written back as a regex, checked to pass under the same options, and offered as
the fix. The work is bounded: alternations are spelled out only up to
:data:`MAX_BRANCHES`, everything else is linear in the size of the pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import Problem
from .linear import LinearPattern, NotLinear, compile_linear
from .nfa import name, opcode, parse, token_class
from .origins import (
    OriginRule,
    check_credentialed,
    covers_public_suffix,
    ends_in_number,
    is_address_range,
    is_serialized_origin,
    is_valid_host,
    is_valid_scheme,
    parse_origin_rule,
    suggest_origin,
)

#: The most schemes one regex branch may expand to (``https?`` is two).
MAX_SCHEMES = 8
#: The most alternatives a regex is spelled out into.
MAX_BRANCHES = 64
#: Characters that end a host or change what it is, in some URL parser.
DELIMITERS = ":/?#[]@\\"
_ANY: Any = None  # "any character" in a set of possible characters

Token = tuple[Any, Any]

_LITERAL, _IN, _RANGE, _MAX_REPEAT = (
    opcode("LITERAL"), opcode("IN"), opcode("RANGE"), opcode("MAX_REPEAT"),
)
_MAXREPEAT = opcode("MAXREPEAT")
#: What a host wildcard may match: [a-z0-9.-] (a repaired '.*' becomes this).
_HOST_CHARS: Token = (_IN, [(_RANGE, (97, 122)), (_RANGE, (48, 57)),
                            (_LITERAL, 45), (_LITERAL, 46)])


class Unproven(Exception):
    """The regex cannot be shown to match only origins of a fixed domain.

    :attr:`reasons` lists every flaw found (``str()`` joins them); :attr:`hint` is the
    fix to suggest, when one was found.
    """

    def __init__(self, reasons: str | list[str], hint: str | None = None) -> None:
        self.reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        self.hint = hint
        super().__init__("; ".join(self.reasons))


def shown(text: str) -> str:
    """A regex as the user wrote it in Python source: ``r'https://a\\.b'``."""
    if "'" in text or text.endswith("\\") or not text.isprintable():
        return repr(text)
    return f"r'{text}'"


def origin_rules(pattern: re.Pattern[str]) -> list[OriginRule]:
    """The origin patterns a regex amounts to, one per scheme and branch.

    :raises Unproven: with every reason, when the structure does not prove it.
    """
    reading = _read(pattern)
    if reading.flaws:
        raise Unproven(reading.flaws)
    return reading.rules(pattern.pattern)


def check_origin_regex(
    pattern: re.Pattern[str], *, option: str, credentials: bool, insecure_ok: bool
) -> tuple[LinearPattern | None, list[Problem]]:
    """Validate one origin regex completely; return its matcher, or the problems.

    The matcher (:func:`wsgicors.linear.compile_linear`) full-matches in time linear
    in the origin. The problems are one ``regex-unproven`` naming every flaw, with a
    fix checked to pass under the same options, or the credential problems of a
    proven regex (``origin-insecure``, ``origin-public-suffix``), worded for a regex.
    """
    problems = _problems(pattern, option, credentials, insecure_ok, suggest=True)
    if problems:
        return None, problems
    try:
        return compile_linear(pattern), []
    except NotLinear as exc:
        return None, [Problem(
            "regex-unproven", option, f"regex {shown(pattern.pattern)} is refused: {exc}.",
            "simplify the regex.",
        )]


def _problems(
    pattern: re.Pattern[str], option: str, credentials: bool, insecure_ok: bool,
    *, suggest: bool,
) -> list[Problem]:
    reading = _read(pattern)
    text = shown(pattern.pattern)
    problems: list[Problem] = []
    if reading.flaws:
        hint = _fix_hint(reading, option, credentials, insecure_ok) if suggest else None
        if hint is None and suggest:
            hint = _pattern_hint(pattern.pattern, credentials, insecure_ok)
        problems.append(Problem(
            "regex-unproven", option,
            f"regex {text} is refused: {'; '.join(reading.flaws)}."
            + ("" if credentials else _suffix_note(reading)),
            hint or _GENERIC_HINT,
        ))
        if not suggest:
            return problems
    if not credentials:
        return problems
    https = _rewritten(reading, schemes=["https"]) if suggest else None
    https_hint = None
    if https is not None and not _problems(re.compile(https), option, credentials,
                                           insecure_ok, suggest=False):
        https_hint = f"write {shown(https)}"
    for rule in reading.rules(pattern.pattern):
        for problem in check_credentialed(rule, option, insecure_ok, regex=True,
                                          secure_hint=https_hint):
            if problem not in problems:
                problems.append(problem)
    return problems


def _suffix_note(reading: _Reading) -> str:
    """What a reader of a refused regex should know about its domain, once it is fixed:
    names under a public suffix are anyone's."""
    for branch in reading.branches:
        host = branch.host or ""
        if host.startswith("*.") and covers_public_suffix(host[2:]):
            return (f" Also: {host[2:]!r} is or contains a public suffix, so anyone can "
                    "register a name there that it matches (acceptable without "
                    "credentials; refused with them).")
    return ""


_GENERIC_HINT = (
    "write an origin pattern such as 'https://*.example.com' (or the exact origins) in "
    "allow_origins, or a regex with a fixed scheme and a host that ends in an escaped, "
    r"fixed domain, such as r'^https://([a-z0-9-]+\.)+example\.com$'; for anything "
    "else, decide in allow_origin_func."
)


# -- reading a regex ---------------------------------------------------------------

@dataclass
class _Branch:
    """What one alternative of a regex says, once its flaws are repaired."""

    schemes: list[str] = field(default_factory=list)
    host: str | None = None  # "app.example.com", "*.example.com" or "192.168.*.*"
    apex: bool = False  # "*.example.com" that also matches "example.com"
    port: str | None = None  # None, "*" or digits
    port_required: bool = False
    flaws: list[str] = field(default_factory=list)


@dataclass
class _Reading:
    branches: list[_Branch]
    flaws: list[str]

    def rules(self, text: str) -> list[OriginRule]:
        return [OriginRule(text, scheme, branch.host, branch.port)
                for branch in self.branches if branch.host is not None
                for scheme in branch.schemes]


def _read(pattern: re.Pattern[str]) -> _Reading:
    try:
        tokens, flags = parse(pattern.pattern, pattern.flags)
    except (re.error, OverflowError, RecursionError) as exc:  # pragma: no cover - compiled
        return _Reading([], [f"it cannot be analysed ({exc})"])
    reader = _Reader(pattern, flags, tokens)
    flat = _flatten(tokens)
    branches = [reader.branch(flat)]
    too_many = False
    if branches[0].flaws and any(name(token) == "BRANCH" for token in flat):
        spelled = _branches(flat)
        if spelled is None:
            too_many = True
        else:
            branches = [reader.branch(branch) for branch in spelled]
    flaws = list(reader.global_flaws)
    for branch in branches:
        flaws += [flaw for flaw in branch.flaws if flaw not in flaws]
    if too_many and branches[0].host is None:
        flaws.append(
            f"it has more than {MAX_BRANCHES} alternatives once spelled out, too many to "
            "prove one by one (pass several simpler regexes as a list instead)"
        )
    return _Reading(branches, flaws)


class _Reader:
    """Reads branches of one pattern, repairing each flaw it finds and noting it."""

    def __init__(self, pattern: re.Pattern[str], flags: int, tokens: list[Token]) -> None:
        self.pattern = pattern
        self.flags = flags
        # Scoped flags ((?i:...)) are not followed: then no upper-case flaw is claimed.
        self.ignorecase = bool(flags & re.IGNORECASE) or _has_scoped_flags(tokens)
        self.global_flaws: list[str] = []
        self._matcher: LinearPattern | None = None
        if any(_char(token) == "\\" for token in _walk(tokens)):
            self.global_flaws.append(
                "it matches a backslash, which no origin contains: in a raw string, "
                r"'\\.' is a backslash followed by any character, so it never matches "
                r"(write '\.' for a dot)"
            )

    def branch(self, tokens: list[Token]) -> _Branch:
        result = _Branch()
        tokens = _strip_anchors(tokens)
        tokens = [(_LITERAL, 46) if name(token) == "ANY" and index and
                  _char(tokens[index - 1]) == "\\" else token
                  for index, token in enumerate(tokens)]
        tokens = [token for token in tokens if _char(token) != "\\"]
        split = _scheme_end(tokens)
        if split is None:
            result.flaws.append("it does not start with a fixed scheme followed by '://'")
            return result
        result.schemes = self.schemes(tokens[:split], result.flaws)
        rest = self.unescaped_dots(tokens, split + 3, result.flaws)
        rest = self.upper_case(rest, result.flaws)
        rest = self.path(tokens[:split + 3], rest, result.flaws)
        host, port = _split_port(rest)
        self.read_port(tokens[:split + 3] + host, port, result)
        self.read_host(tokens[:split + 3], host, port, result)
        if not result.schemes:
            result.host = None  # nothing to suggest
        return result

    # -- scheme ---------------------------------------------------------------

    def schemes(self, tokens: list[Token], flaws: list[str]) -> list[str]:
        schemes = _enumerate(tokens)
        if schemes is None or not schemes or len(schemes) > MAX_SCHEMES:
            flaws.append("its scheme is not one of a few fixed values (write https or https?)")
            return []
        if not self.ignorecase and any(scheme != scheme.lower() for scheme in
                                       _enumerate(tokens, lower=False) or ()):
            flaws.append("its scheme has upper-case letters, which never match "
                         "(browsers send lower case)")
        bad = sorted(scheme for scheme in schemes if not is_valid_scheme(scheme))
        if bad:
            flaws.append(f"{bad[0]!r} is not a valid scheme")
            return []
        return sorted(schemes)

    # -- repairs ----------------------------------------------------------------

    def unescaped_dots(self, tokens: list[Token], start: int, flaws: list[str]) -> list[Token]:
        rest = tokens[start:]
        dots = [index for index, token in enumerate(rest) if name(token) == "ANY"
                and 0 < index < len(rest) - 1 and _char(rest[index + 1]) is not None]
        if not dots:
            return rest
        marked = tokens[:start] + [(_LITERAL, ord("x")) if index == dots[0] else token
                                   for index, token in enumerate(rest)]
        witness = self.witness(marked, tries=(
            (".", "min"), (".", "one"), ("a", "min"), ("a", "one")))
        also = f" (it also matches {witness!r})" if witness else ""
        flaws.append(
            r"it has an unescaped '.', which matches any character" + also +
            r"; write '\.' for a dot"
        )
        return [(_LITERAL, 46) if index in dots else token for index, token in enumerate(rest)]

    def upper_case(self, rest: list[Token], flaws: list[str]) -> list[Token]:
        if self.ignorecase or not any((_char(token) or "").isupper() for token in rest):
            return rest
        flaws.append("its host has upper-case letters, which never match (browsers send "
                     "lower case)")
        return [(_LITERAL, ord(char.lower())) if (char := _char(token)) else token
                for token in rest]

    def path(self, head: list[Token], rest: list[Token], flaws: list[str]) -> list[Token]:
        for index, token in enumerate(rest):
            first, _empty = _edge_chars([token], last=False)
            if first is not _ANY and first and first <= set("/?#"):
                flaws.append(
                    f"it expects {'a path' if '/' in first else 'a query or fragment'} "
                    "after the host, and an Origin never has one, so that part never "
                    "matches (an origin is scheme://host[:port])"
                )
                return rest[:index]
        return rest

    # -- port -------------------------------------------------------------------

    def read_port(self, before: list[Token], port: list[Token], result: _Branch) -> None:
        if not port:
            return
        first, _empty = _edge_chars(port, last=False)
        empty = _nullable(port)
        digits = "".join(_char(token) or "\0" for token in port)
        colon_led = first is not _ANY and first <= {":"}
        leaks = _delimiters(port, self.flags, allowed=":")
        result.port_required = not empty
        if colon_led and not leaks:
            fixed = digits[1:]
            result.port = fixed if fixed.isascii() and fixed.isdigit() else "*"
            return
        result.port = "*"
        if not colon_led:
            witness = self.witness(before + port, tries=(("x", "colons"),))
            also = f" such as {witness!r}" if witness else ""
            quantified = any(name(token) in ("MAX_REPEAT", "MIN_REPEAT") and
                             _edge_chars([token], last=False)[0] == {":"} for token in port)
            why = "':*' means any number of colons, none included, so " if quantified else ""
            flaw = f"{why}after the host it can match more than ':port'{also}"
        else:
            flaw = (f"after ':' it can match {_listed(leaks)}, not only a port number "
                    r"(write (:\d+)? for an optional port)")
        result.flaws.append(flaw)

    # -- host -------------------------------------------------------------------

    def read_host(self, head: list[Token], host: list[Token], port: list[Token],
                  result: _Branch) -> None:
        host = self.prefix_match(head, host, port, result.flaws)
        host = self.narrow(head, host, port, result.flaws)
        tail = ""
        index = len(host)
        while index > 0 and (char := _char(host[index - 1])) is not None:
            tail = char.lower() + tail
            index -= 1
        wild = host[:index]
        if not wild:
            self.fixed_host(tail, result)
        elif (address := _address_range(host, self.flags)) is not None:
            result.host = address
        else:
            self.subdomains(head, wild, tail, result)

    def prefix_match(self, head: list[Token], host: list[Token], port: list[Token],
                     flaws: list[str]) -> list[Token]:
        """A fixed host followed by a wildcard: ``app\\.example\\.com.*``."""
        end = len(host)
        while end > 0 and _char(host[end - 1]) is None:
            end -= 1
        fixed = "".join(_char(token) or "" for token in host[:end])
        if end == len(host) or end == 0 or "." not in fixed or \
                _address_range(host, self.flags) is not None:
            return host
        for suffix in (".evil.net", "-evil.net", "evil.net", ".evil", "x", "1"):
            witness = self.witness(head + host[:end], suffix=suffix)
            if witness:
                break
        also = f" such as {witness!r}" if witness else ""
        literal = all(_char(token) is not None for token in host[:end])
        where = f"the host {fixed!r}" if literal else repr(fixed)
        flaws.append(f"after {where} it can match more{also} (a prefix match)")
        return host[:end]

    def narrow(self, head: list[Token], host: list[Token], port: list[Token],
               flaws: list[str]) -> list[Token]:
        r"""Host wildcards that can match ':' '/' '@'...: repaired to [a-z0-9.-].

        Such a character written out counts too (``evil\.com@app\.example\.com``),
        except the brackets and colons of a fixed IPv6 address.
        """
        text = "".join(_char(token) or "\0" for token in host)
        if text.startswith("[") and text.endswith("]") and "\0" not in text:
            return host
        written = "".join(dict.fromkeys(char for char in text if char in DELIMITERS))
        if written:
            flaws.append(f"its host contains {_listed(written)}, which no host name does")
        leaks = ""
        repaired: list[Token] = []
        for token in host:
            found = _delimiters([token], self.flags) if _char(token) is None else ""
            leaks += "".join(char for char in found if char not in leaks)
            repaired.append(_narrowed(token) if found else token)
        if leaks:
            example = self.escape(head, host, port)
            also = (f" (it matches {example!r}, whose host is another site's: only the "
                    "check wsgicors makes on the Origin first stops that)") if example else ""
            flaws.append(
                f"a wildcard in its host can match {_listed(leaks)}, which end a host or "
                f"change what it is{also}; write [a-z0-9.-] for host characters, or "
                "[a-z0-9-] within one label"
            )
        return repaired

    def escape(self, head: list[Token], host: list[Token], port: list[Token]) -> str | None:
        """A URL the regex matches whose host is not the one the regex names."""
        first = next(index for index, token in enumerate(host)
                     if _char(token) is None and _delimiters([token], self.flags))
        for escape in ("evil.example/", "evil.example/x", "evil.example?", "evil.example#"):
            tokens = [*head, *host[:first], *((_LITERAL, ord(char)) for char in escape),
                      *host[first + 1:], *port]
            try:
                text = "".join(_sample(tokens, self.flags, ".", "min"))
            except LookupError:
                return None
            if self.matches(text):
                return text
        return None

    def fixed_host(self, host: str, result: _Branch) -> None:
        if is_valid_host(host):
            result.host = host
        elif any(char in DELIMITERS for char in host):
            pass  # narrow() said so
        elif host:
            result.flaws.append(f"its host {host!r} is not a host browsers send")
        else:
            result.flaws.append("it has no host")

    def subdomains(self, head: list[Token], wild: list[Token], tail: str,
                   result: _Branch) -> None:
        chars, _empty = _edge_chars(wild, last=True)
        empty = _nullable(wild)
        if tail.startswith("."):
            domain, result.apex = tail[1:], False
        elif chars is not _ANY and chars <= {"."}:
            domain, result.apex = tail, empty
        else:  # a wildcard inside the first label of the tail: app-[a-z0-9]+\.example\.com
            domain = tail.partition(".")[2]
            if domain and covers_public_suffix(domain) and self.suffix_match(wild):
                witness = self.witness(head + wild, suffix=tail)
                also = f" such as {witness!r}" if witness else ""
                result.flaws.append(
                    f"its host can be any name that ends in {tail!r}{also}, which anyone "
                    r"can register (write ([a-z0-9-]+\.)* before the domain for the "
                    "domain and its subdomains)"
                )
                domain, result.apex = tail, True
        if not domain or not is_valid_host(domain) or domain.startswith("[") or \
                ends_in_number(domain):
            result.flaws.append(
                "its host does not end in a fixed domain after a dot, so it can match "
                "names anyone can register"
            )
            return
        result.host = "*." + domain

    def suffix_match(self, wild: list[Token]) -> bool:
        r"""True if the wildcard glued to a registrable name starts its label, or can
        cross labels: ``[a-z]*example\.com`` (not ``myapp-[a-z0-9]+-team\.vercel\.app``)."""
        index = len(wild)
        while index > 0 and _char(wild[index - 1]) not in (None, "."):
            index -= 1
        if index == 0 or "." in _delimiters([wild[index - 1]], self.flags, allowed="") or \
                self.crosses_labels(wild[index - 1]):
            return True
        before = wild[index - 2] if index > 1 else None
        return before is None or _char(before) in (None, ".")

    def crosses_labels(self, token: Token) -> bool:
        return any(found is not None and "." in found for found in
                   (token_class(inner, self.flags) for inner in _walk([token])))

    # -- writing tokens back -----------------------------------------------------

    def witness(self, tokens: list[Token], *, suffix: str = "",
                tries: tuple[tuple[str, str], ...] = (("x", "one"),)) -> str | None:
        """An origin the regex matches, to show a flaw (None if none is found).

        Each try is (the character for ``.``, how many times repeats run: ``one``,
        ``min``, or ``colons``: no colon-led repeat, one of the others).
        """
        for any_char, repeats in tries:
            try:
                text = "".join(_sample(tokens, self.flags, any_char, repeats)) + suffix
            except LookupError:
                continue
            if is_serialized_origin(text) and self.matches(text):
                return text
        return None

    def matches(self, text: str) -> bool:
        """Whether the regex matches *text*, never with backtracking that explodes."""
        if self._matcher is None:
            try:
                self._matcher = compile_linear(self.pattern)
            except NotLinear:
                return False
        return self._matcher.fullmatch(text)


# -- suggestions ---------------------------------------------------------------------

def _fix_hint(reading: _Reading, option: str, credentials: bool, insecure_ok: bool) -> str | None:
    """The repaired regex (and origin patterns), when they pass under the same options."""
    for schemes in (None, ["https"]):
        regex = _rewritten(reading, schemes)
        if regex is not None and not _problems(re.compile(regex), option, credentials,
                                               insecure_ok, suggest=False):
            break
    else:
        return None
    assert regex is not None
    patterns = []
    for branch in reading.branches:
        for text in _patterns(branch, schemes):
            _rule, problems = parse_origin_rule(text, option="", credentials=credentials,
                                                insecure_ok=insecure_ok)
            if problems:
                return f"write {shown(regex)}."
            patterns.append(text)
    if not patterns:
        return f"write {shown(regex)}."
    listed = ", ".join(repr(text) for text in patterns)
    return f"write {shown(regex)}, or {listed} in allow_origins."


def _pattern_hint(source: str, credentials: bool, insecure_ok: bool) -> str | None:
    """The origin pattern a regex written like one reads as: ``.*.example.com``."""
    text = re.sub(r"\.[*+]|\[[^]]*\][*+]?", "*", source.strip("^$"))
    text = re.sub(r"\\(.)", r"\1", text)
    if not re.fullmatch(r"[a-z0-9*.:/-]+", text):
        return None
    candidate = suggest_origin(text)
    _rule, problems = parse_origin_rule(candidate, option="", credentials=credentials,
                                        insecure_ok=insecure_ok)
    return None if problems else f"write {candidate!r} in allow_origins."


def _rewritten(reading: _Reading, schemes: list[str] | None = None) -> str | None:
    """The reading written as a regex: ``^https://([a-z0-9-]+\\.)+example\\.com$``."""
    parts = []
    for branch in reading.branches:
        if branch.host is None or not branch.schemes:
            return None
        parts.append(_branch_regex(branch, schemes or branch.schemes))
    unique = list(dict.fromkeys(parts))
    if not unique:
        return None
    return "^" + (unique[0] if len(unique) == 1 else "(?:" + "|".join(unique) + ")") + "$"


def _branch_regex(branch: _Branch, schemes: list[str]) -> str:
    if set(schemes) == {"http", "https"}:
        scheme = "https?"
    elif len(schemes) == 1:
        scheme = schemes[0]
    else:
        scheme = "(?:" + "|".join(schemes) + ")"
    assert branch.host is not None
    if branch.host.startswith("*."):
        labels = r"([a-z0-9-]+\.)" + ("*" if branch.apex else "+")
        host = labels + re.escape(branch.host[2:])
    elif is_address_range(branch.host):
        host = r"\.".join("[0-9]+" if part == "*" else part for part in branch.host.split("."))
    else:
        host = re.escape(branch.host)
    if branch.port is None:
        port = ""
    elif branch.port != "*":
        port = ":" + branch.port
    else:
        port = ":[0-9]+" if branch.port_required else "(:[0-9]+)?"
    return f"{scheme}://{host}{port}"


def _patterns(branch: _Branch, schemes: list[str] | None) -> list[str]:
    assert branch.host is not None
    if is_address_range(branch.host):
        return []
    port = {None: "", "*": ":*"}.get(branch.port, f":{branch.port}")
    hosts = [branch.host] + ([branch.host[2:]] if branch.apex else [])
    return [f"{scheme}://{host}{port}" for scheme in schemes or branch.schemes
            for host in hosts]


# -- the parse tree ------------------------------------------------------------------

def _walk(tokens: list[Token]) -> Iterator[Token]:
    """Every token of a tree, nested ones included."""
    for token in tokens:
        yield token
        op, av = name(token), token[1]
        if op == "SUBPATTERN":
            yield from _walk(list(av[-1]))
        elif op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            yield from _walk(list(av[2]))
        elif op == "BRANCH":
            for alt in av[1]:
                yield from _walk(list(alt))
        elif op in ("ATOMIC_GROUP",):
            yield from _walk(list(av))
        elif op in ("ASSERT", "ASSERT_NOT"):
            yield from _walk(list(av[1]))


def _has_scoped_flags(tokens: list[Token]) -> bool:
    return any(name(token) == "SUBPATTERN" and (token[1][1] or token[1][2])
               for token in _walk(tokens))


def _class(token: Token, flags: int) -> str:
    """The characters of DELIMITERS a one-character token accepts."""
    found = token_class(token, flags)
    return "".join(char for char in DELIMITERS if found is None or char in found)


def _delimiters(tokens: list[Token], flags: int, allowed: str = "") -> str:
    """The DELIMITERS any character of a match of *tokens* may be (literal *allowed*
    characters excepted)."""
    found = ""
    for token in _walk(tokens):
        op = name(token)
        if op in ("GROUPREF", "GROUPREF_EXISTS"):
            return DELIMITERS
        char = _char(token)
        if char is not None and char in allowed:
            continue
        if token_class(token, flags) is not None:
            found += "".join(char for char in _class(token, flags) if char not in found)
    return found


def _narrowed(token: Token) -> Token:
    if name(token) in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, _body = token[1]
        return (_MAX_REPEAT, (low, high, [_HOST_CHARS]))
    return _HOST_CHARS


def _listed(chars: str) -> str:
    quoted = [repr(char) for char in chars]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _flatten(tokens: list[Token]) -> list[Token]:
    """Inline groups, so ``(https)://`` reads like ``https://``."""
    out: list[Token] = []
    for token in tokens:
        op = name(token)
        if op == "SUBPATTERN":
            out += _flatten(list(token[1][-1]))
        elif op == "ATOMIC_GROUP":
            out += _flatten(list(token[1]))
        else:
            out.append(token)
    return out


def _branches(tokens: list[Token]) -> list[list[Token]] | None:
    """Alternations spelled out: ``https://(app|api)\\.x\\.com`` is two regexes.

    The parser factors common prefixes out of ``a|b``, so this is also what splits
    ``https://a\\.x\\.com|https://b\\.y\\.org``. None past MAX_BRANCHES: the work stops
    there, whatever the number of alternatives.
    """
    done: list[list[Token]] = []
    work = [tokens]
    while work:
        current = work.pop()
        index = next((i for i, token in enumerate(current) if name(token) == "BRANCH"), None)
        if index is None:
            done.append(current)
        else:
            for alt in current[index][1][1]:
                work.append(_flatten([*current[:index], *alt, *current[index + 1:]]))
        if len(done) + len(work) > MAX_BRANCHES:
            return None
    return done


def _strip_anchors(tokens: list[Token]) -> list[Token]:
    # fullmatch makes ^, \A, $ and \Z at the ends redundant; anywhere else they are
    # zero-width tests that only ever remove matches.
    start, end = 0, len(tokens)
    while start < end and name(tokens[start]) == "AT" and str(tokens[start][1]) in (
        "AT_BEGINNING", "AT_BEGINNING_STRING"
    ):
        start += 1
    while end > start and name(tokens[end - 1]) == "AT" and str(tokens[end - 1][1]) in (
        "AT_END", "AT_END_STRING"
    ):
        end -= 1
    return tokens[start:end]


def _char(token: Token) -> str | None:
    """A LITERAL token's character, else None."""
    return chr(token[1]) if name(token) == "LITERAL" else None


def _scheme_end(tokens: list[Token]) -> int | None:
    chars = [_char(token) for token in tokens]
    for index in range(len(chars) - 2):
        if chars[index:index + 3] == [":", "/", "/"]:
            return index
    return None


def _split_port(rest: list[Token]) -> tuple[list[Token], list[Token]]:
    """The host tokens and the port tokens (from the first one that starts with ':',
    after the closing bracket of an IPv6 address)."""
    start = 0
    if rest and _char(rest[0]) == "[":
        start = next((i for i, token in enumerate(rest) if _char(token) == "]"), 0)
    for index, token in enumerate(rest):
        if index <= start:
            continue
        first, _empty = _edge_chars([token], last=False)
        if index and first is not _ANY and first and first <= {":"}:
            return rest[:index], rest[index:]
        if index and first is not _ANY and ":" in first:
            return rest[:index], rest[index:]
    return rest, []


def _address_range(host: list[Token], flags: int) -> str | None:
    """``192\\.168\\.\\d+\\.\\d+`` as ``192.168.*.*``: four parts, each fixed or digits."""
    parts: list[list[Token]] = [[]]
    for token in host:
        if _char(token) == ".":
            parts.append([])
        else:
            parts[-1].append(token)
    if len(parts) != 4:
        return None
    written = []
    for part in parts:
        text = "".join(_char(token) or "" for token in part)
        if all(_char(token) is not None for token in part):
            written.append(text)
        elif _only_digits(part, flags) and not _nullable(part):
            written.append("*")
        else:
            return None
    result = ".".join(written)
    return result if is_address_range(result) else None


def _only_digits(tokens: list[Token], flags: int) -> bool:
    for token in _walk(tokens):
        if name(token) in ("GROUPREF", "GROUPREF_EXISTS"):
            return False
        found = token_class(token, flags)
        if found is None:
            continue
        if any(found.low[point] for point in range(256) if not 48 <= point <= 57):
            return False
        if found.wide and found.source != r"[\d]":
            return False
    return True


def _nullable(tokens: list[Token]) -> bool:
    """True if *tokens* can match the empty string."""
    for token in tokens:
        op, av = name(token), token[1]
        if op in ("SUBPATTERN", "ATOMIC_GROUP"):
            empty = _nullable(list(av[-1] if op == "SUBPATTERN" else av))
        elif op == "BRANCH":
            empty = any(_nullable(list(alt)) for alt in av[1])
        elif op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            empty = av[0] == 0 or _nullable(list(av[2]))
        else:
            empty = op in ("AT", "ASSERT", "ASSERT_NOT", "GROUPREF", "GROUPREF_EXISTS")
        if not empty:
            return False
    return True


def _edge_chars(tokens: list[Token], *, last: bool) -> tuple[Any, bool]:
    """The characters a match of *tokens* may start (or end) with, and if it may be empty.

    ``_ANY`` stands for "any character" (a class, ``.``): the caller cannot tell.
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
    op = name(token)
    if op == "LITERAL":
        return {chr(token[1]).lower()}, False
    if op in ("AT", "ASSERT", "ASSERT_NOT"):
        return set(), True
    if op in ("SUBPATTERN", "ATOMIC_GROUP"):
        body = token[1][-1] if op == "SUBPATTERN" else token[1]
        return _edge_chars(list(body), last=last)
    if op == "BRANCH":
        chars: set[str] = set()
        empty = False
        for alt in token[1][1]:
            found, alt_empty = _edge_chars(list(alt), last=last)
            if found is _ANY:
                return _ANY, False
            chars |= found
            empty = empty or alt_empty
        return chars, empty
    if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, body = token[1]
        if high == 0:
            return set(), True
        found, body_empty = _edge_chars(list(body), last=last)
        return found, low == 0 or body_empty
    return _ANY, False


def _enumerate(tokens: list[Token], *, lower: bool = True) -> set[str] | None:
    """Every string *tokens* can match, when there are only a few; else None."""
    results = {""}
    for token in tokens:
        options = _token_strings(token, lower)
        if options is None:
            return None
        results = {done + more for done in results for more in options}
        if len(results) > MAX_SCHEMES:
            return None
    return results


def _token_strings(token: Token, lower: bool) -> set[str] | None:
    op = name(token)
    if op == "LITERAL":
        return {chr(token[1]).lower() if lower else chr(token[1])}
    if op == "SUBPATTERN":
        return _enumerate(list(token[1][-1]), lower=lower)
    if op == "BRANCH":
        found: set[str] = set()
        for alt in token[1][1]:
            strings = _enumerate(list(alt), lower=lower)
            if strings is None:
                return None
            found |= strings
        return found
    if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, body = token[1]
        once = _enumerate(list(body), lower=lower)
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


_PREFERRED = "a1-x.0"


def _sample(tokens: list[Token], flags: int, any_char: str, repeats: str) -> Iterator[str]:
    """One string *tokens* match (see :meth:`_Reader.witness` for the parameters).

    :raises LookupError: when a class has none of the characters tried.
    """
    for token in tokens:
        op, av = name(token), token[1]
        if op == "ANY":
            yield any_char
        elif op == "LITERAL":
            yield chr(av)
        elif op in ("IN", "NOT_LITERAL"):
            found = token_class(token, flags)
            char = next((char for char in _PREFERRED if found is not None and char in found),
                        None)
            if char is None:
                raise LookupError(token)
            yield char
        elif op == "SUBPATTERN":
            yield from _sample(list(av[-1]), flags, any_char, repeats)
        elif op == "BRANCH":
            yield from _sample(list(av[1][0]), flags, any_char, repeats)
        elif op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, body = av
            colon = _edge_chars(list(body), last=False)[0] == {":"}
            fewest = repeats == "min" or (repeats == "colons" and colon)
            for _ in range(low if fewest else max(low, min(1, high))):
                yield from _sample(list(body), flags, any_char, repeats)
        elif op not in ("AT", "ASSERT", "ASSERT_NOT"):
            raise LookupError(op)
