"""``wsgicors check`` against real local servers: every verdict, every network error."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import serve_wsgi
from wsgicors.cli import main
from wsgicors.doctor.browser import Response
from wsgicors.doctor.report import Exchange, Outcome, Report, print_report
from wsgicors.toolbase.terminal import Style

from . import rawserver
from .cases import CASES, serve_cases

ORIGIN = "https://app.example.com"
pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[int, str]]:
    with serve_cases() as bound:
        yield bound


@pytest.fixture(scope="module")
def port(served: tuple[int, str]) -> int:
    return served[0]


def _args(case: Any, port: int) -> list[str]:
    origin = f"http://localhost:{port}"
    args = ["check", f"http://127.0.0.1:{port}/case/{case.name}", "--origin", origin,
            "--method", case.method, "--timeout", "5"]
    for name, value in case.headers.items():
        args += ["--header", f"{name}: {value}"]
    return args + (["--credentials"] if case.credentials else [])


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_verdict_over_http(case: Any, port: int, capsys: pytest.CaptureFixture[str]
                                 ) -> None:
    status, out, _err = _run([*_args(case, port), "--json"], capsys)
    report = json.loads(out)
    codes = tuple(report["browsers"][b]["code"] for b in ("chrome", "firefox"))
    assert codes == case.expect
    fields = [sorted(outcome) for outcome in report["browsers"].values()]
    assert list(report["browsers"]) == ["chrome", "firefox", "webkit"]
    assert fields[2] == fields[1] == fields[0]
    assert status == (0 if codes == (None, None) else 1)
    assert report["verdict"] == ("allowed" if status == 0 else "blocked")
    assert report["preflight"]["needed"] == (case.preflight is not None)
    assert [e["kind"] == "preflight" for e in report["exchanges"]][:1] == [
        case.preflight is not None]
    if status:
        assert report["fixes"]


def test_human_output_names_console_messages_culprit_and_fix(
    port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    case = next(c for c in CASES if c.name == "trailing-slash")
    status, out, _err = _run(_args(case, port), capsys)
    assert status == 1
    assert "BLOCKED in Chrome, Firefox and WebKit" in out
    origin = f"http://localhost:{port}"
    assert "has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a " \
           f"value '{origin}/'" in out
    assert f"caused by: Access-Control-Allow-Origin: {origin}/" in out
    assert "remove the trailing slash" in out
    assert "\x1b[" not in out  # not a terminal: plain text


def test_colour_on_request_and_allowed_exit_status(
    port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    case = next(c for c in CASES if c.name == "allowed-preflight")
    status, out, _err = _run([*_args(case, port), "--color", "always"], capsys)
    assert status == 0
    assert "\x1b[1;32mALLOWED\x1b[0m" in out
    assert "Preflight cached for: Chrome 7200 s, Firefox 86400 s, WebKit 600 s." in out


def test_authorization_under_star_is_allowed_with_a_warning(
    port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11, class 5: the browsers let '*' cover Authorization; the standard does not."""
    case = next(c for c in CASES if c.name == "authorization-star")
    status, out, _err = _run(_args(case, port), capsys)
    assert status == 0
    assert "ALLOWED in Chrome, Firefox and WebKit." in out
    assert "Warning: Access-Control-Allow-Headers: * lets Authorization through only" in out


def test_entry_points_run_as_commands(port: int) -> None:
    case = next(c for c in CASES if c.name == "missing-acao")
    script = Path(sys.executable).with_name("wsgicors")
    for command in ([sys.executable, "-m", "wsgicors"], [str(script)]):
        done = subprocess.run([*command, *_args(case, port)], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 1, done.stderr
        assert "No 'Access-Control-Allow-Origin' header is present" in done.stdout


# -- errors: one line, exit status 2, never a traceback ---------------------------


def _error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    status, out, err = _run(args, capsys)
    assert status == 2
    assert out == ""
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    return err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused(capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(["check", f"http://127.0.0.1:{_free_port()}/", "--origin", ORIGIN], capsys)
    assert "connection refused" in err


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A socket that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def test_timeout(silent_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(["check", f"http://127.0.0.1:{silent_port}/", "--origin", ORIGIN,
                  "--timeout", "0.3"], capsys)
    assert "timed out after 0.3 s" in err


@pytest.fixture
def ssh_port() -> Iterator[int]:
    """A server that answers like SSH, not HTTP."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(10)

    def answer() -> None:
        try:
            conn, _addr = sock.accept()
        except OSError:
            return
        with conn:
            conn.recv(4096)
            conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    yield int(sock.getsockname()[1])
    sock.close()
    thread.join(timeout=10)


def test_non_http_answer(ssh_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(["check", f"http://127.0.0.1:{ssh_port}/", "--origin", ORIGIN], capsys)
    assert "did not answer with HTTP" in err


def test_tls_to_a_plain_http_server(port: int, capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(["check", f"https://127.0.0.1:{port}/case/allowed-simple", "--origin", ORIGIN,
                  "--timeout", "5"], capsys)
    assert "TLS error" in err


@pytest.mark.parametrize(("extra", "words"), [
    (["--origin", "https://app.example.com/"], "did you mean 'https://app.example.com'"),
    (["--origin", ORIGIN, "--header", "Cookie: a=b"], "never let scripts set"),
    (["--origin", ORIGIN, "--method", "TRACE"], "cannot send method"),
    (["--origin", ORIGIN, "--timeout", "0"], "--timeout"),
])
def test_usage_errors(extra: list[str], words: str, port: int,
                      capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(["check", f"http://127.0.0.1:{port}/case/allowed-simple", *extra], capsys)
    assert words in err


def test_server_data_cannot_drive_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("X-Evil", "\x1b]0;pwned\x07"),
                                  ("Access-Control-Allow-Origin", "\x1b[2J")])
        return [b""]

    with serve_wsgi(app) as bound:
        status, out, _err = _run(["check", f"http://127.0.0.1:{bound}/", "--origin", ORIGIN],
                                 capsys)
    assert status == 1
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[2J" in out


def test_folded_header_cannot_forge_report_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 9, item 14: a line feed inside a folded header value is printed escaped."""
    forged = "ALLOWED in Chrome, Firefox and WebKit."
    answer = rawserver.response("200 OK", "Access-Control-Allow-Origin: *",
                                f"X-Note: fine\r\n {forged}", "Content-Length: 0")
    with rawserver.serve(lambda request: answer) as server:
        status, out, _err = _run(["check", f"http://127.0.0.1:{server.port}/",
                                  "--origin", "http://app.example.com"], capsys)
    assert status == 0
    assert [line for line in out.splitlines() if line.lstrip().startswith("ALLOWED")] == [
        forged]
    assert f"    X-Note: fine\\r\\n {forged}" in out.splitlines()


def test_every_control_character_from_the_server_is_escaped() -> None:
    response = Response(200, (("X-Note", "a\nBLOCKED in Firefox.\tb\u2028c\x85"),))
    report = Report("http://s.example/", ORIGIN, "GET", (), False,
                    exchanges=[Exchange("actual", "GET", "http://s.example/", (), response)],
                    outcomes={"chrome": Outcome("chrome"), "firefox": Outcome("firefox")})
    out = io.StringIO()
    print_report(report, Style(False), out)
    assert "    X-Note: a\\nBLOCKED in Firefox.\\tb\\u2028c\\x85\n" in out.getvalue()
