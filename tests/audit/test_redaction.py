"""Secrets of ``--header`` never appear in an audit's output, whatever a server echoes.

A hostile server on loopback echoes the session cookie's value into a redirect's
``Location``, the whole ``Authorization`` value (a JWT far longer than the 120
characters a value is cut to) into one CORS header and a slice of it into another.
No run of 8 characters of any secret may appear in the text, the JSON or the SARIF.
"""

from __future__ import annotations

import base64
import http.server
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wsgicors.cli import main

from .loopback import handler_server, serving

TRUSTED = "https://app.example.com"
REDACTED = "<redacted>"
#: Runs of this many characters of a secret must never appear.
MIN_RUN = 8
SESSION = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
JWT = ".".join(base64.urlsafe_b64encode(part).decode().rstrip("=") for part in (
    b'{"alg":"HS256","typ":"JWT"}',
    b'{"sub":"1234567890","name":"Alice Example","admin":true,"iat":1516239022,'
    b'"scope":"read write delete","tenant":"acme-corporation-eu-west-1"}',
    b"signature-bytes-that-are-long-enough-to-matter-0123456789"))
COOKIE = f"theme=dark; session={SESSION}"
SECRETS = (SESSION, JWT)


def _runs(secret: str) -> set[str]:
    return {secret[i:i + MIN_RUN] for i in range(len(secret) - MIN_RUN + 1)}


def leaked(text: str) -> list[str]:
    """Every run of 8 characters of a secret found in *text*."""
    return sorted(run for secret in SECRETS for run in _runs(secret) if run in text)


class _Echoing(http.server.BaseHTTPRequestHandler):
    """Echo what a logged-in browser sent, the way careless servers do."""

    def do_GET(self) -> None:
        cookie = self.headers.get("Cookie", "")
        session = cookie.rpartition("session=")[2]
        authorization = self.headers.get("Authorization", "")
        token = authorization.partition(" ")[2]
        self.send_response(302)
        self.send_header("Location", f"https://login.example/?next=/data&sid={session}")
        self._cors()
        self.send_header("Access-Control-Expose-Headers", f"x-auth, {authorization}")
        self.send_header("Access-Control-Allow-Headers", f"x-{token[40:60]}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_OPTIONS(self) -> None:
        self.send_response(204)
        self._cors()
        self.end_headers()

    def _cors(self) -> None:
        origin = self.headers.get("Origin")
        if origin:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Credentials", "true")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def echoing_server() -> Iterator[str]:
    with serving(handler_server(_Echoing)) as base:
        yield f"{base}/data"


def _audit(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
           *extra: str) -> tuple[str, str, str]:
    target = tmp_path / "cors.sarif"
    status = main(["audit", url, "--origin", TRUSTED, "-H", f"Cookie: {COOKIE}",
                   "-H", f"Authorization: Bearer {JWT}", "--credentials", "--color", "never",
                   "--sarif", str(target), *extra])
    captured = capsys.readouterr()
    assert status == 1, captured.err
    return captured.out, captured.err, target.read_text()


@pytest.mark.server
def test_no_secret_in_text(echoing_server: str, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    out, err, sarif = _audit(echoing_server, tmp_path, capsys)
    assert "HIGH any-origin-reflected" in out  # the audit still shows its evidence
    assert "Cookie: <redacted>" in out and "Authorization: <redacted>" in out
    assert "the URL redirects (302) to 'https://login.example/?next=/data&sid=<redacted>'" \
        in out
    assert f"Access-Control-Expose-Headers: 'x-auth, {REDACTED}'" in out
    assert leaked(out) == leaked(err) == leaked(sarif) == []


@pytest.mark.server
def test_no_secret_in_json_or_sarif(echoing_server: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    out, _err, sarif = _audit(echoing_server, tmp_path, capsys, "--json")
    data = json.loads(out)
    evidence = data["findings"][0]["evidence"]["response"]["headers"]
    assert ["Access-Control-Expose-Headers", f"x-auth, {REDACTED}"] in evidence
    assert ["Access-Control-Allow-Headers", f"x-{REDACTED}"] in evidence
    # Decoded as well as raw: an escape in JSON must not hide a secret from the check.
    assert leaked(out) == leaked(json.dumps(data, ensure_ascii=False)) == []
    assert leaked(sarif) == leaked(json.dumps(json.loads(sarif), ensure_ascii=False)) == []
    results = json.loads(sarif)["runs"][0]["results"]
    assert results and all(REDACTED in json.dumps(r["properties"]["evidence"])
                           for r in results if r["ruleId"] == "any-origin-reflected")
