"""Per-request cost of wsgicors_flask and flask-cors on top of bare Flask, in one run.

Run: ``python benchmarks/bench_flask.py`` (about 40 s). Three Flask apps with the
same routes (bare, ``wsgicors_flask.CORS``, ``flask_cors.CORS``, both configured with
the same options) are called in process through their WSGI callable with a prebuilt
environ, in interleaved rounds; the figure reported is each app's best round (the
least disturbed by the shared, noisy machine) and the added cost is that minus bare
Flask's best in the same run. A second table does the same for a ``@cross_origin``
view, in apps that use the decorator, and a third measures the CORS layer alone in
front of a tiny WSGI app, where Flask's own variation does not blur the figure.
"""

from __future__ import annotations

import io
import sys
from typing import Any

import flask_cors
from flask import Flask
from timing import against_bare, best_of, measure_from_command_line

import wsgicors_flask

ALLOWED = "https://app.example.com"
DENIED = "https://evil.example.net"
PARTNER = "https://partner.example.org"
OPTIONS: dict[str, Any] = {"origins": [ALLOWED], "supports_credentials": True,
                           "expose_headers": ["X-Request-Id"], "max_age": 600}


def make_app(library: Any, decorated: bool) -> Flask:
    """A Flask app with /api/items; with *library* (a module) configured on it."""
    app = Flask(f"bench_{getattr(library, '__name__', 'bare')}_{decorated}")

    @app.route("/api/items", methods=["GET", "PUT"])
    def items() -> dict[str, Any]:
        return {}

    def special() -> dict[str, Any]:
        return {}

    if library is not None and decorated:
        special = library.cross_origin(origins=[PARTNER], methods=["GET", "PUT"])(special)
    app.route("/api/special", methods=["GET", "PUT"])(special)
    if library is not None:
        library.CORS(app, **OPTIONS)
    return app


def environ(path: str = "/api/items", **extra: str) -> dict[str, Any]:
    env: dict[str, Any] = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "api.example.com", "SERVER_PORT": "443", "HTTP_HOST": "api.example.com",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": False,
        "wsgi.run_once": False, "wsgi.version": (1, 0),
    }
    env.update(extra)
    return env


def preflight(path: str, origin: str) -> dict[str, Any]:
    return environ(path, REQUEST_METHOD="OPTIONS", HTTP_ORIGIN=origin,
                   HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT",
                   HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type")


def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    return None


def call(app: Flask, env: dict[str, Any]) -> None:
    # A fresh copy per call (the same for every app): Flask stores the request in it.
    for _chunk in app.wsgi_app(dict(env), start_response):
        pass


def table(apps: dict[str, Any], scenarios: dict[str, dict[str, Any]], number: int,
          repeat: int, caller: Any = None) -> list[dict[str, Any]]:
    caller = caller or call
    rows = []
    for name, env in scenarios.items():
        calls = {label: (lambda app=app, env=env: caller(app, env)) for label, app in apps.items()}
        rows.append(against_bare(name, best_of(calls, number, repeat), bare=next(iter(apps))))
    return rows


def tiny_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The cheapest WSGI app: measures the layer without Flask's noise around it."""
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]


def call_wsgi(app: Any, env: dict[str, Any]) -> None:
    for _chunk in app(dict(env), start_response):
        pass


def layer_alone(scenarios: dict[str, dict[str, Any]], number: int, repeat: int
                ) -> list[dict[str, Any]]:
    """The CORS layer of a configured app, put in front of tiny_app instead of Flask."""
    layer = make_app(wsgicors_flask, False).wsgi_app
    layer.wsgi_app = tiny_app  # type: ignore[attr-defined]
    apps = {"tiny WSGI app": tiny_app, "wsgicors_flask": layer}
    return table(apps, scenarios, number * 10, repeat, call_wsgi)


def run(number: int, repeat: int) -> dict[str, Any]:
    plain = {"bare Flask": make_app(None, False),
             "wsgicors_flask": make_app(wsgicors_flask, False),
             "flask-cors": make_app(flask_cors, False)}
    decorated = {"bare Flask": plain["bare Flask"],
                 "wsgicors_flask": make_app(wsgicors_flask, True),
                 "flask-cors": make_app(flask_cors, True)}
    scenarios = {
        "no Origin": environ(),
        "allowed": environ(HTTP_ORIGIN=ALLOWED),
        "denied": environ(HTTP_ORIGIN=DENIED),
        "preflight": preflight("/api/items", ALLOWED),
    }
    view_scenarios = {
        "@cross_origin, allowed": environ("/api/special", HTTP_ORIGIN=PARTNER),
        "@cross_origin, preflight": preflight("/api/special", PARTNER),
        "other route, allowed": environ(HTTP_ORIGIN=ALLOWED),
    }
    return {"python": sys.version.split()[0], "number": number, "repeat": repeat,
            "rows": table(plain, scenarios, number, repeat),
            "view_rows": table(decorated, view_scenarios, number, repeat),
            "layer_rows": layer_alone(scenarios, number, repeat)}


def print_rows(rows: list[dict[str, Any]]) -> None:
    print(f"{'scenario':26} {'bare µs':>8} {'wsgicors_flask +µs':>19} {'ratio':>6} "
          f"{'flask-cors +µs':>15} {'ratio':>6} {'flask-cors/ours':>16}")
    for row in rows:
        ours, theirs = row["wsgicors_flask"], row["flask-cors"]
        print(f"{row['scenario']:26} {row['bare_us']:8.2f} {ours['added_us']:19.2f} "
              f"{ours['ratio']:6.2f} {theirs['added_us']:15.2f} {theirs['ratio']:6.2f} "
              f"{theirs['total_us'] / ours['total_us']:16.2f}")


def main() -> None:
    args, result = measure_from_command_line(__doc__, run, number=100, repeat=150)
    if result is None:
        return
    print(f"Flask + wsgicors_flask vs Flask + flask-cors {flask_cors.__version__} vs bare "
          f"Flask, Python {result['python']}, best of {args.repeat} interleaved rounds x "
          f"{args.number} requests")
    print_rows(result["rows"])
    print("\nApps with a @cross_origin view (bare Flask: the same view undecorated)")
    print_rows(result["view_rows"])
    print("(ratio = total time / bare Flask's; preflight: bare Flask answers OPTIONS itself)")
    print("\nThe CORS layer alone, in front of a tiny WSGI app instead of Flask")
    print(f"{'scenario':26} {'tiny app µs':>12} {'wsgicors_flask +µs':>19}")
    for row in result["layer_rows"]:
        print(f"{row['scenario']:26} {row['bare_us']:12.2f} "
              f"{row['wsgicors_flask']['added_us']:19.2f}")


if __name__ == "__main__":
    main()
