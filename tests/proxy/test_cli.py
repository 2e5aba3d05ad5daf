"""``wsgicors proxy``: refusals to start (exit 2 and the reason), the start-up line,
one log line per request, the loud warning off loopback."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from wsgicors.cli import main
from wsgicors.proxy import cli

from .support import Upstream, request

PAGE = "http://localhost:5173"


@pytest.mark.parametrize(("args", "reason"), [
    ([], "no --allow-origin: name the origin of the page that uses the proxy"),
    (["--credentials"], "no --allow-origin"),
    (["--static", ".", "--credentials"], "CORS flags without --allow-origin"),
    (["--allow-origin", "*"], "'*' would let every web page you visit read the upstream"),
    (["--allow-origin", "http://localhost:5173/"], "--allow-origin: 'http://localhost:5173/'"),
    (["--allow-origin", PAGE, "--max-age", "-1"], "--max-age"),
    (["--allow-origin", PAGE, "--config", "wsgicors:CORSPolicy"], "not both"),
    (["--config", "wsgicors:CORSMiddleware"], "is not a wsgicors CORSPolicy (it is <class"),
    (["--config", "no_such_module_here:policy"], "--config: cannot import"),
    (["--allow-origin", PAGE, "--static", "/no/such/dir"], "'/no/such/dir' is not a directory"),
])
def test_refuses_to_start_with_exit_2_and_the_reason(
        capsys: pytest.CaptureFixture[str], args: list[str], reason: str) -> None:
    assert main(["proxy", "http://127.0.0.1:8000", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wsgicors proxy: refusing to start: ")
    assert reason in err


def test_refuses_an_upstream_that_is_not_a_base_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["proxy", "ftp://files.example", "--allow-origin", PAGE]) == 2
    assert "upstream: 'ftp://files.example' is not an http:// or https:// URL" in (
        capsys.readouterr().err)


def test_the_command_refuses_to_start_without_allow_origin() -> None:
    done = subprocess.run([sys.executable, "-m", "wsgicors", "proxy", "http://127.0.0.1:8000"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "refusing to start" in done.stderr and "--allow-origin" in done.stderr
    assert done.stdout == ""


class StubServer:
    """Stands in for the listening server: stops at once, as after Ctrl+C."""

    server_port = 8080

    def serve_forever(self) -> None:
        raise KeyboardInterrupt

    def server_close(self) -> None:
        pass


@pytest.mark.parametrize(("host", "warned"), [
    ("0.0.0.0", True), ("192.168.1.20", True), ("::", True), ("devbox.lan", True),
    ("127.0.0.1", False), ("127.0.0.2", False), ("::1", False), ("localhost", False),
])
def test_warns_loudly_when_listening_beyond_this_machine(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        host: str, warned: bool) -> None:
    monkeypatch.setattr(cli, "bind", lambda *args: StubServer())
    assert main(["proxy", "https://api.example.com", "--allow-origin", PAGE,
                 "--host", host]) == 0
    out, err = capsys.readouterr()
    assert ("WARNING: --host " + host + " is not a loopback address" in err) is warned
    assert out.endswith("-> https://api.example.com (CORS for http://localhost:5173)\n")


@pytest.mark.parametrize(("args", "shown"), [
    (["--allow-origin", PAGE, "--allow-origin", "http://localhost:*", "--credentials"],
     "http://127.0.0.1:8080 -> https://api.example.com "
     "(CORS for http://localhost:5173, http://localhost:*, with credentials)"),
    (["--static", "."],
     "http://127.0.0.1:8080 -> files from ., /api/ -> https://api.example.com "
     "(no CORS: same origin only)"),
    (["--config", "tests_proxy_policy:policy"],
     "http://127.0.0.1:8080 -> https://api.example.com (CORS for http://localhost:5173)"),
])
def test_prints_what_it_serves(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str], args: list[str],
                               shown: str) -> None:
    (tmp_path / "tests_proxy_policy.py").write_text(
        f"from wsgicors import CORSPolicy\npolicy = CORSPolicy(allow_origins=[{PAGE!r}])\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cli, "bind", lambda *args: StubServer())
    assert main(["proxy", "https://api.example.com", *args]) == 0
    assert capsys.readouterr().out == shown + "\n"


@pytest.mark.server
def test_the_command_serves_and_logs_each_request_with_its_cors_decision(
        upstream: Upstream) -> None:
    command = [sys.executable, "-m", "wsgicors", "proxy", upstream.url,
               "--allow-origin", PAGE, "--port", "0"]
    # A CI shell may run the suite with SIGINT ignored (a background job); Python then
    # keeps ignoring it in the child, and Ctrl+C could not stop the proxy there.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=_default_sigint)
    try:
        banner = _line(process)
        url, _arrow, rest = banner.partition(" -> ")
        assert rest == f"{upstream.url} (CORS for {PAGE})"
        port = int(url.rpartition(":")[2])
        status, _headers, _body = request(port, "GET", "/data?x=1", headers={"Origin": PAGE})
        assert status == 200
        assert _line(process) == (f"'GET' '/data?x=1' from '{PAGE}' -> 200 | "
                                  "CORS actual allowed (allowed): CORS headers added")
        request(port, "GET", "/data", headers={"Origin": "http://evil.example"})
        assert "CORS actual refused (origin-not-allowed)" in _line(process)
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        _close(process)
    assert [seen.target for seen in upstream.seen] == ["/data?x=1", "/data"]


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _line(process: subprocess.Popen[Any]) -> str:
    assert process.stdout is not None
    return str(process.stdout.readline()).rstrip("\n")


def _close(process: subprocess.Popen[Any]) -> None:
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
