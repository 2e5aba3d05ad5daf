"""``wsgicors check --browser``: the same request in a real headless browser."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from wsgicors.cli import main
from wsgicors.doctor.live import BROWSER_OPTIONS, executable

from . import rawserver

ORIGIN = "https://app.example.com"
BROWSERS = [pytest.param(name, marks=pytest.mark.skipif(
    executable(BROWSER_OPTIONS[name]) is None, reason=f"{name} is not installed"))
    for name in ("chromium", "firefox")]


def _answer(request: rawserver.Request) -> bytes:
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
    """The page is on the origin named (a public one): the browser runs the real fetch."""
    url = f"http://127.0.0.1:{server.port}/missing"
    status = main(["check", url, "--origin", ORIGIN, "--browser", browser, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert status == 1
    real = data["real_browsers"][browser]
    assert (real["verdict"], real["agrees"]) == ("blocked", True)
    predicted = data["browsers"]["chrome" if browser == "chromium" else "firefox"]
    assert predicted["message"] in [entry["text"] for entry in real["console"]]


@pytest.mark.browser
@pytest.mark.skipif(executable("chrome") is None, reason="chromium is not installed")
def test_text_output_says_whether_it_agrees(server: rawserver.RawServer,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", f"http://127.0.0.1:{server.port}/allowed", "--origin", ORIGIN,
                   "--browser", "chromium"])
    out = capsys.readouterr().out
    assert status == 0
    assert "(headless): ALLOWED, as the doctor predicted." in out


def test_browser_needs_the_network(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", "--app", "wsgicors.cli:main", "/", "--origin", ORIGIN,
                   "--browser", "chromium"])
    assert status == 2
    assert "--browser needs a URL on the network" in capsys.readouterr().err
