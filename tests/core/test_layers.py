"""The import rules of docs/architecture.rst, read from the source.

The core stands alone (stdlib and publicsuffixlist only, and no import of an
adapter, framework or tool, not even lazily or through an importlib string); the
adapters reach the core only through ``wsgicors`` and ``wsgicors.adapter``.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import wsgicors
import wsgicors.adapter

ROOT = Path(wsgicors.__file__).resolve().parent.parent
CORE = ROOT / "wsgicors"
#: Tool modules that still live at the top of the wsgicors package (the tools'
#: own rules are checked with the tools).
TOOL_MODULES = {"targets", "__main__", "cli"}
#: Adapters that live inside the core package: like any adapter, they use only the
#: adapter API.
CORE_ADAPTERS = {"asgi", "paste"}
# _typeshed: the standard library's type stubs, imported under TYPE_CHECKING only.
ALLOWED_THIRD_PARTY = {"publicsuffixlist", "_typeshed"}
CORE_MODULES = sorted(
    path.stem for path in CORE.glob("*.py") if path.stem not in TOOL_MODULES
)


def imports(path: Path) -> list[str]:
    """Every module *path* imports, at any depth of the code, as absolute names;
    and every string literal handed to importlib.import_module or __import__."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = path.parent.name
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = f"{package}.{base}" if base else package
            found += [f"{base}.{alias.name}" if not node.module and node.level else base
                      for alias in node.names]
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func):
            found += [arg.value for arg in node.args[:1]
                      if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
    return found


def _is_dynamic_import(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in {"import_module", "__import__"}


def test_the_scan_sees_lazy_and_string_imports(tmp_path: Path) -> None:
    sample = tmp_path / "wsgicors" / "sample.py"
    sample.parent.mkdir()
    sample.write_text("def f():\n    import flask\n    importlib.import_module('django.urls')\n"
                      "from .engine import actual\nfrom . import policy\n")
    assert sorted(imports(sample)) == ["django.urls", "flask", "wsgicors.engine",
                                       "wsgicors.policy"]


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_imports_only_stdlib_and_the_core(module: str) -> None:
    for name in imports(CORE / f"{module}.py"):
        top = name.split(".")[0]
        if top == "wsgicors":
            inner = name.split(".")[1] if "." in name else ""
            assert inner in {"", *CORE_MODULES}, f"{module} imports {name}"
            assert inner not in TOOL_MODULES
        else:
            assert top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY, (
                f"{module} imports {name}")


@pytest.mark.parametrize("module", sorted(CORE_ADAPTERS))
def test_core_adapters_use_only_the_adapter_api(module: str) -> None:
    core = [name for name in imports(CORE / f"{module}.py") if name.startswith("wsgicors")]
    assert core and set(core) <= {"wsgicors", "wsgicors.adapter"}, core


@pytest.mark.parametrize("package", ["wsgicors_flask", "wsgicors_django"])
def test_adapter_packages_use_only_the_public_package_and_the_adapter_api(package: str) -> None:
    for path in (ROOT / package).glob("*.py"):
        core = {name for name in imports(path) if name.split(".")[0] == "wsgicors"}
        # wsgicors.sources is public API (OriginSource); the Django helper builds on it.
        assert core <= {"wsgicors", "wsgicors.adapter", "wsgicors.sources"}, (path.name, core)


def test_importing_the_core_imports_no_framework_or_tool() -> None:
    code = ("import sys, wsgicors, wsgicors.adapter, wsgicors.asgi, wsgicors.paste\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'flask', 'werkzeug', 'django', 'starlette', 'fastapi', 'wsgicors_flask', "
            "'wsgicors_django'} or m.startswith(('wsgicors.doctor', 'wsgicors.audit', "
            "'wsgicors.proxy', 'wsgicors.targets'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_the_adapter_api_names_exist_and_are_documented() -> None:
    for name in wsgicors.adapter.__all__:
        assert hasattr(wsgicors.adapter, name), name
    docs = Path(__file__).resolve().parents[2] / "docs"  # the checkout's, not site-packages'
    text = (docs / "architecture.rst").read_text(encoding="utf-8")
    missing = [name for name in wsgicors.adapter.__all__
               if f"``{name}``" not in text and not re.search(rf"[.~]{name}`", text)]
    assert missing == []


# The layers of a request, from the top: a call may only go down or stay level.
RANK = {"middleware": 6, "engine": 5, "paths": 4, "policy": 4, "allowlists": 3,
        "cache": 2, "headers": 2, "origins": 2, "regexes": 2, "http": 2, "logsafe": 2}


def test_a_request_goes_down_the_layers_and_never_back_into_the_policy() -> None:
    from wsgicors import CORSMiddleware, CORSPolicy

    def app(environ: dict[str, str], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), ("Vary", "Cookie")])
        return [b"ok"]

    calls: list[tuple[str, str]] = []

    def profiler(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call" and frame.f_back is not None:
            calls.append((_module(frame.f_back), _module(frame)))

    policy = CORSPolicy(allow_origins=["https://a.example", "https://*.example.org"],
                        allow_headers=["x-one", re.compile("x-fam-.*")], max_age=60)
    middleware = CORSMiddleware(app, policy, paths={"/off/*": None})
    requests = [
        {"HTTP_ORIGIN": "https://a.example"},
        {"HTTP_ORIGIN": "https://b.example.org"},
        {"HTTP_ORIGIN": "https://evil.example"},
        {},
        {"REQUEST_METHOD": "OPTIONS", "HTTP_ORIGIN": "https://b.example.org",
         "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT",
         "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "x-one,x-fam-a"},
        {"REQUEST_METHOD": "OPTIONS", "HTTP_ORIGIN": "https://a.example",
         "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "patch"},
        {"PATH_INFO": "/off/x", "HTTP_ORIGIN": "https://a.example"},
    ]
    sys.setprofile(profiler)
    try:
        for extra in requests * 2:  # the second time, from the caches
            middleware({"REQUEST_METHOD": "GET", "PATH_INFO": "/api", **extra},
                       lambda status, headers, exc_info=None: None)
    finally:
        sys.setprofile(None)
    core_calls = [(caller, callee) for caller, callee in calls
                  if caller in RANK and callee in RANK]
    assert ("engine", "allowlists") in core_calls  # the profiler saw the request path
    assert [call for call in core_calls if "policy" in call] == []
    climbs = [(a, b) for a, b in core_calls if RANK[a] < RANK[b]]
    assert climbs == []


def _module(frame: FrameType) -> str:
    path = Path(frame.f_code.co_filename)
    return path.stem if path.parent == CORE else "(outside)"
