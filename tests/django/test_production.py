"""CORS_ON_DECISION and CORS_REPORT_ONLY in the test project, in sync mode (Client) and
async mode (AsyncClient through Django's ASGIHandler); their problems in checks."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core.checks import run_checks
from django.test import AsyncClient, Client, override_settings

from wsgicors.metrics import Outcome
from wsgicors.reportonly import MARKER

APP = "https://app.example.com"
LEGACY = "https://legacy.example.com"
OUTCOMES: list[Outcome] = []


def record(outcome: Outcome) -> None:
    """The CORS_ON_DECISION of these tests."""
    OUTCOMES.append(outcome)


@pytest.fixture(autouse=True)
def observed() -> Iterator[None]:
    OUTCOMES.clear()
    with override_settings(CORS_ALLOWED_ORIGINS=[APP, LEGACY],
                           CORS_ON_DECISION=f"{__name__}.record",
                           CORS_REPORT_ONLY={"allow_origins": [APP]}):
        yield


def async_get(path: str, origin: str) -> Any:
    async def fetch() -> Any:
        return await AsyncClient().get(path, headers={"Origin": origin})

    return async_to_sync(fetch)()


def reports(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage().split(MARKER, 1)[1]) for r in caplog.records
            if r.name == "wsgicors.report"]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_decisions_are_counted_and_the_candidate_reported(
        mode: str, caplog: pytest.LogCaptureFixture) -> None:
    get = async_get if mode == "async" else (
        lambda path, origin: Client().get(path, headers={"Origin": origin}))
    with caplog.at_level(logging.WARNING, "wsgicors.report"):
        assert get("/api/items/", APP).headers["Access-Control-Allow-Origin"] == APP
        assert get("/api/items/", LEGACY).headers["Access-Control-Allow-Origin"] == LEGACY
        assert "Access-Control-Allow-Origin" not in get("/api/items/", "https://evil.example")
    assert [(o.allowed, o.step, o.pattern) for o in OUTCOMES] == [
        (True, None, "(default)"), (True, None, "(default)"), (False, "origin", "(default)")]
    [report] = reports(caplog)
    assert (report["origin"], report["change"], report["enforced"]) == (
        LEGACY, "breaks", "allowed")


def test_preflights_are_observed() -> None:
    response = Client().options("/api/items/", headers={
        "Origin": APP, "Access-Control-Request-Method": "PATCH"})
    assert response.status_code == 204
    assert [Outcome(True, True, None, "(default)")] == OUTCOMES


def test_bad_settings_are_check_errors() -> None:
    with override_settings(CORS_ON_DECISION="no.such.module.count",
                           CORS_REPORT_ONLY={"allow_origins": ["*"], "allow_credentials": True}):
        errors = {(message.obj, message.id) for message in run_checks()
                  if message.id.startswith("wsgicors.E")}
    assert ("CORS_ON_DECISION", "wsgicors.E041") in errors
    assert ("CORS_REPORT_ONLY.allow_origins", "wsgicors.E019") in errors
    with override_settings(CORS_REPORT_ONLY="strict"):
        errors = {(message.obj, message.id) for message in run_checks()
                  if message.id.startswith("wsgicors.E")}
    assert errors == {("CORS_REPORT_ONLY", "wsgicors.E001")}
