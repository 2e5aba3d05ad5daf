"""One browser run: servers for every profile, the page server, the browser, results."""

from __future__ import annotations

import secrets
from typing import Any

from tests.support import browsers

from . import apps, servers
from .pages import RESULT_TIMEOUT, answer
from .scenarios import SCENARIOS

#: Which real server runs the full scenario set for each adapter (the others get a
#: smoke set in test_servers.py).
SERVER_FOR = {"raw": "gunicorn-gthread", "flask": "waitress", "django": "gunicorn-sync",
              "asgi": "uvicorn-asgi"}
#: Browser runs: (adapter, server kind). Django runs twice: WSGI and ASGI; "asgi" is
#: Starlette behind wsgicors.asgi.CORSMiddleware.
RUNS = [("raw", "gunicorn-gthread"), ("flask", "waitress"), ("django", "gunicorn-sync"),
        ("django", "uvicorn-asgi"), ("asgi", "uvicorn-asgi")]
CTX_FOR_PROFILE = {"main": "api", "nocache": "api0", "star": "star", "nullfunc": "nullapi"}


def run(browser: str, adapter: str, kind: str | None = None) -> dict[str, dict[str, Any]]:
    """Run every scenario in *browser* against *adapter*; results by scenario name."""
    kind = kind or SERVER_FOR[adapter]
    page_port = servers.free_port()
    started: list[servers.Server] = []
    try:
        ctx: dict[str, Any] = {
            "page": f"http://localhost:{page_port}",
            "frames": {"sub": f"http://app.localhost:{page_port}",
                       "other": f"http://127.0.0.1:{page_port}"},
            "run": secrets.token_hex(6),
        }
        for name, profile in apps.profiles(page_port).items():
            server = servers.start(kind, adapter, profile)
            started.append(server)
            ctx[CTX_FOR_PROFILE[name]] = server.url
            if name == "main":
                ctx["apiSite"] = f"http://localhost:{server.port}"
        return _drive(browser, ctx, page_port, started)
    finally:
        for server in started:
            server.stop()


def _drive(browser: str, ctx: dict[str, Any], port: int,
           started: list[servers.Server]) -> dict[str, dict[str, Any]]:
    posted = browsers.collect(
        browser, answer([s.to_json() for s in SCENARIOS], ctx), port, RESULT_TIMEOUT,
        lambda: "server logs:\n" + "\n".join(server.log_tail(800) for server in started))
    if posted.get("fatal"):
        raise AssertionError(f"the page failed before reporting: {posted['fatal']}")
    results = {result["name"]: result for result in posted.get("results", [])}
    results["__ctx__"] = ctx
    return results


def expected_read(expected: dict[str, Any], ctx: dict[str, Any]) -> dict[str, Any]:
    """Fill ``{run}`` and ``{page}`` into the expected values."""
    return {key: value.replace("{run}", ctx["run"]).replace("{page}", ctx["page"])
            if isinstance(value, str) else value for key, value in expected.items()}
