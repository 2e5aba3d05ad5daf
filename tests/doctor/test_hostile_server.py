"""The doctor's HTTP reader against a hostile server: one deadline, bounded sizes,
linear parsing, and numbers read from ASCII digits only (issue 18, items 2 and 3).

The deadline tests assert that a request ends within a generous multiple of its
timeout, never how fast it is. The parsing tests feed growing hostile inputs (n, 2n,
4n, 8n bytes) and assert that the cost per byte stays flat, within a wide margin: a
quadratic parser's grows eightfold over that range.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from wsgicors.doctor import HTTPTransport, ToolError
from wsgicors.doctor import browser as rules
from wsgicors.doctor import responses as wire
from wsgicors.doctor.browser import preflight_cache_seconds
from wsgicors.doctor.transport import ASGITransport, WSGITransport
from wsgicors.doctor.vocabulary import Browser

from .hostile import HOLD, Step, answer, drip, head, serve

ORIGIN = [("Origin", "https://app.example.com")]
# A request must end within this many of its timeouts (a deadline, not a speed).
SLACK = 5


def send(url: str, timeout: float = 1.0, **options: Any) -> tuple[wire.Response, float]:
    """The response to a GET of *url*, and the seconds it took."""
    start = time.monotonic()
    response = HTTPTransport(timeout, **options).send("GET", url, ORIGIN)
    return response, time.monotonic() - start


def refusal(url: str, timeout: float = 1.0) -> tuple[str, float]:
    """The ToolError message a GET of *url* ends with, and the seconds it took."""
    start = time.monotonic()
    with pytest.raises(ToolError) as raised:
        HTTPTransport(timeout).send("GET", url, ORIGIN)
    return str(raised.value), time.monotonic() - start


# -- linear parsing ----------------------------------------------------------------

def cost_per_byte(parse: Callable[[bytes], object], data: bytes) -> float:
    """Seconds per byte of *parse(data)*: the least of three runs of 20 ms or more."""
    best = float("inf")
    for _ in range(3):
        runs, start = 0, time.perf_counter()
        while True:
            parse(data)
            runs += 1
            elapsed = time.perf_counter() - start
            if elapsed >= 0.02:
                break
        best = min(best, elapsed / runs / len(data))
    return best


def assert_linear(parse: Callable[[bytes], object], make: Callable[[int], bytes],
                  n: int) -> None:
    costs = [cost_per_byte(parse, make(size)) for size in (n, 2 * n, 4 * n, 8 * n)]
    growth = max(costs) / costs[0]
    assert growth < 3, f"cost per byte grew {growth:.1f}x from n to 8n: {costs}"


CHUNKED = wire.Framing(chunked=True)
BROWSERS: tuple[Browser, ...] = ("chrome", "firefox")


def test_decoding_many_tiny_chunks_is_linear() -> None:
    # The old decoder copied the rest of the buffer for each chunk: 31 s for 1 MiB.
    assert CHUNKED.decode(b"1\nx\n" * 3 + b"0\n\n") == b"xxx"
    assert_linear(CHUNKED.decode, lambda n: b"1\nx\n" * n, 8192)


@pytest.mark.parametrize("filler", [b";", b" ", b"\t"])
def test_an_unfinished_last_chunk_is_scanned_in_linear_time(filler: bytes) -> None:
    # The old end-of-body regex backtracked quadratically over "0" + ";" * n.
    assert CHUNKED.wants_more(b"0" + filler * 100)
    assert not CHUNKED.wants_more(b"0" + filler * 100 + b"\r\n\r\n")
    assert_linear(CHUNKED.wants_more, lambda n: b"0" + filler * n, 1500)


@pytest.mark.parametrize("browser", BROWSERS)
def test_folded_header_lines_are_joined_in_linear_time(browser: Browser) -> None:
    def block(n: int) -> bytes:
        return b"HTTP/1.1 200 OK\r\nX: a\r\n" + (b" " + b"x" * 30 + b"\r\n") * n + b"\r\n"

    assert wire.read_head(block(2), browser)[0][0] == "X"
    assert_linear(lambda data: wire.read_head(data, browser), block, 2048)


def test_header_lines_for_display_are_joined_in_linear_time() -> None:
    def block(n: int) -> bytes:
        return b"HTTP/1.1 200 OK\r\nX: a\r\n" + (b" " + b"x" * 30 + b"\r\n") * n + b"\r\n"

    assert wire.Response(200, raw=block(1)).lines == ["X: a\r\n " + "x" * 30]
    assert_linear(lambda data: wire.Response(200, raw=data).lines, block, 2048)


@pytest.mark.parametrize(("prefix", "unit", "suffix"), [
    (b"HTTP/", b"1.", b" 200\r\n\r\n"),  # the status line
    (b"HTTP/1.1 200 OK\r\n", b"a", b" : b\r\n\r\n"),  # a header name
    (b"HTTP/1.1 200 OK\r\n", b"\r", b"a: b\n\n"),  # line breaks
    (b"HTTP/1.1 200 OK\r\n", b"a:\r\n\t", b"\r\n\r\n"),  # folds
])
def test_reading_a_header_block_is_linear(prefix: bytes, unit: bytes, suffix: bytes
                                          ) -> None:
    def read(block: bytes) -> object:
        response = wire.response_from_head(block, "http://api.example.com/")
        return [wire.seen_by(response, browser).headers for browser in BROWSERS]

    assert_linear(read, lambda n: prefix + unit * n + suffix, 2048)


@pytest.mark.parametrize("location", ["/.." * 4, "\\" * 4, "\t/" * 4, "%" * 4, "[" * 4])
def test_resolving_a_location_is_linear(location: str) -> None:
    def resolve(data: bytes) -> str:
        return wire.resolve_url("http://api.example.com/a/b", data.decode("latin-1"))

    assert_linear(resolve, lambda n: (location * n).encode("latin-1"), 2048)


def verdicts(name: str, make: Callable[[int], bytes]) -> Callable[[bytes], object]:
    """Both browsers' verdicts on a preflight and an actual response carrying header
    *name* with a value *make* grew (the input is the value)."""
    origin = "https://app.example.com"

    def judge(value: bytes) -> object:
        block = head(f"{name}: " + value.decode("latin-1"), "Content-Length: 0")
        response = wire.response_from_head(block, "http://api.example.com/x")
        judged: list[object] = []
        for browser in BROWSERS:
            seen = wire.seen_by(response, browser)
            judged += [
                rules.evaluate_preflight(seen, origin, "PUT", [("X-Token", "1")], True,
                                         browser),
                rules.evaluate_response(seen, origin, True, browser),
                rules.hidden_response_headers(seen, False), seen.location]
        return judged

    return judge


@pytest.mark.parametrize(("name", "prefix", "unit", "suffix"), [
    ("Access-Control-Allow-Origin", b"http://", b"a", b"\x7f"),
    ("Access-Control-Allow-Origin", b"http://a:", b"1", b"x"),
    ("Access-Control-Allow-Origin", b"https://a.example/", b"%", b""),
    ("Access-Control-Allow-Methods", b"", b"PUT, ", b"(bad)"),
    ("Access-Control-Allow-Headers", b"", b"x-a,", b""),
    ("Access-Control-Expose-Headers", b"", b" ,\t", b""),
    ("Location", b"", b"/..", b""),
])
def test_judging_hostile_header_values_is_linear(name: str, prefix: bytes, unit: bytes,
                                                 suffix: bytes) -> None:
    def make(n: int) -> bytes:
        return prefix + unit * n + suffix

    assert_linear(verdicts(name, make), make, 512)


# -- the framing rules: ASCII digits, as Chromium reads them ------------------------

@pytest.mark.parametrize(("value", "length"), [
    ("5", 5), ("0005", 5), ("0" * 10_000 + "7", 7), (" 12 ", 12),
    ("²", None), ("³", None), ("¹", None), ("+5", None), ("-1", None),
    ("1_0", None), ("9" * 5000, None), ("9223372036854775808", None), ("", None),
])
def test_content_length_takes_ascii_digits_only(value: str, length: int | None) -> None:
    block = head(f"Content-Length: {value}") if value else head()
    assert wire.body_framing(block, "GET").length == length


@pytest.mark.parametrize(("size_line", "body"), [
    (b"3", b"abc"), (b"3;ext=1", b"abc"), (b"3 ", b"abc"), (b"03", b"abc"),
    (b"0x3", b""), (b"+3", b""), (b"-3", b""), (b"3_0", b""), (b" 3", b""),
    (b"\xb3", b""), (b"", b""), (b"8" * 17, b""),
])
def test_chunk_sizes_are_hexadecimal_digits_only(size_line: bytes, body: bytes) -> None:
    assert CHUNKED.decode(size_line + b"\r\nabc\r\n0\r\n\r\n") == body


def test_a_chunk_line_longer_than_the_limit_ends_the_body() -> None:
    long_line = b"0;" + b"x" * wire.MAX_CHUNK_LINE + b"\r\n\r\n"
    assert not CHUNKED.wants_more(long_line)
    assert CHUNKED.wants_more(b"0;" + b"x" * 100)


@pytest.mark.parametrize("value", ["²", "³", "¹", "\u0663", "\uff16\uff10\uff10", "9" * 5000, " 600", "-1"])
def test_max_age_is_read_from_ascii_digits(value: str) -> None:
    # "²" passes str.isdigit() and int() raises: a traceback from one server byte.
    expected = 7200 if value == "9" * 5000 else 600 if value == " 600" else 5
    assert preflight_cache_seconds(value, "chrome") == expected


# -- one deadline per request ----------------------------------------------------------

def test_a_header_block_dripping_forever_ends_at_the_deadline() -> None:
    with serve(drip(b"HTTP/1.1 200 OK\r\n", b"X: y\r\n", 0.05)) as server:
        message, took = refusal(server.url)
    assert "timed out after 1 s" in message
    assert took < SLACK


def test_a_body_dripping_forever_is_cut_at_the_deadline() -> None:
    with serve(drip(head("Access-Control-Allow-Origin: *"), b"x", 0.05)) as server:
        response, took = send(server.url)
    assert response.get("Access-Control-Allow-Origin") == "*"
    assert response.body and took < SLACK


@pytest.mark.parametrize("steps", [
    (HOLD,),  # a TLS server that never answers the ClientHello
    (b"\x16\x03\x03\x40\x00",) + (0.05, b"\x00") * 400,  # a 16 KiB record, dripped
])
def test_a_tls_handshake_ends_at_the_deadline(steps: tuple[Step, ...]) -> None:
    with serve(answer(*steps)) as server:
        message, took = refusal(server.url.replace("http:", "https:"))
    assert "timed out after 1 s" in message
    assert took < SLACK


def test_a_slow_resolver_does_not_outlast_the_deadline(monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(10)
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    message, took = refusal("http://slow.example/", timeout=0.5)
    assert "timed out after 0.5 s" in message
    assert took < 0.5 * SLACK


def test_a_host_name_idna_refuses_is_an_error_at_once() -> None:
    message, took = refusal("http://" + "\u00fc" * 100 + ".example/", timeout=5)
    # UnicodeError or UnicodeEncodeError, with a text that differs by Python release.
    assert message.startswith("error talking to") and "Unicode" in message
    assert took < 2.5


def test_one_deadline_for_a_series_of_requests() -> None:
    with serve(answer(0.4, head("Access-Control-Allow-Origin: *"))) as server:
        transport = HTTPTransport(2).within(1.0)
        start = time.monotonic()
        outcomes = []
        for _ in range(6):
            try:
                outcomes.append(transport.send("GET", server.url, ORIGIN).status)
            except ToolError as exc:
                outcomes.append(str(exc))
        took = time.monotonic() - start
    assert outcomes[0] == 200
    assert "every request of this run must end within 1 s" in str(outcomes[-1])
    assert took < 1.0 * SLACK


def test_the_audit_reads_no_body() -> None:
    with serve(answer(head("Content-Length: 100"), HOLD)) as server:
        response, took = send(server.url, timeout=5, max_body=0)
    assert response.status == 200 and response.body == b""
    assert took < 2.5  # half the timeout: it did not wait for the body


# -- bounded sizes ---------------------------------------------------------------------

@pytest.mark.parametrize(("steps", "words"), [
    ((head("X: " + "a" * (300 * 1024)),), "more than 256 KiB of headers"),
    ((head(*["A: b"] * 5000),), "more than 1000 header lines"),
    ((b"HTTP/1.1 200 OK\r" + b"A: b\r" * 5000 + b"\r\n\r\n",),  # lines end at a lone CR
     "more than 1000 header lines"),
    ((b"HTTP/1.1 100 Continue\r\n\r\n" * 20_000,), "more than 256 KiB of headers"),
])
def test_a_response_too_large_is_refused(steps: tuple[Step, ...], words: str) -> None:
    with serve(answer(*steps, HOLD)) as server:
        message, took = refusal(server.url, timeout=5)
    assert message.startswith("response too large") and words in message
    assert took < 2.5


def test_a_body_is_read_up_to_its_limit_only() -> None:
    body = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"
    with serve(answer(head("Transfer-Encoding: chunked"), body * 200, HOLD)) as server:
        response, took = send(server.url, timeout=5, max_body=100_000)
    assert 90_000 < len(response.body) <= 100_000
    assert took < 2.5


# -- in process: the deadline without interrupting the application ---------------------

def sleeping_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    time.sleep(3)
    start_response("200 OK", [])
    return [b""]


def streaming_wsgi(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    start_response("200 OK", [("Access-Control-Allow-Origin", "*")])
    while True:
        time.sleep(0.01)
        yield b"data: tick\n\n"


async def sleeping_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await asyncio.sleep(30)


async def blocking_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    time.sleep(3)


def test_a_wsgi_app_past_its_deadline_is_left_alone_and_sent_nothing_more() -> None:
    transport = WSGITransport(sleeping_wsgi, timeout=0.3)
    start = time.monotonic()
    with pytest.raises(ToolError, match=r"did not answer within 0\.3 s"):
        transport.send("GET", "http://localhost/", ORIGIN)
    assert time.monotonic() - start < 0.3 * SLACK
    with pytest.raises(ToolError, match="still running a request"):
        transport.within(10).send("GET", "http://localhost/", ORIGIN)


def test_a_streaming_wsgi_body_is_cut_at_the_deadline() -> None:
    start = time.monotonic()
    response = WSGITransport(streaming_wsgi, timeout=0.5).send("GET", "http://l/", ORIGIN)
    assert response.get("Access-Control-Allow-Origin") == "*"
    assert time.monotonic() - start < 0.5 * SLACK


def test_an_asgi_app_past_its_deadline_is_cancelled() -> None:
    transport = ASGITransport(sleeping_asgi, timeout=0.3)
    for _ in range(2):  # cancelled, not left running: the second call is sent too
        start = time.monotonic()
        with pytest.raises(ToolError, match=r"did not answer within 0\.3 s"):
            transport.send("GET", "http://localhost/", ORIGIN)
        assert time.monotonic() - start < 0.3 * SLACK


def test_an_asgi_app_blocking_its_loop_is_left_behind() -> None:
    transport = ASGITransport(blocking_asgi, timeout=0.3)
    with pytest.raises(ToolError, match=r"did not answer within 0\.3 s"):
        transport.send("GET", "http://localhost/", ORIGIN)
    with pytest.raises(ToolError, match="still running a request"):
        transport.send("GET", "http://localhost/", ORIGIN)


@pytest.mark.parametrize("status", ["²00 OK", "abc", "", "2000 OK", "099 X"])
def test_a_wsgi_status_that_is_not_one_is_an_error(status: str) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(status, [])
        return []

    with pytest.raises(ToolError, match="is not an HTTP status"):
        WSGITransport(app).send("GET", "http://localhost/", ORIGIN)


@pytest.mark.parametrize("status", ["200", 200.0, True, 99, 1000, None])
def test_an_asgi_status_that_is_not_one_is_an_error(status: object) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": []})

    with pytest.raises(ToolError, match="is not an HTTP status"):
        ASGITransport(app).send("GET", "http://localhost/", ORIGIN)
