"""Framing through real sockets (issue 18, item 8): raw bytes from a client to the
proxy on its own server (werkzeug), and from an upstream to the proxy.

Requests whose end is ambiguous are refused and never reach the upstream; what does
reach it carries exactly one framing, computed by the proxy. Responses reach the
client whole and framed by the proxy, or as a 502, never truncated as if complete.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wsgicors.proxy import make_app

from .support import Upstream, exchange, raw_upstream, serving

pytestmark = pytest.mark.server

PAGE = "http://localhost:5173"
HEAD = b"POST /items HTTP/1.1\r\nHost: 127.0.0.1\r\n"
ALPHABET = b"abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def proxy(upstream: Upstream) -> Iterator[int]:
    with serving(make_app(upstream.url, allow_origins=[PAGE])) as port:
        yield port


def chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


# -- requests: ambiguous framing is refused, nothing is forwarded --------------------


@pytest.mark.parametrize(("headers", "body"), [
    # Content-Length and Transfer-Encoding together, in either order, any length
    (b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", chunked(ALPHABET)),
    (b"Transfer-Encoding: chunked\r\nContent-Length: 26\r\n", chunked(ALPHABET)),
    (b"Content-Length: 0\r\nTransfer-Encoding: chunked\r\n", chunked(ALPHABET)),
    # a Content-Length that is not one number of ASCII digits
    (b"Content-Length: -1\r\n", b"abc"),
    (b"Content-Length: +3\r\n", b"abc"),
    (b"Content-Length: 0x3\r\n", b"abc"),
    (b"Content-Length: 3.0\r\n", b"abc"),
    (b"Content-Length: 1_0\r\n", b"abcdefghij"),
    (b"Content-Length: \xd9\xa3\r\n", b"abc"),   # ARABIC-INDIC DIGIT THREE
    (b"Content-Length: \xc2\xb3\r\n", b"abc"),   # SUPERSCRIPT THREE
    (b"Content-Length: \r\n", b"abc"),
    (b"Content-Length: 3 4\r\n", b"abc"),
    (b"Content-Length: 3, 4\r\n", b"abcd"),
    (b"Content-Length: 3\r\nContent-Length: 5\r\n", b"abcde"),
    (b"Content-Length: 5\r\nContent-Length: 3\r\n", b"abcde"),
    (b"Content-Length: " + b"9" * 19 + b"\r\n", b"abc"),
    (b"Content-Length: " + b"1" * 5000 + b"\r\n", b"abc"),
    # a Transfer-Encoding other than chunked alone
    (b"Transfer-Encoding: chunked, gzip\r\n", chunked(b"abc")),
    (b"Transfer-Encoding: gzip\r\n", b"abc"),
    (b"Transfer-Encoding: identity\r\n", b"abc"),
    (b"Transfer-Encoding: chunked, chunked\r\n", chunked(chunked(b"abc"))),
    (b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", chunked(b"abc")),
    (b"Transfer-Encoding: xchunked\r\nContent-Length: 3\r\n", b"abc"),
    (b"Transfer-Encoding: \r\nContent-Length: 3\r\n", b"abc"),
    (b"Transfer-Encoding: \r\n", b"abc"),
    (b"Transfer-Encoding: ,\r\n", b"abc"),
    (b"Transfer-Encoding: chunked\x0b\r\n", chunked(b"abc")),
    (b"Content-Length: 3\r\n 3\r\n", b"abc"),    # obs-fold
    # header lines werkzeug would silently take for the end of the header block
    (b"Content-Length : 3\r\n", b"abc"),
    (b"Transfer-Encoding : chunked\r\n", chunked(b"abc")),
    (b"X-No-Colon\r\nContent-Length: 3\r\n", b"abc"),
])
def test_ambiguous_request_framing_is_a_400_and_never_forwarded(
        upstream: Upstream, proxy: int, headers: bytes, body: bytes) -> None:
    answer = exchange(proxy, HEAD + headers + b"\r\n" + body)
    assert answer.status == 400
    assert answer.complete
    assert upstream.seen == []


def test_transfer_encoding_in_an_http_1_0_request_is_a_400(
        upstream: Upstream, proxy: int) -> None:
    answer = exchange(proxy, b"POST /items HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n" + chunked(b"abc"))
    assert answer.status == 400
    assert upstream.seen == []


@pytest.mark.parametrize("coding", [b"gzip, chunked", b"deflate,chunked"])
def test_a_transfer_coding_before_chunked_is_not_implemented(
        upstream: Upstream, proxy: int, coding: bytes) -> None:
    answer = exchange(proxy, HEAD + b"Transfer-Encoding: " + coding + b"\r\n\r\n"
                      + chunked(b"abc"))
    assert answer.status == 501
    assert upstream.seen == []


@pytest.mark.parametrize("body", [
    b"0x3\r\nabc\r\n0\r\n\r\n",         # int(..., 16) reads these, RFC 9112 does not
    b"+3\r\nabc\r\n0\r\n\r\n",
    b" 3\r\nabc\r\n0\r\n\r\n",
    b"-0\r\n\r\n",
    b"3\nabc\n0\n\n",                   # bare line feeds
    b"3\r\nabc\n0\r\n\r\n",
    b"3\r\nabc\r0\r\n\r\n",             # bare carriage return
    b"3\r\nabcd\r\n0\r\n\r\n",          # a chunk longer than its size
    b"1a\r\nabc",                       # cut inside a chunk
    b"3\r\nabc\r\n",                    # no last chunk
    b"zz\r\nabc\r\n0\r\n\r\n",
    b"10000000000000000\r\nabc\r\n0\r\n\r\n",  # 17 hex digits: past any real body
])
def test_a_malformed_chunked_body_is_a_400_and_never_reaches_the_upstream_whole(
        upstream: Upstream, proxy: int, body: bytes) -> None:
    answer = exchange(proxy, HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + body)
    assert answer.status == 400
    assert upstream.seen == []


@pytest.mark.parametrize(("body", "status"), [
    (b"3;" + b"x" * 4000 + b"\r\nabc\r\n0\r\n\r\n", 200),  # a long extension is fine
    (b"3;" + b"x" * 5000 + b"\r\nabc\r\n0\r\n\r\n", 400),  # past 4,096 bytes a line
    (b"3\r\nabc\r\n0\r\n" + b"X-T: 1\r\n" * 64 + b"\r\n", 200),
    (b"3\r\nabc\r\n0\r\n" + b"X-T: 1\r\n" * 65 + b"\r\n", 400),  # past 64 trailers
])
def test_chunk_lines_and_trailers_are_bounded(
        upstream: Upstream, proxy: int, body: bytes, status: int) -> None:
    answer = exchange(proxy, HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + body)
    assert answer.status == status
    assert [seen.body for seen in upstream.seen] == ([b"abc"] if status == 200 else [])


def test_a_body_shorter_than_its_length_is_a_400_and_never_reaches_the_upstream(
        upstream: Upstream, proxy: int) -> None:
    answer = exchange(proxy, HEAD + b"Content-Length: 10\r\n\r\nabc")
    assert answer.status == 400
    assert upstream.seen == []


# -- requests: what is forwarded carries one framing, the proxy's --------------------


@pytest.mark.parametrize(("headers", "body", "sent"), [
    (b"Content-Length: 007\r\n", b"abcdefg", b"abcdefg"),
    (b"Content-Length: 3\r\nContent-Length: 3\r\n", b"abc", b"abc"),  # one number twice
    (b"Content-Length: 3, 3\r\n", b"abc", b"abc"),
    (b"Content-Length: 3\r\n", b"abcGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", b"abc"),
    (b"Content-Length: 0\r\n", b"", b""),
])
def test_a_length_framed_body_goes_upstream_with_the_length_sent(
        upstream: Upstream, proxy: int, headers: bytes, body: bytes, sent: bytes) -> None:
    answer = exchange(proxy, HEAD + headers + b"\r\n" + body)
    assert (answer.status, answer.complete) == (200, True)
    [seen] = upstream.seen  # one request: whatever follows the body is not one
    assert seen.body == sent and not seen.chunked
    assert [value for name, value in seen.headers if name.lower() == "content-length"] == [
        str(len(sent))]
    assert seen.header("Transfer-Encoding") is None


@pytest.mark.parametrize(("encoding", "body", "sent"), [
    (b"chunked", chunked(b"abc", ALPHABET), b"abc" + ALPHABET),
    (b"Chunked", chunked(b"abc"), b"abc"),
    (b"chunked", b"3;name=value\r\nabc\r\n0\r\n\r\n", b"abc"),       # chunk extension
    (b"chunked", b"3 ;x\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n", b"abc"),  # trailer dropped
    (b"chunked", b"A\r\n0123456789\r\n0\r\n\r\n", b"0123456789"),
])
def test_a_chunked_body_goes_upstream_chunked_and_whole(
        upstream: Upstream, proxy: int, encoding: bytes, body: bytes, sent: bytes) -> None:
    answer = exchange(proxy, HEAD + b"Transfer-Encoding: " + encoding + b"\r\n\r\n" + body)
    assert (answer.status, answer.complete) == (200, True)
    [seen] = upstream.seen
    assert (seen.body, seen.chunked) == (sent, True)
    assert seen.header("Content-Length") is None
    assert seen.header("X-Trailer") is None


# -- responses: the client gets the whole body, framed by the proxy ----------------


def response(head: bytes, body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" + head + b"\r\n" + body


@pytest.mark.parametrize("head", [
    b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
    b"Transfer-Encoding: chunked\r\nContent-Length: 100\r\n",
    b"Transfer-Encoding: chunked\r\nContent-Length: -1\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: CHUNKED\r\n",
])
def test_a_chunked_response_reaches_the_client_whole_whatever_its_length_says(
        head: bytes) -> None:
    with raw_upstream(response(head, chunked(ALPHABET[:10], ALPHABET[10:]))) as up, \
            serving(make_app(up.url, allow_origins=[PAGE])) as port:
        answer = exchange(port, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert (answer.status, answer.body, answer.complete) == (200, ALPHABET, True)
    assert answer.header("Content-Length") in (None, "26")


@pytest.mark.parametrize(("head", "body"), [
    (b"Content-Length: 26\r\n", ALPHABET),
    (b"Content-Length: 026\r\n", ALPHABET),
    (b"Content-Length: 26\r\nContent-Length: 26\r\n", ALPHABET),
    (b"Content-Length: 10\r\n", ALPHABET),   # what follows the length is not passed on
    (b"", ALPHABET),                         # ends when the upstream closes
])
def test_a_length_framed_response_reaches_the_client_with_its_length(
        head: bytes, body: bytes) -> None:
    with raw_upstream(response(head, body)) as up, \
            serving(make_app(up.url, allow_origins=[PAGE])) as port:
        answer = exchange(port, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    expected = body[:10] if b"10" in head else body
    assert (answer.status, answer.body, answer.complete) == (200, expected, True)
    assert answer.header("Content-Length") in (None, str(len(expected)))


@pytest.mark.parametrize("head", [
    b"Content-Length: -1\r\n",
    b"Content-Length: +3\r\n",
    b"Content-Length: 0x1a\r\n",
    b"Content-Length: 2_6\r\n",
    b"Content-Length: \xd9\xa3\r\n",
    b"Content-Length: 26, 26\r\n",
    b"Content-Length: 5, 26\r\n",
    b"Content-Length: 5\r\nContent-Length: 26\r\n",
    b"Content-Length: 26 \x0b\r\n",
    b"Content-Length: " + b"9" * 40 + b"\r\n",
    b"Transfer-Encoding: gzip, chunked\r\n",
    b"Transfer-Encoding: chunked, gzip\r\n",
    b"Transfer-Encoding: gzip\r\nContent-Length: 26\r\n",
    b"Transfer-Encoding: chunked \r\n",
    b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
])
def test_an_ambiguously_framed_response_is_a_502(head: bytes) -> None:
    with raw_upstream(response(head, chunked(ALPHABET))) as up, \
            serving(make_app(up.url, allow_origins=[PAGE])) as port:
        answer = exchange(port, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert (answer.status, answer.complete) == (502, True)
    assert answer.body.startswith(b"wsgicors proxy: refused the answer of " + up.url.encode())


@pytest.mark.parametrize("body_and_head", [
    (b"Content-Length: 26\r\n", b"abcd"),                   # the upstream closes early
    (b"Transfer-Encoding: chunked\r\n", b"1a\r\nabcd"),     # inside a chunk
    (b"Transfer-Encoding: chunked\r\n", b"4\r\nabcd\r\n"),  # before the last chunk
])
def test_a_truncated_response_never_reaches_the_client_as_complete(
        body_and_head: tuple[bytes, bytes]) -> None:
    head, body = body_and_head
    with raw_upstream(response(head, body)) as up, \
            serving(make_app(up.url, allow_origins=[PAGE])) as port:
        answer = exchange(port, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert answer.status == 200
    assert not answer.complete


@pytest.mark.parametrize(("head", "value"), [
    (b"X-Folded: a\r\n b\r\n", "a b"),                         # obs-fold
    (b"X-Folded: a\r\n\tb\r\n c\r\n", "a b c"),
    (b"X-Nul: a\x00b\r\n", "a b"),                              # NUL
])
def test_line_breaks_in_upstream_header_values_never_reach_the_client(
        head: bytes, value: str) -> None:
    with raw_upstream(response(head + b"Content-Length: 2\r\n", b"ok")) as up, \
            serving(make_app(up.url, allow_origins=[PAGE])) as port:
        answer = exchange(port, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert (answer.status, answer.body, answer.complete) == (200, b"ok", True)
    assert answer.header(head.split(b":")[0].decode()) == value


@pytest.mark.parametrize(("request_line", "status_line", "length"), [
    (b"HEAD / HTTP/1.1", b"HTTP/1.1 200 OK", "26"),       # the length of the GET body
    (b"GET / HTTP/1.1", b"HTTP/1.1 304 Not Modified", "26"),
    (b"GET / HTTP/1.1", b"HTTP/1.1 204 No Content", None),  # never on a 204
])
def test_bodiless_responses_keep_their_length_and_send_no_body(
        request_line: bytes, status_line: bytes, length: str | None) -> None:
    answer_bytes = status_line + b"\r\nContent-Length: 26\r\n\r\n"
    with raw_upstream(answer_bytes) as up, \
            serving(make_app(up.url, allow_origins=[PAGE])) as port:
        answer = exchange(port, request_line + b"\r\nHost: localhost\r\n\r\n")
    assert (answer.body, answer.complete) == (b"", True)
    assert answer.header("Content-Length") == length
    assert answer.header("Transfer-Encoding") is None
