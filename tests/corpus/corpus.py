"""The corpus, and the two allow-lists a reviewer reads before the tests.

:data:`CORPUS` is every record. :data:`DEFENDED_REFUSALS` lists the safe
configurations wsgicors may refuse, each with the problem codes allowed and a
one-line defence; :data:`REINTERPRETED` the insecure ones (under the peer) that
wsgicors starts because it reads them differently, each with why that is safe
(tests/corpus/test_corpus.py proves it with the oracle's probes).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import django_configs, fastapi_configs, flask_configs
from .records import Record

CORPUS: list[Record] = [
    *django_configs.RECORDS, *flask_configs.RECORDS, *fastapi_configs.RECORDS,
]
BY_ID = {record.id: record for record in CORPUS}


@dataclass(frozen=True)
class Defence:
    """Why refusing a safe configuration is right: the codes it may be refused with.

    ``title`` names it in docs/validation.rst, which gives the defence to users.
    """

    codes: frozenset[str]
    why: str
    title: str


PLAIN_HTTP = Defence(
    frozenset({"origin-insecure"}),
    "credentials for a plain-http origin: anyone on the network path (a cafe's Wi-Fi, "
    "a LAN neighbour) can inject script into it and read the responses; "
    "dangerously_allow_insecure_origins says so and starts it in one step",
    "Plain-http origins with credentials",
)
NOT_SERIALIZED = Defence(
    frozenset({"origin-not-serialized"}),
    "an origin with a path is not what browsers send; django-cors-headers' own system "
    "check (corsheaders.E014) refuses it too, and the hint's value starts",
    "An origin with a path",
)
UNKNOWN_OPTION = Defence(
    frozenset({"unknown-option"}),
    "flask-cors ignored the misspelt 'origin' and allowed every origin instead of the "
    "one written; starting would keep that surprise",
    "A misspelt option",
)
DEAD_PUBLIC_SUFFIX = Defence(
    frozenset({"origin-public-suffix"}),
    "Starlette never matched 'https://*.vercel.app' (a literal); wsgicors would make it "
    "live, and live it gives credentials to every Vercel site; deleting it changes "
    "nothing the app had",
    "A wildcard over a public suffix that Starlette never matched",
)
HARMLESS_DOT = Defence(
    frozenset({"regex-unproven"}),
    "a regex is code: the unescaped dot is harmless only because it sits in the "
    "top-level domain; one backslash fixes it and the next edit may not be so lucky",
    "An unescaped dot in a regex's domain",
)

DOT_STAR_HOST = Defence(
    frozenset({"regex-unproven"}),
    "'.*' in a host also matches ':', '/', '@', '[' and ']', so the regex says more than "
    "'any subdomain' and is safe only while every Origin is validated first (issue 18 "
    "item 5 was a hole in exactly that); the regex the hint writes starts in one step",
    "'.*' in a regex's host",
)

LOOPBACK_REGEX = Defence(
    frozenset({"regex-unproven"}),
    "an unescaped '.' in '127.0.0.1', or ':*' after 'localhost', also matches single-label "
    "names ('http://127x0a0a1:1', 'http://localhost1') that a search domain or a hostile "
    "LAN's DNS resolves to another machine, which then reads the responses; the hint's "
    "'http://127.0.0.1:*' or 'http://localhost:*' (or the escaped regex) starts in one step",
    "Loopback regexes with an unescaped dot or ':*'",
)

#: Safe configurations wsgicors may refuse, by record id.
DEFENDED_REFUSALS: dict[str, Defence] = {
    "django-intranet-http-credentials": PLAIN_HTTP,
    "django-http-staging-credentials": PLAIN_HTTP,
    "django-lan-range-credentials": PLAIN_HTTP,
    "flask-lan-credentials": PLAIN_HTTP,
    "flask-intranet-http-credentials": PLAIN_HTTP,
    "fastapi-intranet-http-credentials": PLAIN_HTTP,
    "fastapi-tutorial-origins-credentials": PLAIN_HTTP,
    "fastapi-lan-regex-credentials": PLAIN_HTTP,
    "django-trailing-slash-origin": NOT_SERIALIZED,
    "flask-decorator-origin-typo": UNKNOWN_OPTION,
    "fastapi-literal-wildcard-vercel-credentials": DEAD_PUBLIC_SUFFIX,
    "django-unescaped-tld-dot": HARMLESS_DOT,
    "django-dot-star-subdomains-credentials": DOT_STAR_HOST,
    "django-vercel-subtree-no-credentials": DOT_STAR_HOST,
    "flask-vercel-no-credentials": DOT_STAR_HOST,
    "fastapi-vercel-no-credentials": DOT_STAR_HOST,
    "django-localhost-dot-star": DOT_STAR_HOST,
    "django-loopback-unescaped-credentials": LOOPBACK_REGEX,
    "django-loopback-colon-star": LOOPBACK_REGEX,
    "django-loopback-prefix-ports": LOOPBACK_REGEX,
    "flask-loopback-regexes-credentials": LOOPBACK_REGEX,
    "flask-loopback-colon-star-credentials": LOOPBACK_REGEX,
    "flask-loopback-any-port-credentials": LOOPBACK_REGEX,
    "fastapi-loopback-unescaped-credentials": LOOPBACK_REGEX,
    "fastapi-loopback-colon-star-credentials": LOOPBACK_REGEX,
}

#: Insecure under the peer, started by wsgicors, which reads them safely, by record id.
FULL_MATCH = ("the peer matched a prefix (re.match); wsgicors full-matches the regex, "
              "so nothing can follow the host")
SUBDOMAIN_PATTERN = ("flask-cors read 'https://*.x' as a regex (one character, then x, "
                     "as a prefix); wsgicors reads it as x's subdomains, as the author meant")
REINTERPRETED: dict[str, str] = {
    "django-prefix-exact-credentials": FULL_MATCH,
    "flask-prefix-escaped-credentials": FULL_MATCH,
    "flask-loopback-prefix-credentials": FULL_MATCH,
    "flask-pattern-credentials": SUBDOMAIN_PATTERN,
    "flask-config-pattern-credentials": SUBDOMAIN_PATTERN,
}
