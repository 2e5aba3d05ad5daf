"""Report-only candidates: the enforced answer never changes; disagreements go to the
``wsgicors.report`` logger (a real log file, read back), de-duplicated, rate-limited and
counted; ``wsgicors report-summary`` sums the file up. Each adapter's vocabulary."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from flask import Flask
from webtest import TestApp

from tests.production.support import APP, CUSTOMER1
from tests.sources.support import Clock
from wsgicors import ConfigError, CORSMiddleware, CORSPolicy
from wsgicors.asgi import CORSMiddleware as ASGICORSMiddleware
from wsgicors.cli import main
from wsgicors.reportonly import MARKER, SEEN_ENTRIES, ReportOnly
from wsgicors.rollout import summarize
from wsgicors_flask import CORS

LEGACY = "https://legacy.example.com"
NEW = "https://new.example.com"


def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


@pytest.fixture
def logfile(tmp_path: Path) -> Iterator[Path]:
    """A real log file the 'wsgicors.report' logger writes to, as in production."""
    path = tmp_path / "app.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("wsgicors.report")
    logger.addHandler(handler)
    try:
        yield path
    finally:
        logger.removeHandler(handler)
        handler.close()


def records(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line.split(MARKER, 1)[1]) for line in lines if MARKER in line]


def get(app: TestApp, origin: str, path: str = "/api/items", **headers: str) -> Any:
    return app.get(path, headers={"Origin": origin, **headers})


def preflight(app: TestApp, origin: str, method: str = "PUT", headers: str = "") -> Any:
    sent = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        sent["Access-Control-Request-Headers"] = headers
    return app.options("/api/items", headers=sent, expect_errors=True)


def test_the_enforced_answer_is_unchanged_and_the_break_is_logged(logfile: Path) -> None:
    plain = TestApp(CORSMiddleware(hello, allow_origins=[APP, LEGACY], allow_credentials=True))
    app = TestApp(CORSMiddleware(hello, allow_origins=[APP, LEGACY], allow_credentials=True,
                                 paths={"/api/*": CORSPolicy(allow_origins=[APP, LEGACY],
                                                             allow_credentials=True)},
                                 report_only={"allow_origins": [APP]}))
    for origin in (APP, LEGACY):
        assert list(get(app, origin).headerlist) == list(get(plain, origin).headerlist)
        assert list(preflight(app, origin).headerlist) == list(
            preflight(plain, origin).headerlist)
    assert get(app, LEGACY).headers["Access-Control-Allow-Origin"] == LEGACY  # enforced
    first, second = records(logfile)
    assert first == {
        "change": "breaks", "request": "actual", "origin": LEGACY, "pattern": "/api/*",
        "method": "GET", "enforced": "allowed with credentials", "candidate": "refused",
        "step": "origin", "code": "origin-not-allowed", "repeats": 0, "dropped": 0}
    assert (second["request"], second["method"]) == ("preflight", "PUT")


def test_the_path_pattern_is_logged_never_the_path(logfile: Path) -> None:
    api = CORSPolicy(allow_origins=[APP, LEGACY])
    app = TestApp(CORSMiddleware(hello, api, paths={"/api/*": api},
                                 report_only=CORSPolicy(allow_origins=[APP])))
    get(app, LEGACY, "/api/users/12345/secret-token")
    [record] = records(logfile)
    assert record["pattern"] == "/api/*"
    assert "12345" not in logfile.read_text()


def test_each_failed_step_and_credentials(logfile: Path) -> None:
    enforced = CORSPolicy(allow_origins=[APP], allow_methods="*", allow_headers="*",
                          allow_credentials=True)
    candidate = CORSPolicy(allow_origins=[APP, NEW], allow_methods=["GET", "PUT"],
                           allow_headers=["content-type"])
    app = TestApp(CORSMiddleware(hello, enforced, report_only=candidate))
    preflight(app, APP, "DELETE")
    preflight(app, APP, "PUT", "content-type, x-secret")
    preflight(app, APP, "PUT", "content-type")  # both allow: credentials differ only
    get(app, NEW)  # the candidate widens
    assert [(r["change"], r["step"], r["code"]) for r in records(logfile)] == [
        ("breaks", "method", "method-not-allowed"),
        ("breaks", "headers", "header-not-allowed"),
        ("breaks", "credentials", "credentials"),
        ("widens", "origin", "origin-not-allowed"),
    ]
    assert records(logfile)[1]["request_headers"] == "content-type, x-secret"
    assert get(app, NEW).headers.get("Access-Control-Allow-Origin") is None  # enforced


def test_duplicates_are_counted_once_per_interval(logfile: Path) -> None:
    clock = Clock()
    report = ReportOnly(CORSPolicy(allow_origins=[APP]), interval=60, clock=clock)
    app = TestApp(CORSMiddleware(hello, allow_origins=[APP, LEGACY], report_only=report))
    for _ in range(50):
        get(app, LEGACY)
    assert len(records(logfile)) == 1
    clock.now += 60
    for _ in range(3):
        get(app, LEGACY)
    assert [r["repeats"] for r in records(logfile)] == [0, 49]
    assert report.counts() == {("breaks", "origin"): 53}
    assert summarize(logfile.open()).disagreements == 51  # the last 2 wait for a next record


def test_a_flood_of_origins_is_rate_limited_and_bounded(logfile: Path) -> None:
    clock = Clock()
    report = ReportOnly(CORSPolicy(allow_origins=[APP]), max_records=5, clock=clock)
    app = CORSMiddleware(hello, allow_origins="*", report_only=report)
    start = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/items"}
    for index in range(SEEN_ENTRIES * 3):
        app({**start, "HTTP_ORIGIN": f"https://site{index}.example.net"}, lambda *a: None)
    assert len(records(logfile)) == 5
    assert len(report._seen) <= SEEN_ENTRIES + 1
    clock.now += 60
    app({**start, "HTTP_ORIGIN": LEGACY}, lambda *a: None)
    assert records(logfile)[-1]["dropped"] == SEEN_ENTRIES * 3 - 5
    assert report.counts() == {("breaks", "origin"): SEEN_ENTRIES * 3 + 1}


def test_hostile_origins_stay_on_one_ascii_line(logfile: Path) -> None:
    app = CORSMiddleware(hello, allow_origins="*", report_only=CORSPolicy(allow_origins=[APP]))
    hostile = "https://x.example\r\nFAKE wsgicors.report forged\u2028\x1b[31m" + "a" * 500
    app({"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_ORIGIN": hostile}, lambda *a: None)
    text = logfile.read_text(encoding="utf-8")
    assert text.count("\n") == 1 and text.isascii() and "\x1b" not in text
    [record] = records(logfile)
    assert record["origin"].startswith("https://x.example\r\nFAKE") and "...(+" in record["origin"]
    assert len(record["origin"]) < 140


def test_a_failing_candidate_never_reaches_the_response(caplog: pytest.LogCaptureFixture) -> None:
    def broken(origin: str) -> bool:
        raise RuntimeError("candidate database down")

    app = TestApp(CORSMiddleware(hello, allow_origins=[APP],
                                 report_only=CORSPolicy(allow_origin_func=broken)))
    with caplog.at_level(logging.ERROR):
        assert get(app, APP).headers["Access-Control-Allow-Origin"] == APP
        assert preflight(app, APP).status_int == 204


def test_bad_report_only_values_are_named() -> None:
    with pytest.raises(ConfigError) as raised:
        CORSMiddleware(hello, allow_origins=[APP], report_only="strict")
    assert [p.option for p in raised.value.problems] == ["report_only"]
    with pytest.raises(ConfigError) as raised:
        CORSMiddleware(hello, allow_origins=[APP], report_only={"allow_origins": ["*"],
                                                                "allow_credentials": True})
    assert raised.value.problems[0].option.startswith("report_only[")
    with pytest.raises(ConfigError) as raised:
        CORSMiddleware(hello, paths={"/api/*": CORSPolicy(allow_origins=[APP])},
                       report_only={"allow_origins": [APP]})
    assert "pass the whole candidate" in raised.value.problems[0].hint


# -- each adapter's vocabulary ---------------------------------------------------------

def test_flask_cors_report_only_in_flask_cors_names(logfile: Path) -> None:
    app = Flask(__name__)
    app.config["CORS_ORIGINS"] = [APP, LEGACY]
    app.config["CORS_REPORT_ONLY"] = {"origins": [APP]}

    @app.get("/api/items")
    def items() -> str:
        return "ok"

    CORS(app, resources={r"/api/*": {}})
    reply = app.test_client().get("/api/items", headers={"Origin": LEGACY})
    assert reply.headers["Access-Control-Allow-Origin"] == LEGACY
    [record] = records(logfile)
    assert (record["origin"], record["pattern"], record["change"]) == (LEGACY, "/api/*", "breaks")


def test_flask_report_only_is_app_wide() -> None:
    from wsgicors_flask import cross_origin

    with pytest.raises(ConfigError) as raised:
        cross_origin(report_only={"origins": [APP]})(lambda: "ok")
    assert "applies to the whole app" in raised.value.problems[0].message
    with pytest.raises(ConfigError) as raised:
        CORS(Flask(__name__), report_only={"origins": ["*"], "supports_credentials": True})
    assert raised.value.problems[0].option.startswith("report_only.")


def test_asgi_report_only_in_starlette_keywords(logfile: Path) -> None:
    app = FastAPI()

    @app.put("/api/items")
    def items() -> str:
        return "ok"

    app.add_middleware(ASGICORSMiddleware, allow_origins=[APP, LEGACY],
                       allow_methods=["GET", "PUT"], report_only={"allow_methods": ["GET"]})
    client = TestClient(app)
    reply = client.options("/api/items", headers={
        "Origin": APP, "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type"})  # always allowed, as Starlette
    assert reply.status_code == 200 or reply.status_code == 204
    assert client.put("/api/items", headers={"Origin": LEGACY}).headers[
        "Access-Control-Allow-Origin"] == LEGACY
    [record] = records(logfile)
    assert (record["request"], record["step"], record["method"]) == ("preflight", "method", "PUT")


# -- the summary command ---------------------------------------------------------------

def test_report_summary_lists_what_would_break(logfile: Path, capsys: pytest.CaptureFixture[str]
                                               ) -> None:
    api = CORSPolicy(allow_origins=[APP, LEGACY, CUSTOMER1])
    app = TestApp(CORSMiddleware(hello, api, paths={"/api/*": api},
                                 report_only=CORSPolicy(allow_origins=[APP, NEW])))
    for origin in (LEGACY, LEGACY, CUSTOMER1, NEW, APP):
        get(app, origin)
    preflight(app, LEGACY)
    logfile.open("a").write("an unrelated line\n" + MARKER + "{not json\n")
    assert main(["report-summary", str(logfile)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "4 record(s), 4 disagreement(s), 1 unreadable line(s)"
    assert "Would break when enforced" in out and "Would be newly allowed" in out
    assert "2 origin(s): 'https://legacy.example.com' (2), 'https://customer1.com' (1)" \
        .replace("'", "") in out
    assert "1 route(s): /api/* (3)" in out
    assert out.rstrip().endswith("deploy, and observe again.")
    assert main(["report-summary", str(logfile), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["breaks"]["origins"] == {LEGACY: 2, CUSTOMER1: 1}
    assert data["widens"]["rows"][0]["origin"] == NEW


def test_report_summary_says_when_nothing_would_break(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    quiet = tmp_path / "quiet.log"
    quiet.write_text("nothing here\n")
    assert main(["report-summary", str(quiet)]) == 0
    out = capsys.readouterr().out
    assert "No report-only record found" in out and "Nothing would break" in out
    assert main(["report-summary", str(tmp_path / "missing.log")]) == 2
    assert "cannot read" in capsys.readouterr().err
