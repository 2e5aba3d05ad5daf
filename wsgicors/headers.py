"""CORS response headers: composed once from a policy, merged into responses.

This module is the one place that says which headers a response carries: an actual
response (Access-Control-Allow-Origin, -Credentials, -Expose-Headers), a preflight
(plus -Methods, -Max-Age, -Headers, -Private-Network), a refused preflight, and
``Vary``. Everything is built from immutable tuples: a response always gets a new
list, so no caller can change what the next response carries (the rs/cors#198 class
of bug).

Merging follows three rules, the same for WSGI header lists and for framework
response objects (Flask, Django):

* ``Vary: Origin`` is added once to the application's ``Vary`` (``*`` stays ``*``)
  whenever the answer depends on the origin, whatever the status.
* An application that set ``Access-Control-Allow-Origin`` itself keeps all of its own
  CORS headers; only ``Vary`` is merged.
* Otherwise the policy decides: when wsgicors adds Access-Control-Allow-Origin, the
  application's Access-Control-Allow-Credentials and any header of the same name as
  one wsgicors adds are dropped, so a browser never sees ``true, true`` and
  credentials are only ever granted by the validated policy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

from .vocabulary import STEPS, Step

Header = tuple[str, str]

VARY_ORIGIN: Header = ("Vary", "Origin")
#: Preflight responses vary on the request headers that decide them (for CDNs that
#: cache OPTIONS although HTTP says they should not).
PREFLIGHT_VARY: Header = (
    "Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
)
#: The same when the policy answers Private Network Access: the answer then depends on
#: Access-Control-Request-Private-Network too (as rs/cors and Starlette say).
PREFLIGHT_VARY_PRIVATE_NETWORK: Header = (
    "Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
    "Access-Control-Request-Private-Network",
)
ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACEH = "Access-Control-Expose-Headers"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
MAX_AGE = "Access-Control-Max-Age"
ACAPN = "Access-Control-Allow-Private-Network"


#: An ASGI response header: latin-1 bytes, as in ``http.response.start`` messages.
RawHeader = tuple[bytes, bytes]


def encode_raw(headers: Iterable[Header]) -> list[RawHeader]:
    """*headers* as an ASGI header list (latin-1 bytes)."""
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]


class Preflight(NamedTuple):
    """A complete response to a preflight: it never reaches the application.

    Immutable and often ready-made (shared): a WSGI caller passes ``status_line`` and
    ``list(headers)`` to ``start_response``, an ASGI or framework caller ``status``.
    """

    #: ``204`` (allowed) or ``403`` (refused).
    status: int
    #: The same status as a WSGI status line (``"204 No Content"``).
    status_line: str
    headers: tuple[Header, ...]
    body: bytes
    #: The step that failed (``"origin"``, ``"method"``, ``"headers"``), None if allowed.
    failed: Step | None


def _allowed_preflight(headers: tuple[Header, ...]) -> Preflight:
    return Preflight(status=204, status_line="204 No Content", headers=headers, body=b"",
                     failed=None)


class CORSHeaders(NamedTuple):
    """The ready-made headers for one origin's answer (allowed or refused).

    Build it with :func:`cors_headers`; it is immutable and may be shared.
    """

    #: CORS headers of an actual response (empty when the origin gets none).
    actual: tuple[Header, ...]
    #: True if the answer depends on the Origin, so responses need ``Vary: Origin``.
    varies: bool
    #: Headers of a successful preflight, before the per-request ones
    #: (echoed method, Allow-Headers, Private-Network); empty when refused.
    preflight: tuple[Header, ...]
    #: ``actual`` plus ``Vary: Origin`` when ``varies``: what a response with no
    #: Vary and no CORS headers of its own gets appended.
    appended: tuple[Header, ...]
    #: The ready-made answer to a preflight from this origin when nothing is echoed
    #: and no header is requested, and the one when headers are requested (with the
    #: policy's fixed Access-Control-Allow-Headers).
    answer: Preflight
    answer_with_headers: Preflight
    #: ``appended`` encoded once for ASGI (latin-1 bytes).
    raw_appended: tuple[RawHeader, ...]


def cors_headers(
    actual: tuple[Header, ...], varies: bool, preflight: tuple[Header, ...] = (),
    allow_headers: str | None = None,
) -> CORSHeaders:
    """A :class:`CORSHeaders`, with ``appended`` and the ready-made preflight answers."""
    appended = (*actual, VARY_ORIGIN) if varies else actual
    with_headers = (*preflight, (ACAH, allow_headers)) if allow_headers else preflight
    return CORSHeaders(
        actual, varies, preflight, appended,
        _allowed_preflight(preflight),
        _allowed_preflight(with_headers),
        tuple(encode_raw(appended)),
    )


#: No CORS handling at all (CORS is off for the path).
NOTHING = cors_headers((), False)
#: No CORS headers for this origin, but the answer depends on the origin.
REFUSED = cors_headers((), True)


class Template(NamedTuple):
    """A policy's compiled header values, from which each origin's headers are made."""

    credentials: bool
    #: Access-Control-Expose-Headers value, or None.
    expose: str | None
    #: Access-Control-Allow-Methods value, or None when the requested method is echoed.
    methods: str | None
    max_age: int | None
    varies: bool
    #: Access-Control-Allow-Headers value, or None when the requested names are echoed.
    allow_headers: str | None
    #: True if allowed preflights answer Private Network Access.
    private_network: bool = False

    def for_origin(self, origin: str) -> CORSHeaders:
        """The headers that allow *origin* (``"*"`` for the any-origin policy)."""
        base: tuple[Header, ...] = ((ACAO, origin),)
        if self.credentials:
            base += ((ACAC, "true"),)
        actual = (*base, (ACEH, self.expose)) if self.expose else base
        preflight = base
        if self.methods is not None:
            preflight += ((ACAM, self.methods),)
        if self.max_age is not None:
            preflight += ((MAX_AGE, str(self.max_age)),)
        vary = PREFLIGHT_VARY_PRIVATE_NETWORK if self.private_network else PREFLIGHT_VARY
        return cors_headers(actual, self.varies, (*preflight, vary), self.allow_headers)


def preflight_answer(
    allowed: CORSHeaders, echo_method: str | None, allow_headers: str | None,
    private_network: bool,
) -> Preflight:
    """A successful preflight's answer with what it echoes (method, headers) or
    Private Network Access; without any of these, ``allowed.answer`` is ready-made."""
    headers = allowed.preflight
    if echo_method is not None:
        headers += ((ACAM, echo_method),)
    if allow_headers is not None:
        headers += ((ACAH, allow_headers),)
    if private_network:
        headers += ((ACAPN, "true"),)
    # Built per request: positional arguments, the fastest (see Preflight's fields).
    return Preflight(204, "204 No Content", headers, b"", None)


def _refused_preflight(step: Step) -> Preflight:
    # The body names the failed step, never request data: the doctor reads it.
    body = f"CORS preflight refused: {step} not allowed\n".encode("ascii")
    headers = (
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("X-Content-Type-Options", "nosniff"),
        PREFLIGHT_VARY,
    )
    return Preflight(status=403, status_line="403 Forbidden", headers=headers, body=body,
                     failed=step)


#: A refused preflight's ready-made answer, per failed step.
REFUSED_PREFLIGHT: Mapping[Step, Preflight] = {step: _refused_preflight(step) for step in STEPS}


def merge_vary(value: str | None, token: str = "Origin") -> str:  # noqa: S107
    """*value* (a Vary header or None) with *token* added once; ``*`` stays ``*``."""
    if value is None or not value.strip():
        return token
    present = {part.strip().lower() for part in value.split(",")}
    if "*" in present or token.lower() in present:
        return value
    return f"{value}, {token}"


# Response header names, in the spellings applications use, that are neither Vary nor
# Access-Control-*: a response made only of these just gets the CORS headers
# appended, one set lookup per header. A constant: it never grows.
_PLAIN = frozenset(
    spelling
    for name in (
        "Content-Type", "Content-Length", "Cache-Control", "Location", "Set-Cookie",
        "ETag", "Last-Modified", "Expires", "Date", "Server", "Content-Encoding",
        "Content-Disposition", "Content-Language", "Content-Security-Policy",
        "Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy", "Referrer-Policy",
        "X-Frame-Options", "X-Content-Type-Options", "Strict-Transport-Security",
        "Transfer-Encoding", "Connection", "Pragma", "Accept-Ranges", "Allow",
        "Retry-After", "WWW-Authenticate", "Content-Range", "Link", "X-Request-Id",
    )
    for spelling in (name, name.lower())
)


def _is_cors_or_vary(name: str) -> bool:
    """True for Vary and Access-Control-* in any case (callers test _PLAIN first)."""
    lname = name.lower()
    return lname == "vary" or lname.startswith("access-control-")


def _is_raw_cors_or_vary(name: bytes) -> bool:
    """:func:`_is_cors_or_vary` for an ASGI (latin-1 bytes) header name."""
    lname = name.lower()
    return lname == b"vary" or lname.startswith(b"access-control-")


class _Changes(NamedTuple):
    vary: str | None  # the new Vary value, None: leave Vary as it is
    add: tuple[Header, ...]
    drop: frozenset[str]  # lower-case names of the application's headers to remove


def _changes(vary: str | None, names: set[str], cors: CORSHeaders) -> _Changes:
    """The merge rules, from the app's Vary value and lower-case header names."""
    new_vary = None
    if cors.varies:
        merged = merge_vary(vary)
        if merged != vary:
            new_vary = merged
    if "access-control-allow-origin" in names or not cors.actual:
        return _Changes(new_vary, (), frozenset())
    ours = {name.lower() for name, _value in cors.actual}
    drop = frozenset((ours | {"access-control-allow-credentials"}) & names)
    return _Changes(new_vary, cors.actual, drop)


def add_to_header_list(headers: list[Header], cors: CORSHeaders) -> list[Header]:
    """A new WSGI header list: the application's *headers* with *cors* merged in.

    The application's list is never modified (it may be a shared constant).
    """
    for name, _value in headers:
        if name not in _PLAIN and _is_cors_or_vary(name):
            return _merge_list(headers, cors)
    return [*headers, *cors.appended]


def _merge_list(headers: list[Header], cors: CORSHeaders) -> list[Header]:
    names = {name.lower() for name, _value in headers}
    varies = [value for name, value in headers if name.lower() == "vary"]
    changes = _changes(", ".join(varies) if varies else None, names, cors)
    out: list[Header] = []
    vary_done = changes.vary is None
    for name, value in headers:
        lname = name.lower()
        if lname in changes.drop:
            continue
        if lname == "vary" and not vary_done:
            # Keep the application's other Vary lines; Origin joins the first one.
            value, vary_done = merge_vary(value), True
        out.append((name, value))
    if not vary_done:
        out.append(VARY_ORIGIN)
    out += changes.add
    return out


def add_to_raw_header_list(headers: Iterable[RawHeader], cors: CORSHeaders) -> list[RawHeader]:
    """:func:`add_to_header_list` for an ASGI header list (latin-1 byte pairs).

    A new list; the application's is never modified. Only a response that carries
    ``Vary`` or CORS headers of its own is decoded to be merged.
    """
    raw = list(headers)
    for name, _value in raw:
        if _is_raw_cors_or_vary(name):
            text = [(key.decode("latin-1"), value.decode("latin-1")) for key, value in raw]
            return encode_raw(_merge_list(text, cors))
    raw += cors.raw_appended
    return raw


def response_updates(
    names: Iterable[str], get: Callable[[str], str | None], cors: CORSHeaders
) -> Sequence[tuple[str, str | None]]:
    """What to do to a framework response object (Flask, Django) to merge *cors*.

    *names* are the response's header names and ``get(name)`` returns all values of a
    header joined with ``", "`` (None when absent). Returns ``(name, value)`` pairs to
    set, replacing any present value, and ``(name, None)`` for headers to delete.
    """
    special: set[str] | None = None
    for name in names:
        if name not in _PLAIN and _is_cors_or_vary(name):
            special = special or set()
            special.add(name.lower())
    if special is None:
        return cors.appended  # the common case: nothing to merge, nothing allocated
    vary = get("Vary") if "vary" in special else None
    changes = _changes(vary, special, cors)
    updates: list[tuple[str, str | None]] = [(name, None) for name in sorted(changes.drop)]
    if changes.vary is not None:
        updates.append(("Vary", changes.vary))
    updates += changes.add
    return updates


# -- for the tools: reading and replacing CORS answers -------------------------------


def refused_preflight_step(body: bytes) -> str | None:
    """The step a refused preflight's *body* names (``"origin"``, ``"method"`` or
    ``"headers"``) when the body is wsgicors's own refusal, else None.

    The doctor reads it to name the option to change on a server it cannot see into.
    """
    for step, answer in REFUSED_PREFLIGHT.items():
        if body.startswith(answer.body.rstrip(b"\n")):
            return step
    return None


def without_cors(headers: Iterable[Header]) -> tuple[list[Header], bool]:
    """*headers* without another server's CORS answer, and whether it had one.

    Every ``Access-Control-*`` header goes, and the ``Origin`` token of ``Vary`` (a
    Vary with nothing else goes too). For a layer that replaces that answer with its
    own policy's, such as ``wsgicors proxy``: the policy's headers are merged in after.
    """
    out: list[Header] = []
    removed = False
    for name, value in headers:
        lname = name.lower()
        if lname.startswith("access-control-"):
            removed = True
            continue
        if lname == "vary":
            tokens = [part.strip() for part in value.split(",") if part.strip()]
            kept = [token for token in tokens if token.lower() != "origin"]
            removed = removed or len(kept) < len(tokens)
            if not kept:
                continue
            value = ", ".join(kept)
        out.append((name, value))
    return out, removed
