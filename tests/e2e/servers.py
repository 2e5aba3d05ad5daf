"""The e2e apps (tests/e2e/serve.py) under gunicorn, waitress and uvicorn subprocesses."""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.support.servers import Server, free_port, python_env, spawn

__all__ = ["SERVER_KINDS", "Server", "free_port", "start"]

SERVER_KINDS = ("gunicorn-sync", "gunicorn-gthread", "waitress", "uvicorn-asgi")
SERVE = "tests.e2e.serve"


def _command(kind: str, port: int) -> list[str]:
    python = sys.executable
    bind = f"127.0.0.1:{port}"
    if kind == "gunicorn-sync":
        return [python, "-m", "gunicorn", "-w", "1", "-k", "sync", "-b", bind,
                "--log-level", "warning", f"{SERVE}:app"]
    if kind == "gunicorn-gthread":
        return [python, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "8",
                "-b", bind, "--log-level", "warning", f"{SERVE}:app"]
    if kind == "waitress":
        return [python, "-m", "waitress", f"--listen={bind}", "--threads=8", f"{SERVE}:app"]
    if kind == "uvicorn-asgi":
        return [python, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
                "--log-level", "warning", f"{SERVE}:asgi_app"]
    raise ValueError(f"unknown server kind {kind!r}")


def start(kind: str, adapter: str, profile: dict[str, Any]) -> Server:
    """Start *kind* serving *adapter* configured with *profile*; wait until it answers."""
    if kind == "uvicorn-asgi" and adapter not in ("django", "asgi"):
        raise ValueError("uvicorn serves the ASGI applications (django, asgi) only")
    if adapter == "asgi" and kind != "uvicorn-asgi":
        raise ValueError("the asgi adapter runs under uvicorn only")
    port = free_port()
    env = python_env(WSGICORS_E2E_ADAPTER=adapter, WSGICORS_E2E_PROFILE=json.dumps(profile))
    if kind == "uvicorn-asgi":
        env["WSGICORS_E2E_ASGI"] = "1"
    return spawn(kind, adapter, _command(kind, port), port, env=env, ready_path="/__ready")
