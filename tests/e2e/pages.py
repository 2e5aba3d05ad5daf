"""What the e2e page server answers: the page, its runner, the scenarios and context."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.browsers import Answer

STATIC = Path(__file__).resolve().parent / "static"
RESULT_TIMEOUT = 240.0
_KINDS = {"/index.html": "text/html", "/runner.html": "text/html",
          "/runner.js": "text/javascript"}


def answer(scenarios: list[dict[str, Any]], ctx: dict[str, Any]) -> Answer:
    """The page server's answers for one run of *scenarios* with *ctx*."""
    documents = {"/scenarios.json": scenarios, "/ctx.json": ctx}

    def get(path: str) -> tuple[str, bytes] | None:
        path = "/index.html" if path == "/" else path
        if path in _KINDS:
            return _KINDS[path], (STATIC / path[1:]).read_bytes()
        if path in documents:
            return "application/json", json.dumps(documents[path]).encode()
        return None

    return get
