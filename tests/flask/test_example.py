"""examples/flask_app.py does what its docstring says."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from tests.flask.support import acao, preflight

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "flask_app.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("wsgicors_flask_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_app_answers_as_documented() -> None:
    client = load_example().create_app().test_client()
    origin = "https://app.example.com"
    pre = preflight(client, "/api/notes", origin=origin, method="POST",
                    headers="authorization,content-type")
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Max-Age"] == "600"
    denied = client.get("/api/notes", headers={"Origin": origin})
    assert denied.status_code == 401
    assert acao(denied) == origin
    assert denied.headers["Access-Control-Allow-Credentials"] == "true"
    ok = client.get("/api/notes", headers={"Origin": "http://localhost:3000",
                                           "Authorization": "Bearer demo"})
    assert ok.status_code == 200
    assert acao(ok) == "http://localhost:3000"
    partner = client.get("/partner/feed", headers={"Origin": "https://partner.example.org"})
    assert acao(partner) == "https://partner.example.org"
    assert "Access-Control-Allow-Credentials" not in partner.headers
    assert acao(client.get("/health", headers={"Origin": origin})) is None
