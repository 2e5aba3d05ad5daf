"""HTTP and Fetch-standard vocabulary: tokens, forbidden names, safelists, ACRH parsing.

Everything here is a fact about HTTP or the Fetch standard, not about wsgicors's
configuration; ``policy`` and ``engine`` build on it.
"""

from __future__ import annotations

import re

# RFC 9110 token: method names and header field names are tokens.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

#: Methods browsers refuse to send (Fetch "forbidden method").
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})

#: Methods browsers send in upper case whatever the script wrote (Fetch "normalize").
NORMALIZED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})

#: Methods that never need to be listed in Access-Control-Allow-Methods.
SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})

#: Request headers scripts can never set (Fetch "forbidden request-header").
FORBIDDEN_REQUEST_HEADERS = frozenset(
    {
        "accept-charset", "accept-encoding", "access-control-request-headers",
        "access-control-request-method", "connection", "content-length", "cookie",
        "cookie2", "date", "dnt", "expect", "host", "keep-alive", "origin", "referer",
        "set-cookie", "te", "trailer", "transfer-encoding", "upgrade", "via",
    }
)
FORBIDDEN_REQUEST_HEADER_PREFIXES = ("proxy-", "sec-")

#: Response headers scripts may always read (Fetch "CORS-safelisted response-header name").
SAFELISTED_RESPONSE_HEADERS = frozenset(
    {
        "cache-control", "content-language", "content-length", "content-type",
        "expires", "last-modified", "pragma",
    }
)

#: Response headers that are never exposed to scripts, whatever the server says.
FORBIDDEN_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})

#: Upper bound on an Access-Control-Request-Headers value we are willing to parse.
#: Browsers send short, sorted lists; anything longer is refused before any work is
#: done, so 100,000 commas cost as little as a normal value (rs/cors GO-2024-2883).
MAX_REQUEST_HEADERS_LENGTH = 4096
#: Upper bound on the number of names in one Access-Control-Request-Headers value.
MAX_REQUEST_HEADER_NAMES = 64


def is_token(value: str) -> bool:
    """True if *value* is an RFC 9110 token (a valid method or header name)."""
    return TOKEN.fullmatch(value) is not None


def is_forbidden_request_header(name: str) -> bool:
    """True if browsers never let a script send the header *name* (any case)."""
    lname = name.lower()
    return lname in FORBIDDEN_REQUEST_HEADERS or lname.startswith(
        FORBIDDEN_REQUEST_HEADER_PREFIXES
    )


def parse_request_headers(value: str) -> list[str] | None:
    """Parse an ``Access-Control-Request-Headers`` value into lowercase names.

    Tolerates optional whitespace, mixed case and empty elements (proxies produce
    them). Returns ``None`` when the value is not a list of tokens or is larger than
    any browser sends; the work done is bounded by :data:`MAX_REQUEST_HEADERS_LENGTH`.
    """
    if len(value) > MAX_REQUEST_HEADERS_LENGTH:
        return None
    names: list[str] = []
    for part in value.split(","):
        name = part.strip(" \t")
        if not name:
            continue
        if TOKEN.fullmatch(name) is None:
            return None
        names.append(name.lower())
    if len(names) > MAX_REQUEST_HEADER_NAMES:
        return None
    return names
