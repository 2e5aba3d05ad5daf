"""The CORS configurations README and the docs recommend, run as written and audited.

:func:`code_blocks` reads every code block of README.md and docs/*.rst;
:data:`EXAMPLES` says which blocks are configurations to audit (found by a line
they contain, so an edited block is audited as it now reads), with the origins they
are meant to trust; :data:`NOT_AUDITED` names the other blocks that look like
configuration, and why. :func:`audit_example` runs a block (the application it
builds) and audits it in process. Django examples run in a subprocess of their own
(``python -m tests.audit.docconfigs INDEX``): a process configures Django once.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.rst")
                                     if not p.name.startswith("_"))]
#: What makes a code block look like a CORS configuration.
CONFIGURATION = re.compile(
    r"allow_origins\s*=|CORS\(|CORS_ALLOWED_ORIGIN|CORS_PATHS|add_middleware\(|"
    r"origins\s*=|cross_origin\(|@cors\(|allow_origin_regex|CORSPolicy\(|\[filter:cors\]")
APP = "https://app.example.com"
SUBDOMAINS = "https://*.example.com"
Kind = Literal["wsgi", "asgi", "flask", "django", "paste"]


@dataclass(frozen=True)
class Example:
    """A recommended configuration: the block with *anchor* on *page*, how to run it,
    the origins it is meant to trust, the paths to audit.

    ``without`` leaves out the statements containing these texts: a block that shows
    alternatives ("Or: ...") is audited once per alternative. ``also`` names another
    block of the page run first (Django settings a fragment adds to).
    """

    page: str
    anchor: str
    kind: Kind
    trusted: tuple[str, ...] = (APP,)
    paths: tuple[str, ...] = ("/data",)
    without: tuple[str, ...] = ()
    also: str | None = None


EXAMPLES = [
    Example("README.md", "app = CORSMiddleware(app, allow_origins=", "wsgi", (APP, SUBDOMAINS)),
    Example("README.md", "CORS(app, origins=", "flask"),
    Example("README.md", "CORS_ALLOWED_ORIGINS = [", "django"),
    Example("README.md", "app.add_middleware(CORSMiddleware, allow_origins=", "asgi"),
    Example("quickstart.rst", "allow_origins=[\"https://app.example.com\", \"https://*.", "wsgi",
            (APP, SUBDOMAINS)),
    Example("quickstart.rst", "private = CORSPolicy(", "wsgi",
            paths=("/data", "/api/public/feed", "/admin/users")),
    Example("quickstart.rst", "[filter:cors]", "paste", (APP, SUBDOMAINS)),
    Example("recipes.rst", "CORSMiddleware(app, allow_origins=[\"https://app.example.com\"], "
            "allow_credentials=True)", "wsgi"),
    Example("recipes.rst", "\"http://localhost:*\"", "wsgi",
            (SUBDOMAINS, "http://localhost:5173")),
    Example("recipes.rst", "allow_origins=\"*\", allow_methods=[\"GET\"]", "wsgi"),
    Example("recipes.rst", "allow_origin_func=tenant_origin", "wsgi",
            (APP, "https://tenant.example.org")),
    Example("recipes.rst", "capacitor://localhost", "wsgi",
            ("capacitor://localhost", "ionic://localhost", "tauri://localhost", APP)),
    Example("production.rst", "source = OriginSource(", "wsgi",
            (APP, "https://tenant.example.org")),
    Example("asgi.rst", "app.add_middleware(CORSMiddleware", "asgi"),
    Example("asgi.rst", "Middleware(CORSMiddleware, allow_origins=", "asgi"),
    Example("asgi.rst", "app = CORSMiddleware(app, allow_origins=[\"https://app.example.com\"])\n"
            "# or", "asgi", paths=("/data", "/public/feed", "/admin/x"),
            without=("policy=CORSPolicy",)),
    Example("asgi.rst", "app = CORSMiddleware(app, allow_origins=[\"https://app.example.com\"])\n"
            "# or", "asgi", (SUBDOMAINS,), paths=("/data", "/public/feed", "/admin/x"),
            without=("app = CORSMiddleware(app, allow_origins",)),
    Example("asgi.rst", "# serve this", "asgi"),
    Example("flask.rst", "# Or: per-path configuration.", "flask", (SUBDOMAINS,),
            paths=("/api/data", "/special")),
    Example("flask.rst", "# Or: per-path configuration.", "flask", (APP,),
            without=("resources=",)),
    Example("flask.rst", "# Or: per-path configuration.", "flask",
            without=("resources=", "origins=[\"https://app.example.com\"]")),
    Example("flask.rst", "def create_app():", "flask"),
    Example("flask.rst", "api = Blueprint(", "flask", paths=("/api/data",)),
    Example("django.rst", "\"wsgicors_django\",   # system checks", "django", (APP, SUBDOMAINS),
            paths=("/api/data",)),
    Example("django.rst", "CORS_PATHS = {", "django",
            (APP, SUBDOMAINS, "https://partner.example"),
            paths=("/api/data", "/api/public/feed", "/api/partner/orders", "/admin/users"),
            also="\"wsgicors_django\",   # system checks"),
    Example("django.rst", "@cors(allow_origins=[\"https://partner.example\"]", "django",
            ("https://partner.example",), paths=("/report", "/feed", "/export", "/webhook")),
]

#: Blocks that look like configuration but are not one to copy, and why.
NOT_AUDITED = {
    ("recipes.rst", "allow_origins=[...], expose_headers="): "a placeholder ([...]) for the "
    "origins: the recipe is about expose_headers",
    ("proxy.rst", "app = make_app("): "the development proxy, tested in tests/proxy",
}
#: The first line of a wsgicors command's output shown in the docs (the audit's text,
#: the doctor's request line, the proxy's start line, JSON): a report, not a
#: configuration (the doctor's fixes in it are tested in tests/doctor).
OUTPUT = re.compile(r"\{|Audit of |(?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) https?://|"
                    r"https?://\S+ -> ")


def code_blocks(page: Path) -> Iterator[str]:
    """Every code block of *page*: fenced (Markdown) or literal and code-block (RST)."""
    text = page.read_text(encoding="utf-8")
    if page.suffix == ".md":
        for match in re.finditer(r"^```[^\n]*\n(.*?)^```", text, re.S | re.M):
            yield match.group(1)
        return
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        code = re.match(r"\s*\.\. (code-block|code|sourcecode)::", line) is not None
        literal = line.rstrip().endswith("::") and not line.strip().startswith("..")
        if not (code or literal):
            continue
        indent = len(line) - len(line.lstrip())
        block = []
        while index < len(lines) and (not lines[index].strip() or
                                      len(lines[index]) - len(lines[index].lstrip()) > indent):
            if not lines[index].strip().startswith(":"):  # a directive's options
                block.append(lines[index])
            index += 1
        yield textwrap.dedent("\n".join(block)).strip("\n") + "\n"


def configuration_blocks() -> Iterator[tuple[str, str]]:
    """(page name, block) for every block that looks like a CORS configuration (not a
    doctest, not a command's output)."""
    for page in PAGES:
        for block in code_blocks(page):
            if CONFIGURATION.search(block) and ">>>" not in block and \
                    not OUTPUT.match(block):
                yield page.name, block


def block_of(page: str, anchor: str) -> str:
    """The one configuration block of *page* containing *anchor*."""
    found = [block for name, block in configuration_blocks()
             if name == page and anchor in block]
    assert len(found) == 1, f"{page}: {len(found)} blocks contain {anchor!r}"
    return found[0]


def _statements(block: str, without: tuple[str, ...], wraps: bool) -> ast.Module:
    """*block* parsed, without the statements containing any of *without*; when the
    block *wraps* an app, a last bare call (``CORSMiddleware(app, ...)``) becomes
    ``app = ...``."""
    tree = ast.parse(block)
    body = [node for node in tree.body
            if not any(text in (ast.get_source_segment(block, node) or "") for text in without)]
    if wraps and body and isinstance(body[-1], ast.Expr) and \
            isinstance(body[-1].value, ast.Call):
        body[-1] = ast.Assign([ast.Name("app", ast.Store())], body[-1].value, lineno=0)
    module = ast.Module(body, [])
    return ast.fix_missing_locations(module)


def _run(example: Example, namespace: dict[str, Any]) -> dict[str, Any]:
    tree = _statements(block_of(example.page, example.anchor), example.without,
                       wraps=example.kind == "wsgi")
    namespace.setdefault("__name__", "docs_example")
    exec(compile(tree, f"{example.page}: {example.anchor}", "exec"), namespace)
    return namespace


# -- what the blocks need from around them ---------------------------------------------


def _data(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The application the blocks wrap: data at every path."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"data\n"]


class _Tenants:
    """``Tenant.objects.filter(origin=...).exists()`` of the recipe: one tenant."""

    class objects:  # Django's manager name
        @staticmethod
        def filter(origin: str) -> Any:
            return type("Query", (), {"exists": lambda self: origin ==
                                      "https://tenant.example.org"})()


class _Database:
    """``db.scalar(sql, origin)`` of docs/production.rst: one registered origin."""

    @staticmethod
    def scalar(sql: str, origin: str) -> int | None:
        return 1 if origin == "https://tenant.example.org" else None


def _wsgi(example: Example) -> Any:
    from wsgicors import CORSMiddleware

    return _run(example, {"app": _data, "CORSMiddleware": CORSMiddleware,
                          "Tenant": _Tenants, "db": _Database()})["app"]


def _paste(example: Example) -> Any:
    from wsgicors.paste import filter_factory

    block = block_of(example.page, example.anchor)
    options = dict(line.split(" = ", 1) for line in block.splitlines()[1:] if " = " in line)
    options.pop("use", None)
    return filter_factory({}, **options)(_data)


def _asgi(example: Example) -> Any:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from wsgicors.asgi import CORSMiddleware

    async def data(request: Any) -> PlainTextResponse:
        return PlainTextResponse("data\n")

    routes = [Route(path, data) for path in example.paths]
    from fastapi import FastAPI

    app = _run(example, {"app": Starlette(routes=routes), "routes": routes,
                         "CORSMiddleware": CORSMiddleware, "FastAPI": FastAPI})["app"]
    if hasattr(app, "router") and not any(  # a block that made its own app
            getattr(route, "path", None) in example.paths for route in app.routes):
        app.router.routes.extend(routes)
    return app


def _flask(example: Example) -> Any:
    import flask

    from wsgicors_flask import CORS

    class Blueprint(flask.Blueprint):
        """A blueprint with a view, so that the block's blueprint serves something."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.add_url_rule("/data", "data", lambda: "data\n")

    namespace = _run(example, {"Flask": flask.Flask, "Blueprint": Blueprint, "CORS": CORS,
                               "app": flask.Flask("docs")})
    app = namespace["create_app"]() if "create_app" in namespace else namespace["app"]
    for path in example.paths:
        if not any(rule.rule == path for rule in app.url_map.iter_rules()):
            app.add_url_rule(path, path, lambda: "data\n")
    return app


def application(example: Example) -> Any:
    """The application *example* builds (not Django: see :func:`_django_main`)."""
    return {"wsgi": _wsgi, "paste": _paste, "asgi": _asgi, "flask": _flask}[example.kind](
        example)


def audit_example(example: Example, app: Any) -> dict[str, Any]:
    """{path: {"findings": [[id, severity]...], "notes": [...]}} for *example*'s paths."""
    from wsgicors.audit import audit
    from wsgicors.doctor.transport import in_process

    transport = in_process(app)
    found = {}
    for path in example.paths:
        done = audit(transport, f"http://localhost{path}", example.trusted, concurrency=1,
                     headers=[("Cookie", "session=0123456789abcdef")], credentials=True)
        found[path] = {"findings": [[f.id, f.severity] for f in done.findings],
                       "notes": done.notes}
    return found


# -- Django, in a process of its own ---------------------------------------------------


def _without_ellipsis(value: Any) -> Any:
    """``[..., "wsgicors_django"]`` as a setting: the ``...`` means "your other entries"."""
    if isinstance(value, (list, tuple)):
        return type(value)(item for item in value if item is not Ellipsis)
    return value


def _django_main(index: int) -> None:
    import django
    from django.conf import settings
    from django.urls import path as url
    from django.views import View

    example = EXAMPLES[index]
    namespace: dict[str, Any] = {}
    for anchor in filter(None, [example.also, example.anchor]):
        if "@cors(" in anchor:
            continue  # views: run once Django is set up
        _run(Example(example.page, anchor, "django"), namespace)
    values = {k: _without_ellipsis(v) for k, v in namespace.items() if k.isupper()}
    values.setdefault("INSTALLED_APPS", ["wsgicors_django"])
    values.setdefault("MIDDLEWARE", ["wsgicors_django.middleware.CorsMiddleware"])
    settings.configure(SECRET_KEY="docs-examples", ALLOWED_HOSTS=["*"], DEBUG=False,
                       ROOT_URLCONF="__main__", **values)
    django.setup()
    views: dict[str, Any] = {}
    if "@cors(" in example.anchor:
        views = _run(example, {"View": View})
    from django.http import HttpResponse

    def data(request: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponse("data\n")

    patterns = []
    for path in example.paths:
        view = views.get(path.strip("/")) or views.get(path.strip("/").title())
        if isinstance(view, type):
            view = view.as_view()  # the docs' class has no get: a 405, with CORS headers
        patterns.append(url(path.lstrip("/"), view or data))
    globals()["urlpatterns"] = patterns
    from django.core.wsgi import get_wsgi_application

    print(json.dumps(audit_example(example, get_wsgi_application())))


if __name__ == "__main__":
    _django_main(int(sys.argv[1]))
