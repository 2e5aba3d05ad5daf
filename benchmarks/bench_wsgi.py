"""Per-request cost of wsgicors.CORSMiddleware against the bare WSGI app, in one run.

Run: ``python benchmarks/bench_wsgi.py`` (about 20 s). Each scenario calls the WSGI
callable in process with a prebuilt environ; the figure reported is the best of
several repeats (the least disturbed by the shared, noisy machine), and the added
cost is that minus the bare application's best in the same run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

from timing import against_bare, best_of, measure_from_command_line

from wsgicors import CORSMiddleware, CORSPolicy

HEADERS = [("Content-Type", "application/json"), ("Content-Length", "2")]
BODY = [b"{}"]
ALLOWED = "https://app.example.com"
DENIED = "https://evil.example.net"


def bare_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", HEADERS)
    return BODY


def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    return None


def environ(**extra: str) -> dict[str, Any]:
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/items", "SERVER_NAME": "api",
           "SERVER_PORT": "443", "wsgi.url_scheme": "https"}
    env.update(extra)
    return env


def scenarios() -> dict[str, dict[str, Any]]:
    preflight = {"REQUEST_METHOD": "OPTIONS", "HTTP_ORIGIN": ALLOWED,
                     "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT",
                     "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "authorization,content-type"}
    return {
        "no Origin": environ(),
        "allowed": environ(HTTP_ORIGIN=ALLOWED),
        "allowed (subdomain pattern)": environ(HTTP_ORIGIN="https://eu.example.com"),
        "denied": environ(HTTP_ORIGIN=DENIED),
        "preflight": environ(**preflight),
        "preflight, adversarial ACRH": environ(**{**preflight,
                                                  "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "," * 100_000}),
    }


def run(number: int, repeat: int) -> dict[str, Any]:
    one = CORSPolicy(allow_origins=[ALLOWED, "https://*.example.com"], allow_credentials=True,
                     expose_headers=["X-Request-Id"], max_age=600)
    many = CORSPolicy(allow_origins=[ALLOWED, "https://*.example.com"]
                      + [f"https://site{i}.example.org" for i in range(1000)],
                      allow_credentials=True, expose_headers=["X-Request-Id"], max_age=600)
    apps = {"1 origin": CORSMiddleware(bare_app, one),
            "1,000 origins": CORSMiddleware(bare_app, many)}
    rows = []
    for name, env in scenarios().items():
        calls = {label: (lambda app=app, env=env: app(env, start_response))
                 for label, app in {"bare": bare_app, **apps}.items()}
        rows.append(against_bare(name, best_of(calls, number, repeat)))
    return {"python": sys.version.split()[0], "number": number, "repeat": repeat, "rows": rows}


def main() -> None:
    args, result = measure_from_command_line(__doc__, run, number=5_000, repeat=40)
    if result is None:
        return
    print(f"wsgicors.CORSMiddleware vs bare WSGI app, Python {result['python']}, "
          f"best of {args.repeat} interleaved rounds x {args.number} calls")
    print(f"{'scenario':30} {'bare µs':>8} {'+µs (1 origin)':>15} {'ratio':>6} "
          f"{'+µs (1,000 origins)':>20} {'ratio':>6}")
    for row in result["rows"]:
        one, many = row["1 origin"], row["1,000 origins"]
        print(f"{row['scenario']:30} {row['bare_us']:8.3f} {one['added_us']:15.3f} "
              f"{one['ratio']:6.2f} {many['added_us']:20.3f} {many['ratio']:6.2f}")
    print("(preflight rows: wsgicors answers without calling the app; 'total' = bare + added)")


if __name__ == "__main__":
    main()
