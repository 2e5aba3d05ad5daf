"""``wsgicors check --browser``: the same request in a real browser."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from wsgicors.cli import main
from wsgicors.doctor import live, webkit
from wsgicors.doctor.live import BROWSER_OPTIONS, executable

from . import rawserver

ORIGIN = "https://app.example.com"
BROWSERS = [pytest.param(name, marks=pytest.mark.skipif(
    executable(BROWSER_OPTIONS[name]) is None, reason=f"{name} is not installed"))
    for name in ("chromium", "firefox", "webkit")]
needs_webkit = pytest.mark.skipif(executable("webkit") is None,
                                  reason="WebKitGTK's MiniBrowser or Xvfb is not installed")


def _answer(request: rawserver.Request) -> bytes:
    if request.path == "/hold":
        return rawserver.HOLD
    if request.path == "/allowed":
        return rawserver.response("200 OK", f"Access-Control-Allow-Origin: {ORIGIN}",
                                  "Content-Length: 2", "Connection: close", body=b"ok")
    return rawserver.response("200 OK", "Content-Length: 2", "Connection: close", body=b"no")


@pytest.fixture(scope="module")
def server() -> Iterator[rawserver.RawServer]:
    with rawserver.serve(_answer) as served:
        yield served


@pytest.mark.browser
@pytest.mark.parametrize("browser", BROWSERS)
def test_real_browser_next_to_the_prediction(
    server: rawserver.RawServer, browser: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The page is on the origin named (a public one): the browser runs the real fetch.

    Over http:// from an https:// page: Chromium and Firefox fetch it (a loopback
    host), WebKit refuses it as mixed content.
    """
    url = f"http://127.0.0.1:{server.port}/missing"
    status = main(["check", url, "--origin", ORIGIN, "--browser", browser, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert status == 1
    real = data["real_browsers"][browser]
    assert (real["verdict"], real["agrees"]) == ("blocked", True)
    predicted = data["browsers"][BROWSER_OPTIONS[browser]]
    texts = [entry["text"].replace("/.well-known/wsgicors-doctor", "/")
             for entry in real["console"] if entry["source"] != "console"]
    if browser == "webkit":
        assert predicted["code"] == "mixed-content"
        texts = ["\n".join(texts)]
    else:
        assert predicted["code"] == "missing-allow-origin"
    assert predicted["message"] in texts


@pytest.mark.browser
@pytest.mark.skipif(executable("chrome") is None, reason="chromium is not installed")
def test_text_output_says_whether_it_agrees(server: rawserver.RawServer,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", f"http://127.0.0.1:{server.port}/allowed", "--origin", ORIGIN,
                   "--browser", "chromium"])
    out = capsys.readouterr().out
    assert status == 1  # WebKit refuses http:// from an https:// page, even on loopback
    assert "BLOCKED in WebKit." in out
    assert "(headless): ALLOWED, as the doctor predicted." in out


@pytest.mark.browser
@needs_webkit
def test_webkit_text_output(server: rawserver.RawServer,
                            capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", f"http://127.0.0.1:{server.port}/missing", "--origin",
                   "http://app.example.com", "--browser", "webkit"])
    out = capsys.readouterr().out
    assert status == 1
    assert "BLOCKED in Chrome, Firefox and WebKit." in out
    assert ("  WebKit console: Origin http://app.example.com is not allowed by "
            "Access-Control-Allow-Origin. Status code: 200\n") in out
    assert (f"  WebKit console: Fetch API cannot load http://127.0.0.1:{server.port}/missing "
            "due to access control checks.\n") in out
    assert "(under Xvfb): BLOCKED, as the doctor predicted." in out
    assert "  security console: Origin http://app.example.com is not allowed" in out


@pytest.mark.browser
@needs_webkit
def test_a_timed_out_fetch_in_webkit_is_a_timeout(server: rawserver.RawServer) -> None:
    """WebKit rejects it with AbortError where the others say TimeoutError."""
    outcome = live.fetch_in("webkit", f"http://127.0.0.1:{server.port}/hold",
                            origin="http://app.example.com", method="GET", headers=[],
                            credentials=False, timeout=1)
    assert (outcome.verdict, outcome.console) == ("timeout", [])
    assert outcome.version.startswith("WebKitGTK ")


def test_webkit_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(webkit, "minibrowser", lambda: None)
    with rawserver.serve(_answer) as served:
        status = main(["check", f"http://127.0.0.1:{served.port}/allowed", "--origin", ORIGIN,
                       "--browser", "webkit"])
    assert status == 2
    assert ("WebKit needs WebKitGTK's MiniBrowser and Xvfb (Debian: apt-get install "
            "webkit2gtk-driver xvfb xauth)") in capsys.readouterr().err


def test_browser_needs_the_network(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", "--app", "wsgicors.cli:main", "/", "--origin", ORIGIN,
                   "--browser", "chromium"])
    assert status == 2
    assert "--browser needs a URL on the network" in capsys.readouterr().err
