"""One browser run: servers for every profile, the page server, the browser, results."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path
from typing import Any

from . import apps, browsers, servers
from .scenarios import SCENARIOS

#: Which real server runs the full scenario set for each adapter (the others get a
#: smoke set in test_e2e_servers.py).
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
        page = browsers.PageServer([s.to_json() for s in SCENARIOS], ctx)
        return _drive(browser, page, page_port, started)
    finally:
        for server in started:
            server.stop()


def _drive(browser: str, page: browsers.PageServer, port: int,
           started: list[servers.Server]) -> dict[str, dict[str, Any]]:
    httpd = browsers.serve_page(page, port)
    workdir = Path(tempfile.mkdtemp(prefix=f"wsgicors-e2e-{browser}-"))
    process = browsers.launch(browser, f"{page.ctx['page']}/", workdir)
    try:
        if not page.done.wait(browsers.RESULT_TIMEOUT):
            log = (workdir / f"{browser}.log").read_text(errors="replace")[-3000:]
            raise AssertionError(
                f"{browser} posted no results within {browsers.RESULT_TIMEOUT} s.\n"
                f"browser log:\n{log}\nserver logs:\n"
                + "\n".join(server.log_tail(800) for server in started))
    finally:
        browsers.kill(process)
        httpd.shutdown()
        httpd.server_close()
    if page.fatal:
        raise AssertionError(f"the page failed before reporting: {page.fatal}")
    results = {result["name"]: result for result in page.results}
    results["__ctx__"] = page.ctx
    return results


def expected_read(expected: dict[str, Any], ctx: dict[str, Any]) -> dict[str, Any]:
    """Fill ``{run}`` and ``{page}`` into the expected values."""
    return {key: value.replace("{run}", ctx["run"]).replace("{page}", ctx["page"])
            if isinstance(value, str) else value for key, value in expected.items()}
