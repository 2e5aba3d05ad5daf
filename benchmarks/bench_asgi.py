"""Per-request cost of wsgicors.asgi.CORSMiddleware and Starlette's CORSMiddleware, in one run.

Run: ``python benchmarks/bench_asgi.py`` (about 30 s). Three Starlette apps with the
same route (bare, behind Starlette's ``CORSMiddleware``, behind
``wsgicors.asgi.CORSMiddleware``, both added with ``middleware=[...]`` and the same
options) are called in process with a prebuilt scope, in interleaved rounds; the
figure reported is each app's best round and the added cost is that minus bare
Starlette's best in the same run. Each call runs the request's coroutine to the end
without an event loop (nothing on these paths waits for I/O), so no loop overhead
blurs the difference. A second table puts each CORS layer alone in front of a tiny
ASGI app.

Target (issue 13): our added cost at most Starlette's in every scenario.
"""

from __future__ import annotations

import sys
from collections.abc import Coroutine
from typing import Any

import starlette
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware as StarletteCORS
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from timing import against_bare, best_of, measure_from_command_line

from wsgicors.asgi import CORSMiddleware

ALLOWED = "https://app.example.com"
DENIED = "https://evil.example.net"
OPTIONS: dict[str, Any] = {"allow_origins": [ALLOWED], "allow_methods": ["GET", "PUT"],
                           "allow_headers": ["authorization", "content-type"],
                           "allow_credentials": True, "expose_headers": ["X-Request-Id"],
                           "max_age": 600}
LAYERS = {"Starlette CORS": StarletteCORS, "wsgicors.asgi": CORSMiddleware}


async def items(request: Request) -> Response:
    return JSONResponse({})


def make_app(layer: Any) -> Starlette:
    middleware = [] if layer is None else [Middleware(layer, **OPTIONS)]
    return Starlette(routes=[Route("/api/items", items, methods=["GET", "PUT"])],
                     middleware=middleware)


async def tiny_app(scope: Any, receive: Any, send: Any) -> None:
    """The cheapest ASGI app: measures a layer without Starlette's noise around it."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"{}"})


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(message: Any) -> None:
    return None


def scope(method: str = "GET", **headers: str) -> dict[str, Any]:
    raw = [(b"host", b"api.example.com"), (b"accept", b"*/*"), (b"user-agent", b"bench")]
    raw += [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method, "scheme": "https", "path": "/api/items", "raw_path": b"/api/items",
            "root_path": "", "query_string": b"", "headers": raw,
            "server": ("api.example.com", 443), "client": ("10.0.0.1", 50000)}


def run_to_end(coroutine: Coroutine[Any, Any, None]) -> None:
    try:
        coroutine.send(None)
    except StopIteration:
        return
    coroutine.close()
    raise RuntimeError("the request waited for I/O; the benchmark needs an event loop")


def call(app: Any, request: dict[str, Any]) -> None:
    # A fresh copy per call (the same for every app): Starlette stores state in it.
    run_to_end(app(dict(request), receive, send))


def scenarios() -> dict[str, dict[str, Any]]:
    return {
        "no Origin": scope(),
        "allowed": scope(origin=ALLOWED),
        "denied": scope(origin=DENIED),
        "preflight": scope("OPTIONS", origin=ALLOWED, access_control_request_method="PUT",
                           access_control_request_headers="authorization,content-type"),
    }


def table(apps: dict[str, Any], number: int, repeat: int) -> list[dict[str, Any]]:
    rows = []
    for name, request in scenarios().items():
        calls = {label: (lambda app=app, request=request: call(app, request))
                 for label, app in apps.items()}
        rows.append(against_bare(name, best_of(calls, number, repeat), bare=next(iter(apps))))
    return rows


def run(number: int, repeat: int) -> dict[str, Any]:
    apps = {"bare Starlette": make_app(None)}
    apps.update({label: make_app(layer) for label, layer in LAYERS.items()})
    alone = {"tiny ASGI app": tiny_app}
    alone.update({label: layer(tiny_app, **OPTIONS) for label, layer in LAYERS.items()})
    return {"python": sys.version.split()[0], "number": number, "repeat": repeat,
            "rows": table(apps, number, repeat),
            "layer_rows": table(alone, number * 5, repeat)}


def print_rows(rows: list[dict[str, Any]], bare: str) -> None:
    print(f"{'scenario':12} {bare:>15} {'Starlette +µs':>14} {'ratio':>6} "
          f"{'wsgicors +µs':>13} {'ratio':>6} {'ours <= Starlette':>18}")
    for row in rows:
        theirs, ours = row["Starlette CORS"], row["wsgicors.asgi"]
        met = "yes" if ours["added_us"] <= theirs["added_us"] else "NO"
        print(f"{row['scenario']:12} {row['bare_us']:15.2f} {theirs['added_us']:14.2f} "
              f"{theirs['ratio']:6.2f} {ours['added_us']:13.2f} {ours['ratio']:6.2f} {met:>18}")


def main() -> None:
    args, result = measure_from_command_line(__doc__, run, number=200, repeat=60)
    if result is None:
        return
    print(f"Starlette {starlette.__version__} bare vs + its CORSMiddleware vs + "
          f"wsgicors.asgi.CORSMiddleware, Python {result['python']}, best of {args.repeat} "
          f"interleaved rounds x {args.number} requests")
    print_rows(result["rows"], "bare µs")
    print("(preflight: bare Starlette answers OPTIONS itself with 405; ratio = total / bare)")
    print(f"\nEach CORS layer alone, in front of a tiny ASGI app ({args.number * 5} calls a round)")
    print_rows(result["layer_rows"], "tiny app µs")


if __name__ == "__main__":
    main()
