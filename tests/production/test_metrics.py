"""The metrics hook, counted through prometheus_client's registry as docs/production.rst
shows: one call per decision (allowed or refused, the step, preflight or not, the path
pattern), none for requests without an Origin; a raising callback never reaches the
response. WSGI, Flask (CORS_ON_DECISION) and FastAPI (on_decision=); Django:
tests/django/test_production.py."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from flask import Flask
from prometheus_client import CollectorRegistry, Counter
from webtest import TestApp

from tests.production.support import APP
from wsgicors import ConfigError, CORSMiddleware, CORSPolicy
from wsgicors.asgi import CORSMiddleware as ASGICORSMiddleware
from wsgicors.metrics import Outcome
from wsgicors_flask import CORS

EVIL = "https://evil.example.net"
LABELS = ["allowed", "preflight", "step", "pattern"]


class Metrics:
    """A Prometheus counter in a registry of its own, fed by on_decision."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.decisions = Counter("cors_decisions", "CORS decisions by outcome", LABELS,
                                 registry=self.registry)

    def __call__(self, outcome: Outcome) -> None:
        self.decisions.labels(*outcome.labels()).inc()

    def count(self, allowed: str, preflight: str, step: str, pattern: str) -> float:
        labels = dict(zip(LABELS, (allowed, preflight, step, pattern), strict=True))
        value = self.registry.get_sample_value("cors_decisions_total", labels)
        return value or 0.0

    def total(self) -> float:
        return sum(sample.value for metric in self.registry.collect()
                   for sample in metric.samples if sample.name == "cors_decisions_total")


def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def exercise(get: Callable[..., Any], options: Callable[..., Any], path: str) -> None:
    """Two allowed and one refused actual request, a preflight allowed and two refused
    (method, headers), and a request without Origin."""
    get(path, headers={"Origin": APP})
    get(path, headers={"Origin": APP})
    get(path, headers={"Origin": EVIL})
    get(path, headers={})
    options(path, headers={"Origin": APP, "Access-Control-Request-Method": "PUT"})
    options(path, headers={"Origin": APP, "Access-Control-Request-Method": "DELETE"})
    options(path, headers={"Origin": APP, "Access-Control-Request-Method": "PUT",
                           "Access-Control-Request-Headers": "x-secret"})


def check(metrics: Metrics, pattern: str) -> None:
    assert metrics.count("true", "false", "", pattern) == 2
    assert metrics.count("false", "false", "origin", pattern) == 1
    assert metrics.count("true", "true", "", pattern) == 1
    assert metrics.count("false", "true", "method", pattern) == 1
    assert metrics.count("false", "true", "headers", pattern) == 1
    assert metrics.total() == 6  # the Origin-less request is no CORS decision


def test_wsgi_counts_every_decision_by_pattern() -> None:
    metrics = Metrics()
    api = CORSPolicy(allow_origins=[APP], allow_methods=["GET", "PUT"],
                     allow_headers=["content-type"])
    app = TestApp(CORSMiddleware(hello, api, paths={"/api/*": api}, on_decision=metrics))
    exercise(app.get, lambda path, headers: app.options(path, headers=headers,
                                                        expect_errors=True), "/api/items")
    check(metrics, "/api/*")
    app.get("/other", headers={"Origin": APP})
    assert metrics.count("true", "false", "", "(default)") == 1


def test_flask_cors_on_decision() -> None:
    metrics = Metrics()
    app = Flask(__name__)
    app.config.update(CORS_ORIGINS=[APP], CORS_METHODS=["GET", "PUT"],
                      CORS_ALLOW_HEADERS=["content-type"], CORS_ON_DECISION=metrics)

    @app.get("/api/items")
    def items() -> str:
        return "ok"

    CORS(app)
    client = app.test_client()
    exercise(client.get, client.options, "/api/items")
    check(metrics, "(default)")


def test_fastapi_on_decision() -> None:
    metrics = Metrics()
    app = FastAPI()

    @app.get("/api/items")
    def items() -> str:
        return "ok"

    app.add_middleware(ASGICORSMiddleware, allow_origins=[APP], allow_methods=["GET", "PUT"],
                       allow_headers=["content-type"], on_decision=metrics)
    client = TestClient(app)
    exercise(client.get, client.options, "/api/items")
    check(metrics, "(default)")


def test_a_raising_callback_is_logged_once_and_never_reaches_the_response(
        caplog: pytest.LogCaptureFixture) -> None:
    calls: list[Outcome] = []

    def broken(outcome: Outcome) -> None:
        calls.append(outcome)
        raise RuntimeError("statsd is down")

    app = TestApp(CORSMiddleware(hello, allow_origins=[APP], on_decision=broken))
    with caplog.at_level(logging.ERROR, "wsgicors"):
        for _ in range(5):
            assert app.get("/", headers={"Origin": APP}).headers[
                "Access-Control-Allow-Origin"] == APP
    assert len(calls) == 5
    assert [r.getMessage() for r in caplog.records] == [
        "wsgicors: on_decision raised; the response is unchanged"]


def test_on_decision_must_be_callable() -> None:
    with pytest.raises(ConfigError) as raised:
        CORSMiddleware(hello, allow_origins=[APP], on_decision="metrics.count")
    assert [p.option for p in raised.value.problems] == ["on_decision"]
    with pytest.raises(ConfigError) as raised:
        CORS(Flask(__name__), on_decision=42)
    assert [p.option for p in raised.value.problems] == ["on_decision"]


def test_outcome_labels_take_few_values() -> None:
    outcome = Outcome(False, True, "method", "/api/*")
    assert outcome.labels() == ("false", "true", "method", "/api/*")
    assert Outcome(True, False, None, "(default)").labels() == ("true", "false", "", "(default)")
