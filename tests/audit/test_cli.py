"""``wsgicors audit``: findings, exit codes, JSON, SARIF, redaction, escaping, bounds.

In-process applications (tests/audit/apps.py) with one mistake each, through
``--app``, and small loopback servers for the network-only behaviours (timeouts,
concurrency).
"""

from __future__ import annotations

import http.server
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

from wsgicors.audit import MAX_REQUESTS, RULES, cli
from wsgicors.cli import main, parser

from . import apps
from .loopback import handler_server, serving

TRUSTED = apps.TRUSTED
SECRET = "Bearer s3cr3t-t0ken-value"


def run_json(app: str, *extra: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    status = main(["audit", "--app", f"tests.audit.apps:{app}", "/data", "--origin", TRUSTED,
                   "--json", *extra])
    return status, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("app", "expected"), [
    ("reflect", {"any-origin-reflected": "high", "null-origin-allowed": "high"}),
    ("reflect_no_credentials", {"any-origin-reflected": "info",  # what '*' gives
                                "null-origin-allowed": "info"}),
    ("suffix", {"suffix-match": "high", "insecure-scheme-trusted": "medium",
                "any-subdomain-trusted": "low"}),
    ("unescaped_dot", {"unescaped-regex-dot": "high"}),
    ("special_characters", {"special-character-bypass": "high"}),
    ("insecure_scheme", {"insecure-scheme-trusted": "medium"}),
    ("null_allowed", {"null-origin-allowed": "high"}),
    ("private_network", {"private-network-open": "info"}),
    ("echo_method", {"preflight-any-method": "info"}),
    ("star_no_credentials", {"preflight-any-method": "info", "preflight-any-header": "info"}),
    ("wildcard_credentials", {"wildcard-with-credentials": "info"}),
    ("subdomains", {"any-subdomain-trusted": "low"}),
    ("right", {}),
])
def test_each_mistake_gets_its_finding(app: str, expected: dict[str, str],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json(app, capsys=capsys)
    assert {f["id"]: f["severity"] for f in data["findings"]} == expected
    assert status == (1 if set(expected.values()) - {"info"} else 0)


@pytest.mark.parametrize("app", ["one_origin_no_vary", "vary_when_allowed"])
def test_missing_vary_is_low_when_cors_headers_depend_on_origin(
        app: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A cache that stored the answer without Access-Control-Allow-Origin serves it to
    the trusted origin's page (broken), and the other way round: with one origin, with
    or without credentials, and with Vary on allowed responses only."""
    status, data = run_json(app, capsys=capsys)
    [finding] = data["findings"]
    assert (finding["id"], finding["severity"]) == ("missing-vary-origin", "low")
    compared = finding["evidence"]["compared"]
    assert compared[0]["origin"] is None  # a request without Origin
    assert {c["Access-Control-Allow-Origin"] for c in compared} >= {None, TRUSTED}
    assert status == 1


def test_no_vary_finding_when_nothing_depends_on_origin(
        capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json("wildcard_credentials", capsys=capsys)  # '*' for everyone
    assert "missing-vary-origin" not in {f["id"] for f in data["findings"]}
    assert status == 0


def test_every_dot_of_the_trusted_host_is_probed(capsys: pytest.CaptureFixture[str]) -> None:
    """The regex r"https://app\\.example.com": only the dot before com is unescaped."""
    status, data = run_json("unescaped_last_dot", capsys=capsys)
    assert [(f["id"], f["origin"]) for f in data["findings"]] == [
        ("unescaped-regex-dot", "https://app.examplexcom")]
    assert status == 1


def test_preflight_grants_add_nothing_to_an_origin_finding(
        capsys: pytest.CaptureFixture[str]) -> None:
    _status, data = run_json("reflect_any_header", capsys=capsys)
    assert {f["id"] for f in data["findings"]} == {"any-origin-reflected",
                                                   "null-origin-allowed"}


def test_subdomains_trusted_on_purpose(capsys: pytest.CaptureFixture[str]) -> None:
    """--origin 'https://*.example.com' says every subdomain is trusted: the audit probes
    through one of them and reports what lies outside."""
    status, data = run_json("subdomains", "--origin", "https://*.example.com", capsys=capsys)
    assert data["findings"] == []
    assert data["notes"] == []
    kinds = {p["kind"] for p in data["probes"]}
    assert "any-subdomain-trusted" not in kinds  # a subdomain is trusted, not an attack
    assert {"prefix-match", "suffix-match", "unescaped-regex-dot"} <= kinds
    assert status == 0
    status, data = run_json("suffix", "--origin", "https://*.example.com", capsys=capsys)
    assert {f["id"] for f in data["findings"]} == {"suffix-match", "insecure-scheme-trusted"}


def test_missing_vary_is_low_when_several_origins_are_echoed(
        capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json("two_origins_no_vary", "--origin", "https://admin.example.com",
                            capsys=capsys)
    assert [(f["id"], f["severity"]) for f in data["findings"]] == [
        ("missing-vary-origin", "low")]
    assert status == 1


def test_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    _status, data = run_json("reflect", capsys=capsys)
    assert {"url", "trusted_origins", "probes", "findings"} <= set(data)
    assert data["url"] == "http://localhost/data"
    assert data["trusted_origins"] == [TRUSTED]
    assert len(data["probes"]) == data["requests"]
    finding = data["findings"][0]
    assert set(finding) == {"id", "severity", "title", "origin", "evidence", "fix"}
    assert finding["id"] == "any-origin-reflected"
    request, response = finding["evidence"]["request"], finding["evidence"]["response"]
    assert ["Origin", finding["origin"]] in request["headers"]
    assert ["Access-Control-Allow-Origin", finding["origin"]] in response["headers"]
    assert ["Access-Control-Allow-Credentials", "true"] in response["headers"]
    assert response["status"] == 200
    assert {"wsgicors", "flask-cors", "django-cors-headers", "nginx"} <= set(finding["fix"])
    assert TRUSTED in finding["fix"]["wsgicors"]


def test_text_output_has_severity_evidence_and_fixes(
        capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["audit", "--app", "tests.audit.apps:reflect", "--origin", TRUSTED,
                   "--color", "never"])
    out = capsys.readouterr().out
    assert status == 1
    lines = out.splitlines()
    assert lines[1].startswith("HIGH any-origin-reflected: ")
    assert "      Access-Control-Allow-Credentials: 'true'" in lines
    assert any(line.startswith("    fix (nginx): map $http_origin") for line in lines)
    assert lines[-1] == "Result: 2 high, 0 medium, 0 low, 0 info (failing on low and above)"


@pytest.mark.parametrize(("fail_on", "app", "status"), [
    ("low", "subdomains", 1), ("medium", "subdomains", 0),
    ("high", "insecure_scheme", 0), ("medium", "insecure_scheme", 1),
    ("low", "echo_method", 0), ("info", "echo_method", 1),
])
def test_fail_on(fail_on: str, app: str, status: int,
                 capsys: pytest.CaptureFixture[str]) -> None:
    assert run_json(app, "--fail-on", fail_on, capsys=capsys)[0] == status


def test_sarif(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "cors.sarif"
    main(["audit", "--app", "tests.audit.apps:suffix", "/data", "--origin", TRUSTED,
          "--sarif", str(target)])
    capsys.readouterr()
    log = json.loads(target.read_text())
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    assert all(float(r["properties"]["security-severity"]) >= 0 for r in rules)
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["suffix-match", "insecure-scheme-trusted",
                                              "any-subdomain-trusted"]
    assert [r["level"] for r in results] == ["error", "error", "warning"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "localhost/data"  # code scanning takes repository paths, not URLs
        assert result["partialFingerprints"]["wsgicorsAudit/v1"]


def test_clean_sarif_has_no_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "cors.sarif"
    assert main(["audit", "--app", "tests.audit.apps:right", "--origin", TRUSTED,
                 "--sarif", str(target)]) == 0
    assert json.loads(target.read_text())["runs"][0]["results"] == []


def test_header_values_never_appear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The app echoes the Authorization value back: it is redacted everywhere."""
    apps.SEEN.clear()
    target = tmp_path / "cors.sarif"
    outputs = []
    for extra in ([], ["--json"]):
        main(["audit", "--app", "tests.audit.apps:leaky", "--origin", TRUSTED, "--header",
              f"Authorization: {SECRET}", "--sarif", str(target), *extra])
        captured = capsys.readouterr()
        outputs += [captured.out, captured.err, target.read_text()]
    assert any(seen.get("HTTP_AUTHORIZATION") == SECRET for seen in apps.SEEN)
    for output in outputs:
        assert "s3cr3t" not in output
    assert "Authorization: <redacted>" in outputs[0]


def test_server_text_is_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    main(["audit", "--app", "tests.audit.apps:leaky", "--origin", TRUSTED, "--color", "never"])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out
    assert not any(line.startswith("Injected") for line in out.splitlines())
    assert "\\x1b[2J\\r\\nInjected: 1" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["http://127.0.0.1:1/data", "--origin", "https://app.example.com/"],
     "is not a serialized origin"),
    (["--origin", TRUSTED], "give at least one URL"),
    (["ftp://example.com/", "--origin", TRUSTED], "not an http(s) URL"),
    (["http://127.0.0.1:1/", "--origin", TRUSTED, "--timeout", "0"], "--timeout"),
    (["http://127.0.0.1:1/", "--origin", TRUSTED, "--header", "Origin: x"],
     "sets this header itself"),
    (["http://127.0.0.1:1/", "--origin", TRUSTED, "--header", "Authorization hunter22"],
     "needs 'Name: value'"),
    (["--app", "tests.audit.apps:failing", "--origin", TRUSTED], "RuntimeError"),
    (["--app", "tests.audit.apps:nothing_here", "--origin", TRUSTED], "no attribute"),
])
def test_could_not_audit(argv: list[str], message: str,
                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith("wsgicors audit: ") and message in line
    assert "hunter22" not in line


def test_unreachable_server_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        assert main(["audit", f"http://127.0.0.1:{port}/", "--origin", TRUSTED]) == 2
    assert "connection refused" in capsys.readouterr().err


@pytest.mark.server
def test_timeout_is_per_request(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:  # listens, never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
        assert main(["audit", url, "--origin", TRUSTED, "--timeout", "0.3"]) == 2
    assert "timed out after 0.3 s" in capsys.readouterr().err


def test_requests_are_bounded(capsys: pytest.CaptureFixture[str]) -> None:
    apps.SEEN.clear()
    origins = [f"https://app{i}.example{i}.com" for i in range(6)]
    status, data = run_json("right", *[a for o in origins for a in ("--origin", o)],
                            capsys=capsys)
    assert len(apps.SEEN) == data["requests"] <= MAX_REQUESTS
    assert any("not sent" in note for note in data["notes"])
    assert status == 0


def test_note_when_the_trusted_origin_is_not_allowed(
        capsys: pytest.CaptureFixture[str]) -> None:
    _status, data = run_json("right", "--origin", "https://other.example.org", capsys=capsys)
    assert any(note.startswith("https://other.example.org itself gets no")
               for note in data["notes"])


def test_credentials_sends_a_cookie_unless_given(capsys: pytest.CaptureFixture[str]) -> None:
    apps.SEEN.clear()
    run_json("right", "--credentials", capsys=capsys)
    cookies = {seen.get("HTTP_COOKIE") for seen in apps.SEEN
               if "HTTP_ACCESS_CONTROL_REQUEST_METHOD" not in seen}
    assert cookies == {"wsgicors_audit=1"}
    preflight_cookies = {seen.get("HTTP_COOKIE") for seen in apps.SEEN
                         if "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in seen}
    assert preflight_cookies == {None}  # browsers never send credentials on a preflight


class _TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_on_a_terminal_only() -> None:
    args = parser().parse_args(["audit", "--app", "tests.audit.apps:right", "--origin", TRUSTED])
    terminal = _TTY()
    cli.run(args, io.StringIO(), terminal)
    assert "\rwsgicors audit: 1/" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r\x1b[K")  # the line is cleared at the end
    pipe = io.StringIO()
    cli.run(args, io.StringIO(), pipe)
    assert pipe.getvalue() == ""


def test_entry_point_runs_as_a_command() -> None:
    done = subprocess.run([sys.executable, "-m", "wsgicors", "audit", "--app",
                           "tests.audit.apps:reflect", "--origin", TRUSTED],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "any-origin-reflected" in done.stdout


# -- the network: at most four requests at a time ----------------------------------------


class _Counting(http.server.BaseHTTPRequestHandler):
    lock = threading.Lock()
    in_flight = 0
    most = 0
    release = threading.Event()

    def _answer(self) -> None:
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.most = max(cls.most, cls.in_flight)
        cls.release.wait(0.05)  # keep the request open so others can overlap it
        with cls.lock:
            cls.in_flight -= 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_OPTIONS = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def counting_server() -> Iterator[str]:
    with serving(handler_server(_Counting)) as base:
        yield f"{base}/data"


@pytest.mark.server
def test_at_most_four_requests_at_a_time(counting_server: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    _Counting.most = 0
    assert main(["audit", counting_server, "--origin", TRUSTED, "--origin",
                 "https://admin.example.com"]) == 0
    assert 1 <= _Counting.most <= 4


@pytest.mark.parametrize(("app", "expected"), [
    ("starlette_wildcard", {"any-origin-reflected": "high", "null-origin-allowed": "high"}),
    ("wsgicors_asgi", {}),
])
def test_asgi_applications_in_process(app: str, expected: dict[str, str],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("starlette", reason="Starlette is not installed (pip install starlette)")
    status = main(["audit", "--app", f"tests.audit.asgiapps:{app}", "/data", "--origin", TRUSTED,
                   "--json"])
    data = json.loads(capsys.readouterr().out)
    assert {f["id"]: f["severity"] for f in data["findings"]} == expected
    assert data["notes"] == []  # the trusted origin itself got its CORS headers
    assert status == (1 if expected else 0)


def test_a_redirect_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json("redirect", capsys=capsys)
    assert data["notes"][0] == ("the URL redirects (301) to 'https://api.example.com/data': "
                                "audit that URL instead")
    assert status == 0


def test_one_json_document_per_url(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["audit", "--app", "tests.audit.apps:suffix", "/data", "/other", "--origin",
                   TRUSTED, "--json"])
    text = capsys.readouterr().out
    decoder = json.JSONDecoder()
    first, end = decoder.raw_decode(text)
    second, _end = decoder.raw_decode(text, end + 1)
    assert [first["url"], second["url"]] == ["http://localhost/data", "http://localhost/other"]
    assert status == 1


def test_note_on_a_wildcard(capsys: pytest.CaptureFixture[str]) -> None:
    _status, data = run_json("wildcard_credentials", capsys=capsys)
    assert data["notes"] == ["Access-Control-Allow-Origin: * lets every site read the "
                             "responses to requests without credentials: right for public "
                             "data only"]
