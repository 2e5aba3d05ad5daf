"""Origins: what a browser sends, what a configuration may allow, and matching the two.

Browsers send a *serialized origin*: ``scheme "://" host [":" port]`` with a lowercase
scheme and host, IDN hosts in punycode and no default port. Configured origins are
validated into that same form at start-up, so a request is matched by exact string
comparison (or a compiled full-match pattern), never by a lenient parser.

Addresses are serialized as the WHATWG URL Standard says: a host whose last label is
a number is an IPv4 address, always written as four decimal parts (``127.0.0.1``,
never ``127.1`` or ``0x7f.1``), and an IPv6 address is written in lower-case hex with
its first longest run of zero pieces compressed and no dotted tail (``[::1]``,
``[::ffff:102:304]``). A request origin with any other spelling of an address is not
one a browser sends, and is refused before any pattern or regex sees it.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import Problem
from .vocabulary import ProblemCode

#: Longest Origin value worth looking at: 253-byte host, a scheme, a port.
MAX_ORIGIN_LENGTH = 300

_REQUEST_ORIGIN = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.\-]*)://"
    r"(?P<host>[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)*|\[[0-9a-f:.]+\])"
    r"(?::(?P<port>[1-9][0-9]{0,4}))?"
)
_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*")
_HOST = re.compile(r"[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)*|\[[0-9a-f:.]+\]")
_LABELS = r"(?:[a-z0-9_\-]+\.)+"
DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}


def is_serialized_origin(value: str) -> bool:
    """True if *value* is an origin exactly as a browser serializes it.

    ``null`` is not a serialized origin (it is an opaque origin's placeholder).
    """
    if len(value) > MAX_ORIGIN_LENGTH:
        return False
    match = _REQUEST_ORIGIN.fullmatch(value)
    if match is None or not _is_canonical_address(match["host"]):
        return False
    port = match["port"]
    if port is None:
        return True
    return int(port) <= 65535 and DEFAULT_PORTS.get(match["scheme"]) != port


def is_valid_scheme(scheme: str) -> bool:
    """True if *scheme* is a URL scheme as browsers serialize it (lower case)."""
    return scheme.isascii() and _SCHEME.fullmatch(scheme) is not None


def is_valid_host(host: str) -> bool:
    """True if *host* is a lower-case DNS name, IPv4 address or bracketed IPv6 address,
    written as browsers serialize it."""
    return host.isascii() and _HOST.fullmatch(host) is not None and _is_canonical_address(host)


def is_loopback_host(host: str) -> bool:
    """True for ``localhost``, ``*.localhost``, 127.0.0.0/8 and ``[::1]``.

    An address range whose first part is 127 (``127.*.*.*``) is loopback too.
    """
    return (
        host == "localhost"
        or host.endswith(".localhost")
        or host == "[::1]"
        or re.fullmatch(r"127(?:\.(?:[0-9]{1,3}|\*)){3}", host) is not None
    )


# -- addresses, as the WHATWG URL Standard parses and serializes them ----------------

def ends_in_number(host: str) -> bool:
    """True if a URL parser reads *host* as an IPv4 address (its last label is a number).

    No top-level domain ends in a digit, and ``1.2.3`` or ``example.0x1`` is parsed as
    an address (or rejected), never looked up as a name.
    """
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    last = labels[-1]
    if last.isascii() and last.isdigit():
        return True
    return last[:2] in ("0x", "0X") and all(char in "0123456789abcdefABCDEF" for char in last[2:])


def _ipv4_number(part: str) -> int | None:
    base = 10
    if part[:2] in ("0x", "0X"):
        part, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        part, base = part[1:], 8
    if not part:
        return 0
    try:
        return int(part, base) if part.isascii() and part.isalnum() else None
    except ValueError:
        return None


def parse_ipv4(host: str) -> str | None:
    """*host* parsed as the WHATWG IPv4 parser does, in dotted-decimal form, or None.

    ``127.1`` is ``127.0.0.1``, ``0x7f.0.0.1`` too, ``192.168.010.1`` is ``192.168.8.1``
    (a leading zero means octal).
    """
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not 1 <= len(parts) <= 4 or "" in parts:
        return None
    numbers = [_ipv4_number(part) for part in parts]
    if any(number is None for number in numbers):
        return None
    values = [number for number in numbers if number is not None]
    if any(value > 255 for value in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        return None
    address = values[-1] + sum(
        value << (8 * (3 - index)) for index, value in enumerate(values[:-1])
    )
    return str(ipaddress.IPv4Address(address))


def serialize_ipv6(text: str) -> str | None:
    """The WHATWG serialization of an IPv6 address written as *text* (no brackets).

    Lower-case hex pieces without leading zeros, the first longest run of two or more
    zero pieces written ``::``, and never a dotted IPv4 tail: ``[::ffff:1.2.3.4]`` is
    sent as ``[::ffff:102:304]``. None if *text* is not an IPv6 address.
    """
    if "%" in text or not text.isascii():
        return None  # zone identifiers are not part of URLs
    try:
        packed = ipaddress.IPv6Address(text).packed
    except ValueError:
        return None
    pieces = [packed[index] << 8 | packed[index + 1] for index in range(0, 16, 2)]
    start, length, index = -1, 1, 0
    while index < 8:
        end = index
        while end < 8 and pieces[end] == 0:
            end += 1
        if end - index > length:
            start, length = index, end - index
        index = max(end, index + 1)
    words = [f"{piece:x}" for piece in pieces]
    if start < 0:
        return ":".join(words)
    return ":".join(words[:start]) + "::" + ":".join(words[start + length:])


def canonical_host(host: str) -> str | None:
    """*host* as a browser serializes it (addresses normalized), or None if invalid."""
    if host.startswith("[") and host.endswith("]"):
        serialized = serialize_ipv6(host[1:-1])
        return None if serialized is None else f"[{serialized}]"
    if ends_in_number(host):
        return parse_ipv4(host)
    return host


def _is_canonical_address(host: str) -> bool:
    if host.startswith("["):
        return serialize_ipv6(host[1:-1]) == host[1:-1]
    if not ends_in_number(host):
        return True
    parts = host.split(".")
    return len(parts) == 4 and all(
        part.isdigit() and str(int(part)) == part and int(part) <= 255 for part in parts
    )


def is_address_range(host: str) -> bool:
    """True for an IPv4 address range as a rule writes it: ``192.168.*.*``."""
    parts = host.split(".")
    return len(parts) == 4 and "*" in parts and all(
        part == "*" or (part.isdigit() and str(int(part)) == part and int(part) <= 255)
        for part in parts
    )


#: The IPv4 blocks nobody outside your networks can hold an address in.
PRIVATE_NETWORKS = tuple(ipaddress.IPv4Network(block) for block in (
    "10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
))


def is_private_range(host: str) -> bool:
    """True if every address of the range *host* (``192.168.*.*``) is in a private block."""
    fixed: list[str] = []
    for part in host.split("."):
        if part == "*":
            break
        fixed.append(part)
    network = ipaddress.IPv4Network(
        ".".join(fixed + ["0"] * (4 - len(fixed))) + f"/{8 * len(fixed)}"
    )
    return any(network.subnet_of(block) for block in PRIVATE_NETWORKS)


@functools.cache
def _public_suffix_list() -> object:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def is_public_suffix(domain: str) -> bool:
    """True if *domain* is a public suffix (``com``, ``co.uk``, ``github.io``...)."""
    psl = _public_suffix_list()
    return bool(psl.is_public(domain))  # type: ignore[attr-defined]


@functools.cache
def _domains_above_suffixes() -> frozenset[str]:
    """Every domain that is, or is a parent of, a public suffix (ICANN and private)."""
    from publicsuffixlist import PSLFILE

    found: set[str] = set()
    with open(PSLFILE, encoding="utf-8") as lines:
        for line in lines:
            rule = line.split(" ")[0].strip().lower()
            if not rule or rule.startswith(("//", "!")):
                continue  # comments, and exceptions (those names are registrable)
            try:
                labels = rule.removeprefix("*.").encode("idna").decode("ascii").split(".")
            except UnicodeError:
                continue
            found.update(".".join(labels[start:]) for start in range(len(labels)))
    return frozenset(found)


def covers_public_suffix(domain: str) -> bool:
    """True if *domain* or any name under it is a public suffix.

    ``amazonaws.com`` is one: ``s3.amazonaws.com`` below it is a public suffix where
    anyone can host pages, so ``https://*.amazonaws.com`` trusts strangers.
    """
    return "." not in domain or is_public_suffix(domain) or domain in _domains_above_suffixes()


@dataclass(frozen=True)
class OriginRule:
    """One validated entry of ``allow_origins``.

    ``host`` may start with ``*.`` (one or more subdomain labels, never the apex) and
    ``port`` may be ``"*"`` (any port, including the scheme's default, which browsers
    omit) or ``None`` (the default port only). Rules read from a regex may also hold
    an IPv4 address range, ``*`` standing for one part: ``192.168.*.*``.
    """

    text: str
    scheme: str
    host: str
    port: str | None

    @property
    def is_exact(self) -> bool:
        """True if the rule matches exactly one origin: :attr:`text` itself."""
        return "*" not in self.host and self.port != "*"

    def regex(self) -> str:
        """The rule as a regular expression, to be full-matched against an origin."""
        if self.host.startswith("*."):
            host = _LABELS + re.escape(self.host[2:])
        elif is_address_range(self.host):
            host = r"\.".join(_OCTET if part == "*" else part for part in self.host.split("."))
        else:
            host = re.escape(self.host)
        if self.port is None:
            port = ""
        elif self.port == "*":
            port = r"(?::[0-9]{1,5})?"
        else:
            port = ":" + self.port
        return re.escape(self.scheme) + "://" + host + port


_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"


def suggest_pattern(value: str) -> str | None:
    """The origin pattern a misplaced wildcard probably meant, for error hints.

    ``https://.*.example.com``, ``https://*example.com`` and ``https://app.example.com.*``
    all become ``https://*.example.com`` (the registrable domain of the labels without
    ``*``); ``http://localhost*`` becomes ``http://localhost:*``; ``*.com`` becomes
    ``https://*.com``. None when nothing but ``*`` is left of the host.
    """
    scheme, _sep, rest = value.rpartition("://")
    scheme = scheme.lower() or "https"
    host, _colon, port = rest.partition(":")
    labels = [label.replace("*", "") for label in host.lower().split(".")]
    labels = [label for label in labels if label]
    if not labels:
        return None
    domain = ".".join(labels)
    if "." not in domain and not host.startswith("*"):
        return f"{scheme}://{domain}:*"  # localhost*: any port is what a single label varies
    if "." in domain:
        domain = _public_suffix_list().privatesuffix(domain) or domain  # type: ignore[attr-defined]
    pattern = f"{scheme}://*.{domain}"
    return pattern + (":*" if "*" in port else "")


def suggest_origin(value: str) -> str:
    """Best-effort serialized form of a mistyped origin (or of a URL), for error hints.

    Every fault is fixed at once: scheme and host lower-cased, IDN hosts in punycode,
    addresses as browsers write them, path, query, fragment, user information and the
    default port dropped, a misplaced ``*`` turned into a pattern.
    """
    if "*" in value:
        return suggest_pattern(value) or value
    candidate = value.strip()
    if "://" not in candidate:
        candidate = "https://" + candidate.lstrip("/")
    try:
        parts = urlsplit(candidate)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return candidate.rstrip("/")
    if ":" in host:
        host = f"[{host}]"
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        host = host.lower()
    host = canonical_host(host) or host
    scheme = parts.scheme.lower()
    text = f"{scheme}://{host}"
    if port is not None and DEFAULT_PORTS.get(scheme) != str(port):
        text += f":{port}"
    return text


def parse_origin_rule(
    value: str, *, option: str, credentials: bool, insecure_ok: bool
) -> tuple[OriginRule | None, list[Problem]]:
    """Validate one configured origin; return the rule or the problems found.

    A value with several faults (``'HTTP://LocalHost:3000'``) gets one problem that
    names them all, and its hint the one value that fixes them all, checked to be
    valid under the same options; a hint suggests no value rather than a wrong one.
    """
    return _parse_origin_rule(value, option, credentials, insecure_ok, suggest=True)


def _parse_origin_rule(
    value: str, option: str, credentials: bool, insecure_ok: bool, *, suggest: bool
) -> tuple[OriginRule | None, list[Problem]]:
    if value == "null":
        return None, [Problem(
            "origin-null", option,
            "'null' is the origin of every sandboxed iframe and data: URL, so any site "
            "can send it; allowing it allows everyone.",
            "remove it; if you really must accept opaque origins, decide per request "
            "with allow_origin_func.",
        )]
    if value.lower().startswith("file:"):
        return None, [Problem(
            "origin-file", option,
            f"{value!r}: browsers send 'null' for file: documents, never a file:// origin.",
            "remove it and serve the page from http://localhost instead.",
        )]
    faults = _faults(value)
    if faults:
        fix = _valid_fix(value, option, credentials, insecure_ok) if suggest else None
        return None, [_fault_problem(value, faults, fix, option)]
    scheme, rest = value.split("://", 1)
    rule = OriginRule(value, scheme, *_split_host_port(rest))
    problems = check_credentialed(rule, option, insecure_ok) if credentials else []
    return (None if problems else rule), problems


class _Fault:
    """One thing wrong with how an origin is written.

    ``clause`` says what (after the value: "has no scheme"), ``reason`` what browsers
    do instead (after "browsers": "send lower case"; or ""), ``hint`` the fix when no
    corrected value can be suggested.
    """

    def __init__(self, code: ProblemCode, clause: str, reason: str, hint: str) -> None:
        self.code, self.clause, self.reason, self.hint = code, clause, reason, hint


def _faults(value: str) -> list[_Fault]:
    """Everything wrong with how *value* is written, not only the first thing."""
    faults: list[_Fault] = []
    if value != value.strip():
        # A list read from an environment variable and split on ',' keeps the space of
        # ', ': never matched by the peers, which compare as text; refused, not fixed.
        faults.append(_Fault("origin-not-serialized", "has white space around it",
                             "send no white space", "remove the white space."))
        value = value.strip()
    scheme, sep, rest = value.partition("://")
    if not sep:
        scheme, rest = "", value
        faults.append(_Fault(
            "origin-no-scheme", "has no scheme", "",
            "write the scheme and the host, e.g. 'https://app.example.com' (or the "
            "http:// form for plain HTTP).",
        ))
    for char, what in (("/", "a path or trailing slash"), ("?", "a query"),
                       ("#", "a fragment"), ("@", "user information")):
        if char in rest:
            faults.append(_Fault("origin-not-serialized", f"has {what}",
                                 "send only scheme://host[:port]",
                                 "keep only scheme://host[:port]."))
            break
    rest = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
    if sep and _SCHEME.fullmatch(scheme) is None:
        faults.append(_Fault("origin-scheme", "has an invalid or upper-case scheme",
                             "", "write the scheme in lower case."))
    host, port = _split_host_port(rest)
    return faults + _port_faults(scheme.lower() or "https", port) + _host_faults(host)


def _port_faults(scheme: str, port: str | None) -> list[_Fault]:
    if port is None or port == "*":
        return []
    # isdigit() alone accepts '²' and Arabic-Indic digits, which int() rejects or
    # browsers never send: only ASCII digits make a port.
    if not (port.isascii() and port.isdigit()) or port.startswith("0") or int(port) > 65535:
        return [_Fault("origin-port", f"has an invalid port {port!r}", "",
                       "use a number from 1 to 65535, or '*' for any port.")]
    if DEFAULT_PORTS.get(scheme) == port:
        return [_Fault("origin-default-port", "names the default port",
                       "omit the default port", "remove the port.")]
    return []


def _host_faults(host: str) -> list[_Fault]:
    if not host.isascii():
        return [_Fault("origin-not-punycode", "has a non-ASCII host",
                       "send IDN hosts in punycode",
                       "write the host in punycode (xn--...).")]
    faults = []
    if host != host.lower():
        faults.append(_Fault("origin-uppercase", "has upper-case letters",
                             "send lower case", "write it in lower case."))
    host = host.lower()
    bare = host[2:] if host.startswith("*.") else host
    if not host:
        faults.append(_Fault("origin-host", "has no host", "",
                             "write the full origin, e.g. 'https://app.example.com'."))
    elif "*" in bare or (host.startswith("*") and not host.startswith("*.")) or not bare:
        faults.append(_Fault(
            "origin-wildcard",
            "has a '*' where it cannot stand: it may only stand for the leftmost label(s) "
            "of a host ('https://*.example.com') or for the port ('http://localhost:*')",
            "", "write a regex (allow_origin_regex) for anything else.",
        ))
    elif _HOST.fullmatch(bare) is None:
        faults.append(_Fault(
            "origin-host", f"has an invalid host {host!r}", "",
            "use a DNS name, an IPv4 address or a bracketed IPv6 address.",
        ))
    elif not _is_canonical_address(bare):
        faults.append(_Fault(
            "origin-host", f"spells the address {host!r} differently from browsers",
            "write IPv4 as four decimal parts and IPv6 in compressed "
            "lower-case hex",
            "write the address as browsers do.",
        ))
    return faults


def _valid_fix(value: str, option: str, credentials: bool, insecure_ok: bool) -> str | None:
    candidate = suggest_origin(value)
    if candidate == value:
        return None
    _rule, problems = _parse_origin_rule(candidate, option, credentials, insecure_ok,
                                         suggest=False)
    return None if problems else candidate


def _fault_problem(value: str, faults: list[_Fault], fix: str | None, option: str) -> Problem:
    message = f"{value!r} {_joined([fault.clause for fault in faults])}"
    reasons = [fault.reason for fault in faults if fault.reason]
    if reasons:
        message += f"; browsers {_joined(reasons)}, so it never matches"
    first = faults[0]
    if fix is None:
        hint = first.hint
    elif first.code == "origin-wildcard":
        hint = f"write {fix!r} for its subdomains, or a regex (allow_origin_regex) for " \
               "anything else."
    elif first.code == "origin-no-scheme":
        hint = f"write {fix!r} (or the http:// form for plain HTTP)."
    else:
        hint = f"write {fix!r}."
    return Problem(first.code, option, message + ".", hint)


def _joined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _split_host_port(rest: str) -> tuple[str, str | None]:
    if rest.startswith("["):
        end = rest.find("]")
        if end != -1 and rest[end + 1:].startswith(":"):
            return rest[: end + 1], rest[end + 2:]
        return rest, None
    if ":" in rest:
        host, port = rest.rsplit(":", 1)
        return host, port
    return rest, None


def check_credentialed(
    rule: OriginRule, option: str, insecure_ok: bool, *, regex: bool = False,
    secure_hint: str | None = None,
) -> list[Problem]:
    """The problems of allowing *rule* together with credentials.

    *regex* says the rule stands for a regex (its text is the regex): the messages
    then name the regex, and *secure_hint* ("write r'^https://...'") is the https form
    to suggest, if there is a valid one.
    """
    problems: list[Problem] = []
    bare = rule.host[2:] if rule.host.startswith("*.") else rule.host
    # A regex is shown as written in source (r'...'); see wsgicors.regexes.shown.
    shown = f"regex r'{rule.text}'" if regex and "'" not in rule.text else repr(rule.text)
    address_range = is_address_range(rule.host)
    if rule.scheme == "http" and not insecure_ok and not is_loopback_host(bare):
        if regex:
            secure = secure_hint or "use https for those hosts"
        else:
            # http://host:443 becomes https://host: browsers omit a scheme's default port.
            port = None if rule.port == DEFAULT_PORTS["https"] else rule.port
            https = "https://" + rule.host + ("" if port is None else ":" + port)
            valid = not check_credentialed(OriginRule(https, "https", rule.host, port),
                                           option, insecure_ok)
            secure = f"use {https!r}" if valid else "use https"
        problems.append(Problem(
            "origin-insecure", option,
            f"{shown} allows plain http with allow_credentials: anyone on the network "
            "path can inject script into that origin and read credentialed responses "
            "(if this API is itself served over plain http, the same attacker reads its "
            "traffic directly and this refusal protects nothing: then say so with "
            "dangerously_allow_insecure_origins=True).",
            f"{secure}, or pass dangerously_allow_insecure_origins=True.",
        ))
    if address_range and not is_private_range(rule.host):
        problems.append(Problem(
            "origin-public-suffix", option,
            f"{shown} allows every address of {rule.host} with allow_credentials, public "
            "addresses included: anyone who holds one can serve a page from it and read "
            "credentialed responses.",
            "list the exact origins you trust, or narrow the range to a private block "
            "(10.*.*.*, 172.16-31.*.*, 192.168.*.*).",
        ))
    if rule.host.startswith("*.") and not is_loopback_host(bare) and covers_public_suffix(bare):
        what = f"matches names under {bare!r}" if regex else f"covers {bare!r}"
        problems.append(Problem(
            "origin-public-suffix", option,
            f"{shown} {what}, which is or contains a public suffix: anyone can register "
            "a name there that it matches, and read credentialed responses.",
            "list the exact origins you trust (your own deployments), decide per "
            "request in allow_origin_func, or turn allow_credentials off."
            if regex else
            "list your own domains instead ('https://*.yourcompany.example'), or the "
            "exact origins you trust.",
        ))
    return problems


def compile_rules(rules: list[OriginRule]) -> re.Pattern[str] | None:
    """One full-match pattern for all non-exact rules (None if there are none)."""
    patterns = [f"(?:{rule.regex()})" for rule in rules if not rule.is_exact]
    return re.compile("|".join(patterns)) if patterns else None
