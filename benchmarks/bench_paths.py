"""Per-request cost of choosing a policy by path, against the bare WSGI app, in one run.

Run: ``python benchmarks/bench_paths.py`` (about 20 s). Path matching is on every
request of a configuration with per-path policies, so it must cost next to nothing:
this times :class:`wsgicors.CORSMiddleware` and the Flask extension's WSGI layer (in
front of a tiny WSGI app, so Flask's own time does not blur the figure) for the path
shapes requests have, with three configurations: prefixes only (the common case),
prefixes and regexes, and a catch-all with many prefixes. Each scenario is one
``GET`` with an allowed ``Origin``; the figure is the best of interleaved rounds (see
``timing.py``) minus the bare application's best in the same run.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

from timing import against_bare, best_of, measure_from_command_line

from wsgicors import CORSMiddleware, CORSPolicy

ALLOWED = "https://app.example.com"
HEADERS = [("Content-Type", "application/json"), ("Content-Length", "2")]
BODY = [b"{}"]


def bare_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", HEADERS)
    return BODY


def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    return None


def configurations() -> dict[str, dict[Any, CORSPolicy | None]]:
    public = CORSPolicy(allow_origins="*")
    mine = CORSPolicy(allow_origins=[ALLOWED], allow_credentials=True)
    return {
        "prefixes": {"/api/public/*": public, "/api/*": mine, "/admin/*": None},
        "prefixes+regexes": {"/api/public/*": public, "/admin/*": None,
                             re.compile(r"/(?:api|v2)/.*"): mine,
                             re.compile(r"/api/admin/[a-z]+"): None},
        "50 prefixes": {**{f"/service{i}/*": public for i in range(50)}, "/api/*": mine},
    }


PATHS = {
    "ordinary": "/api/items/42",
    "long (2 KB)": "/api/" + "a" * 2000,
    "non-ASCII": "/api/caf\xc3\xa9",  # UTF-8 bytes as a WSGI server passes them
    "two leading slashes": "//api/items/42",
}


def flask_layer(paths: dict[Any, CORSPolicy | None]) -> Any:
    """The Flask extension's WSGI layer around the bare app, compiled."""
    from flask import Flask

    from wsgicors_flask import CORS

    app = Flask("bench_paths")
    CORS(app, resources={key: {"policy": policy or CORSPolicy(allow_origins=())}
                         for key, policy in paths.items()})
    layer = app.wsgi_app
    layer.app = bare_app  # type: ignore[attr-defined]
    layer({"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "x", "SERVER_PORT": "80",
           "wsgi.url_scheme": "http"}, start_response)  # compiles it
    return layer


def run(number: int, repeat: int) -> dict[str, Any]:
    rows = []
    for config, paths in configurations().items():
        apps = {"WSGI": CORSMiddleware(bare_app, CORSPolicy(allow_origins=[ALLOWED]),
                                       paths=paths),
                "Flask": flask_layer(paths)}
        for shape, path in PATHS.items():
            env = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "HTTP_ORIGIN": ALLOWED,
                   "SERVER_NAME": "api", "SERVER_PORT": "443", "wsgi.url_scheme": "https"}
            calls = {label: (lambda app=app, env=env: app(env, start_response))
                     for label, app in {"bare": bare_app, **apps}.items()}
            rows.append(against_bare(f"{config}: {shape}", best_of(calls, number, repeat)))
    return {"python": sys.version.split()[0], "number": number, "repeat": repeat, "rows": rows}


def main() -> None:
    args, result = measure_from_command_line(__doc__, run, number=5_000, repeat=25)
    if result is None:
        return
    print(f"Choosing the policy by path, Python {result['python']}, best of {args.repeat} "
          f"interleaved rounds x {args.number} calls (allowed GET; +µs over a bare app)")
    print(f"{'configuration: path':42} {'bare µs':>8} {'+µs WSGI':>9} {'+µs Flask':>10}")
    for row in result["rows"]:
        print(f"{row['scenario']:42} {row['bare_us']:8.3f} {row['WSGI']['added_us']:9.3f} "
              f"{row['Flask']['added_us']:10.3f}")


if __name__ == "__main__":
    main()
