"""Under real uvicorn: a bad configuration stops the server at start-up (issue 20 item 8).

Starlette and FastAPI build ``add_middleware``/``Middleware(...)`` middlewares when the
server first calls the application. Raised there, a ConfigError reached uvicorn as the
lifespan protocol's, which ``--lifespan auto`` (the default) reads as "lifespan
unsupported": the app started and answered every request with a 500, which browsers
report as a CORS error. Now the start-up fails whatever the lifespan mode; a good
configuration starts and logs its warnings (issue 21) once, at start-up.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.servers import free_port, python_env, spawn

pytestmark = pytest.mark.server

APPS = {
    "fastapi": """
from fastapi import FastAPI
from wsgicors.asgi import CORSMiddleware

app = FastAPI()
app.add_middleware(CORSMiddleware, {options})


@app.get("/items")
def items():
    return []
""",
    "starlette": """
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import Route
from wsgicors.asgi import CORSMiddleware


async def items(request):
    return JSONResponse([])


app = Starlette(routes=[Route("/items", items)],
                middleware=[Middleware(CORSMiddleware, {options})])
""",
}
BAD = 'allow_origins=["*"], allow_credentials=True'
WARNED = 'allow_origins=["https://*.trailmix.dev"], allow_headers=["Origin"]'
#: uvicorn's exit status when the application's start-up failed.
STARTUP_FAILED = 3


def _module(tmp_path: Path, framework: str, options: str) -> str:
    (tmp_path / "startup_app.py").write_text(APPS[framework].format(options=options))
    return "startup_app:app"


def _command(target: str, lifespan: str, port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
            "--lifespan", lifespan, target]


@pytest.mark.parametrize("lifespan", ["auto", "on"])
@pytest.mark.parametrize("framework", list(APPS))
def test_a_bad_configuration_stops_uvicorn_at_start_up(
    tmp_path: Path, framework: str, lifespan: str,
) -> None:
    target = _module(tmp_path, framework, BAD)
    command = _command(target, lifespan, free_port())
    done = subprocess.run(command, cwd=tmp_path, env=python_env(), capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == STARTUP_FAILED, done.stderr
    assert "Application startup failed. Exiting." in done.stderr
    assert "1 problem in the CORS configuration" in done.stderr
    assert "list the origins that need credentials" in done.stderr


@pytest.mark.parametrize("framework", list(APPS))
def test_a_good_configuration_starts_and_warns_once(tmp_path: Path, framework: str) -> None:
    target = _module(tmp_path, framework, WARNED)
    port = free_port()
    log = tmp_path / "uvicorn.log"
    with spawn("uvicorn", "asgi", _command(target, "auto", port), port, cwd=tmp_path,
               env=python_env(), log=log) as server:
        reply = httpx.get(f"{server.url}/items", headers={"Origin": "https://app.trailmix.dev"})
        assert reply.headers["access-control-allow-origin"] == "https://app.trailmix.dev"
        time.sleep(0.2)
        text = log.read_text()
    # Logged at start-up (the lifespan built the stack), each once.
    assert text.index("CORS configuration") < text.index("Application startup complete")
    assert text.count("never matched under Starlette's CORSMiddleware") == 1
    assert text.count("'origin' is a forbidden request header") == 1
