"""``wsgicors check`` and ``wsgicors audit`` pointed at a malicious server (issue 18,
items 2 and 3, and ``--app`` with ``--timeout``).

Each command runs as a user runs it, in its own process, against a raw socket server
sending one hostile answer to every request. Whatever the answer, the command ends
within a generous multiple of ``--timeout`` (a deadline, not a speed: the run gets
3 times --timeout, the test allows 8, process start-up included on a loaded machine)
and never with a traceback: either a verdict
(exit 0 or 1) or a one-line error (exit 2).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.doctor.hostile import HOLD, Script, Step, answer, drip, head, serve

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 2.0
LIMIT = 8 * TIMEOUT
TRUSTED = "https://app.example.com"
ALLOW = "Access-Control-Allow-Origin: *"
CHUNKED = "Transfer-Encoding: chunked"
VERDICT = "verdict"


def slow_redirects(target: str) -> Iterator[Step]:
    """Each request redirected to the next URL, after most of a timeout: 20 of them
    (the browsers' limit) would take 36 s."""
    yield TIMEOUT * 0.9
    yield head(ALLOW, f"Location: {target.rstrip('/')}/next", status="307 Temporary Redirect")


def max_age(value: bytes) -> Script:
    """A passing preflight (and actual response) with Access-Control-Max-Age *value*."""
    return answer(head(ALLOW, "Access-Control-Allow-Methods: PUT", "Content-Length: 0")[:-2]
                  + b"Access-Control-Max-Age: " + value + b"\r\n\r\n")


# name: (the server's script, what check ends with: VERDICT or words of its error)
HOSTILE: dict[str, tuple[Script, str]] = {
    # 1 MiB of one-byte chunks: the old decoder copied the rest of the buffer per chunk.
    "tiny-chunks": (answer(head(ALLOW, CHUNKED), b"1\nx\n" * (1 << 18)), VERDICT),
    # A last chunk followed by 60,000 ';': the old end-of-body regex was quadratic.
    "last-chunk-semicolons": (answer(head(ALLOW, CHUNKED), b"0" + b";" * 60_000, HOLD),
                              VERDICT),
    "last-chunk-spaces": (answer(head(ALLOW, CHUNKED), b"0" + b" " * 60_000, HOLD), VERDICT),
    # Digits str.isdigit() takes and int() refuses, or too many for int().
    "max-age-superscript-2": (max_age(b"\xb2"), VERDICT),
    "max-age-superscript-3": (max_age(b"\xb3"), VERDICT),
    "max-age-superscript-1": (max_age(b"\xb9"), VERDICT),
    "max-age-5000-digits": (max_age(b"9" * 5000), VERDICT),
    "content-length-superscript": (answer(head(ALLOW, "Content-Length: \xb2"), b"x"),
                                   VERDICT),
    "content-length-5000-digits": (answer(head(ALLOW, "Content-Length: " + "9" * 5000)),
                                   VERDICT),
    "allow-origin-5000-digit-port": (
        answer(head("Access-Control-Allow-Origin: http://a.example:" + "1" * 5000)),
        VERDICT),
    # Slow answers: the deadline.
    "header-drip": (drip(b"HTTP/1.1 200 OK\r\n", b"X: y\r\n", 0.05), "timed out after 2 s"),
    "body-stall": (answer(head(ALLOW, "Content-Length: 100"), HOLD), VERDICT),
    "slow-redirects": (slow_redirects, "must end within 6 s"),
    # Sizes.
    "huge-header": (answer(head(ALLOW, "X: " + "a" * (300 * 1024)), HOLD),
                    "response too large"),
    "many-header-lines": (answer(head(ALLOW, *["A: b"] * 5000), HOLD), "response too large"),
    "endless-interim": (answer(b"HTTP/1.1 100 Continue\r\n\r\n" * 20_000, HOLD),
                        "response too large"),
}


# The cases that wait for a deadline on purpose: several seconds each.
WAITING = {"header-drip", "body-stall", "slow-redirects"}
CASES = [pytest.param(name, marks=pytest.mark.slow) if name in WAITING else name
         for name in HOSTILE]


def wsgicors(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``python -m wsgicors *args`` from this checkout; its result and duration."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    start = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "wsgicors", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=LIMIT + 5)
    except subprocess.TimeoutExpired:
        pytest.fail(f"wsgicors {args[0]} still running after {LIMIT + 5:g} s")
    return done, time.monotonic() - start


def assert_ended_well(done: subprocess.CompletedProcess[str], took: float,
                      expected: str) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    assert took < LIMIT, f"took {took:.1f} s with --timeout {TIMEOUT:g}"
    if expected == VERDICT:
        assert done.returncode in (0, 1), done.stderr
    else:
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1, done.stderr
        assert expected in done.stderr


@pytest.mark.parametrize("name", CASES)
def test_check_against_a_hostile_server(name: str) -> None:
    script, expected = HOSTILE[name]
    with serve(script) as server:
        # A PUT where the preflight is the hostile part, a GET (no preflight) elsewhere.
        method = "PUT" if name.startswith("max-age") else "GET"
        done, took = wsgicors("check", server.url + "/", "--origin", TRUSTED, "-X", method,
                              "--timeout", f"{TIMEOUT:g}")
    assert_ended_well(done, took, expected)


@pytest.mark.parametrize("name", CASES)
def test_audit_against_a_hostile_server(name: str) -> None:
    script, expected = HOSTILE[name]
    with serve(script) as server:
        done, took = wsgicors("audit", server.url + "/", "--origin", TRUSTED, "--json",
                              "--timeout", f"{TIMEOUT:g}")
    # The audit reads no body and follows no redirect: a verdict where check has one,
    # or where its own deadline cut probes short; the errors the header block causes.
    audit_expected = (VERDICT if expected == VERDICT or name == "slow-redirects"
                      else expected)
    assert_ended_well(done, took, audit_expected)


# -- --app: an application in process gets --timeout too --------------------------------

APPS = """\
import asyncio, time

def sleeping(environ, start_response):
    time.sleep(60)
    start_response("200 OK", [])
    return [b""]

def streaming(environ, start_response):
    start_response("200 OK", [("Access-Control-Allow-Origin", "*")])
    while True:
        time.sleep(0.01)
        yield b"data: tick\\n\\n"

async def sleeping_asgi(scope, receive, send):
    await asyncio.sleep(60)

async def blocking_asgi(scope, receive, send):
    time.sleep(60)
"""


@pytest.mark.slow
@pytest.mark.parametrize(("app", "expected"), [
    ("sleeping", "did not answer within 2 s"),
    ("streaming", VERDICT),
    ("sleeping_asgi", "did not answer within 2 s"),
    ("blocking_asgi", "did not answer within 2 s"),
])
@pytest.mark.parametrize("command", ["check", "audit"])
def test_app_in_process_respects_the_timeout(app: str, expected: str, command: str,
                                             tmp_path: Path) -> None:
    (tmp_path / "hostile_apps.py").write_text(APPS)
    done, took = wsgicors(command, "--app", f"{tmp_path / 'hostile_apps.py'}:{app}",
                          "/api", "--origin", TRUSTED, "--timeout", f"{TIMEOUT:g}")
    assert_ended_well(done, took, expected)


@pytest.mark.parametrize(("args", "words"), [
    (["http://[::1/x"], "invalid URL"),
    (["http://127.0.0.1:99999/"], "invalid URL"),
    (["http://127.0.0.1:9/", "--timeout", "inf"], "at most 3600"),
    (["http://127.0.0.1:9/", "--timeout", "1e300"], "at most 3600"),
    (["http://127.0.0.1:9/", "--timeout", "nan"], "--timeout must be a positive number"),
])
@pytest.mark.parametrize("command", ["check", "audit"])
def test_bad_urls_and_timeouts_are_one_line_errors(args: list[str], words: str,
                                                   command: str) -> None:
    done, took = wsgicors(command, *args, "--origin", TRUSTED)
    assert_ended_well(done, took, words)
