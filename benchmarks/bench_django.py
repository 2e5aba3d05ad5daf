"""Per-request cost of wsgicors_django vs django-cors-headers vs bare Django, in one run.

Run: ``python benchmarks/bench_django.py`` (about 30 s). Three WSGI handlers share one
settings module and differ only in MIDDLEWARE (each keeps CommonMiddleware, as real
projects do); both CORS middlewares read the same ``CORS_*`` settings. Every call
goes through Django's whole WSGIHandler with a prebuilt environ. Figures are the best
of interleaved rounds, and the added cost is that minus bare Django's best in the
same run. Times are CPU time of the process (``time.process_time``), so load from
other processes on a shared machine inflates them less. Preflight rows: the CORS middlewares answer without the view; bare Django
runs the view.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable
from typing import Any

import django
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test.utils import override_settings
from django.urls import path
from timing import against_bare, best_of, measure_from_command_line

ALLOWED = "https://app.example.com"
DENIED = "https://evil.example.net"
COMMON = "django.middleware.common.CommonMiddleware"
STACKS = {
    "bare": [COMMON],
    "wsgicors_django": ["wsgicors_django.middleware.CorsMiddleware", COMMON],
    "django-cors-headers": ["corsheaders.middleware.CorsMiddleware", COMMON],
}


def items(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"{}", content_type="application/json")


urlpatterns = [path("api/items/", items)]


def configure() -> None:
    settings.configure(
        SECRET_KEY="benchmark", DEBUG=False, ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__,
        INSTALLED_APPS=[], DATABASES={}, MIDDLEWARE=[], USE_TZ=True, LOGGING_CONFIG=None,
        CORS_ALLOWED_ORIGINS=[ALLOWED], CORS_ALLOW_CREDENTIALS=True,
        CORS_EXPOSE_HEADERS=["X-Request-Id"], CORS_PREFLIGHT_MAX_AGE=600,
    )
    django.setup()
    sys.modules.setdefault(__name__, sys.modules["__main__"])


def handlers() -> dict[str, Callable[..., Any]]:
    from django.core.handlers.wsgi import WSGIHandler

    built = {}
    for name, middleware in STACKS.items():
        with override_settings(MIDDLEWARE=middleware):
            built[name] = WSGIHandler()  # loads MIDDLEWARE once, here
    return built


def environ(**extra: str) -> dict[str, Any]:
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/items/", "SCRIPT_NAME": "",
           "SERVER_NAME": "api.example.com", "SERVER_PORT": "443", "HTTP_HOST": "api.example.com",
           "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(b""), "CONTENT_LENGTH": "0"}
    env.update(extra)
    return env


def scenarios() -> dict[str, dict[str, Any]]:
    return {
        "no Origin": environ(),
        "allowed": environ(HTTP_ORIGIN=ALLOWED),
        "denied": environ(HTTP_ORIGIN=DENIED),
        "preflight": environ(REQUEST_METHOD="OPTIONS", HTTP_ORIGIN=ALLOWED,
                             HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT",
                             HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type"),
    }


def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    return None


def call(handler: Callable[..., Any], env: dict[str, Any]) -> None:
    response = handler(dict(env), start_response)  # WSGIRequest keeps a reference: copy
    response.close()  # fires request_finished, as a server does


def check(apps: dict[str, Callable[..., Any]]) -> None:
    """Refuse to time handlers that do not do what the rows claim."""
    seen: dict[str, list[tuple[str, str]]] = {}

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen["headers"] = headers

    for name in ("wsgicors_django", "django-cors-headers"):
        apps[name](environ(HTTP_ORIGIN=ALLOWED), capture).close()
        sent = {(name.lower(), value) for name, value in seen["headers"]}
        if ("access-control-allow-origin", ALLOWED) not in sent:
            raise SystemExit(f"{name} sent no CORS headers: benchmark setup is wrong")


def run(number: int, repeat: int) -> dict[str, Any]:
    configure()
    apps = handlers()
    check(apps)
    rows = []
    for scenario, env in scenarios().items():
        calls = {name: (lambda app=app, env=env: call(app, env)) for name, app in apps.items()}
        # CPU time of this process: on a shared machine, time spent descheduled is not ours.
        best = best_of(calls, number, repeat, clock=time.process_time)
        rows.append(against_bare(scenario, best))
    return {"python": sys.version.split()[0], "django": django.get_version(),
            "number": number, "repeat": repeat, "rows": rows}


def main() -> None:
    args, result = measure_from_command_line(__doc__, run, number=250, repeat=80)
    if result is None:
        return
    print(f"Django {result['django']}, Python {result['python']}: best of {args.repeat} "
          f"interleaved rounds x {args.number} requests through WSGIHandler")
    print(f"{'scenario':12} {'bare µs':>8} {'wsgicors +µs':>13} {'ratio':>6} "
          f"{'corsheaders +µs':>16} {'ratio':>6} {'wsgicors/corsheaders added':>27}")
    for row in result["rows"]:
        ours, theirs = row["wsgicors_django"], row["django-cors-headers"]
        share = ours["added_us"] / theirs["added_us"] if theirs["added_us"] > 0 else float("nan")
        print(f"{row['scenario']:12} {row['bare_us']:8.2f} {ours['added_us']:13.2f} "
              f"{ours['ratio']:6.3f} {theirs['added_us']:16.2f} {theirs['ratio']:6.3f} "
              f"{share:27.2f}")
    print("(preflight: both CORS middlewares answer without the view, bare Django runs it;"
          " a negative figure means cheaper than bare)")


if __name__ == "__main__":
    main()
