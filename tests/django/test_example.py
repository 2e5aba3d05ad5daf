"""examples/django_project: its checks pass and it answers as its comments say.

It runs in subprocesses: it has settings of its own, and this process's Django is
already configured with the test settings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2] / "examples" / "django_project"

SCRIPT = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "example.settings"
import django
django.setup()
from django.test import Client

client = Client(HTTP_HOST="localhost")
out = {}
for name, method, path, origin in [
    ("app", "get", "/api/items/", "https://app.example.com"),
    ("preview", "get", "/api/items/", "https://pr-12.preview.example.com"),
    ("partner", "get", "/api/items/", "https://partner.example.org"),
    ("evil", "get", "/api/items/", "https://evil.example.net"),
    ("feed", "get", "/api/feed/", "https://evil.example.net"),
    ("webhook", "get", "/hooks/payment/", "http://localhost:3000"),
    ("preflight", "options", "/api/items/", "https://app.example.com"),
]:
    headers = {"Origin": origin}
    if method == "options":
        headers["Access-Control-Request-Method"] = "PUT"
        headers["Access-Control-Request-Headers"] = "x-request-id"
    response = getattr(client, method)(path, headers=headers)
    out[name] = [response.status_code, dict(response.headers)]
print(json.dumps(out))
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=PROJECT, capture_output=True,
                          text=True, timeout=120, check=False)


def test_manage_py_check_passes():
    done = run("manage.py", "check")
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_answers():
    done = run("-c", SCRIPT)
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout)

    def acao(name: str) -> str | None:
        return answers[name][1].get("Access-Control-Allow-Origin")

    assert acao("app") == "https://app.example.com"
    assert answers["app"][1]["Access-Control-Expose-Headers"] == "x-request-id"
    assert acao("preview") == "https://pr-12.preview.example.com"
    assert acao("partner") == "https://partner.example.org"
    assert acao("evil") is None
    assert acao("feed") == "*"
    assert acao("webhook") is None
    assert answers["preflight"][0] == 204
    assert acao("preflight") == "https://app.example.com"
