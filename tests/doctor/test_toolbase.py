"""The tools' shared base (wsgicors.toolbase) and the two header helpers the tools use:
loading the user's objects, the network options, reading a wsgicors refusal back,
replacing another server's CORS answer."""

from __future__ import annotations

import argparse
import re
import ssl
from pathlib import Path

import pytest

from wsgicors import CORSMiddleware, CORSPolicy, explain
from wsgicors.headers import REFUSED_PREFLIGHT, refused_preflight_step, without_cors
from wsgicors.toolbase.errors import ToolError
from wsgicors.toolbase.loading import load_object
from wsgicors.toolbase.network import timeout_of, tls_context
from wsgicors.toolbase.targets import find_target, load_app, load_target

CONFIG = """\
from wsgicors import CORSMiddleware, CORSPolicy

def app(environ, start_response):
    start_response("200 OK", [])
    return [b""]

class Holder:
    policy = CORSPolicy(allow_origins=["https://app.example.com"])

number = 3
wrapped = CORSMiddleware(app, allow_origins=["https://app.example.com"])
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "toolbase_config.py"
    path.write_text(CONFIG)
    monkeypatch.chdir(tmp_path)  # the current directory is importable, as for python -m
    return path


def test_load_object_by_module_attr_dotted_attr_and_dotted_name(config: Path) -> None:
    assert isinstance(load_object("toolbase_config:wrapped"), CORSMiddleware)
    assert isinstance(load_object("toolbase_config:Holder.policy"), CORSPolicy)
    assert isinstance(load_object("toolbase_config.Holder.policy"), CORSPolicy)
    assert load_object("toolbase_config").__name__ == "toolbase_config"


def test_load_object_from_a_file(config: Path) -> None:
    assert load_object(f"{config}:number") == 3
    assert isinstance(load_object("toolbase_config.py:Holder.policy"), CORSPolicy)


@pytest.mark.parametrize(("spec", "words"), [
    (":policy", "expected MODULE:ATTR"),
    ("no_such_module_anywhere:policy", "cannot import no_such_module_anywhere: "
                                       "ModuleNotFoundError"),
    ("toolbase_config:nothing", "toolbase_config has no attribute 'nothing'"),
    ("toolbase_config:Holder.nothing", "toolbase_config has no attribute 'Holder.nothing'"),
    ("toolbase_config.py:nothing", "toolbase_config.py has no attribute 'nothing'"),
    ("missing.py:app", "no such file: missing.py"),
    ("toolbase_config:a:b", "expected MODULE:ATTR"),
])
def test_load_object_errors_say_what_is_wrong(config: Path, spec: str, words: str) -> None:
    with pytest.raises(ToolError, match="^" + re.escape(words)):
        load_object(spec)


def test_a_file_that_fails_to_run_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('no database')\n")
    with pytest.raises(ToolError, match=r"cannot import .*broken\.py: RuntimeError: no database"):
        load_object(f"{broken}:app")


def test_a_module_alone_names_its_first_wsgicors_object(config: Path) -> None:
    found = load_target("toolbase_config")
    assert isinstance(found, CORSMiddleware)
    target = find_target(found)
    assert target is not None and target.kind == "wsgicors"
    assert explain(target, origin="https://app.example.com").allowed


def test_a_module_without_one_asks_for_the_name(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "toolbase_plain.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ToolError, match="name the object, as MODULE:ATTR"):
        load_target("toolbase_plain")
    with pytest.raises(ToolError, match="is not a WSGI or ASGI application"):
        load_app("toolbase_plain:x")


@pytest.mark.parametrize("seconds", [0, -1, float("nan")])
def test_the_timeout_must_be_positive(seconds: float) -> None:
    with pytest.raises(ToolError, match="--timeout must be a positive number"):
        timeout_of(argparse.Namespace(timeout=seconds))


def test_insecure_gives_a_context_that_verifies_nothing() -> None:
    assert tls_context(False) is None
    context = tls_context(True)
    assert context is not None
    assert (context.check_hostname, context.verify_mode) == (False, ssl.CERT_NONE)


@pytest.mark.parametrize("step", ["origin", "method", "headers"])
def test_a_wsgicors_refusal_body_names_its_step(step: str) -> None:
    assert refused_preflight_step(REFUSED_PREFLIGHT[step].body) == step


@pytest.mark.parametrize("body", [
    b"", b"Forbidden", b"CORS preflight refused: nothing not allowed\n",
    b"<h1>CORS preflight refused: method not allowed</h1>",
])
def test_other_bodies_name_no_step(body: bytes) -> None:
    assert refused_preflight_step(body) is None


def test_without_cors_removes_another_servers_answer_only() -> None:
    headers = [("Content-Type", "application/json"), ("Access-Control-Allow-Origin", "*"),
               ("access-control-allow-credentials", "true"), ("Vary", "Origin, Accept"),
               ("Vary", "origin"), ("X-Access-Control", "kept")]
    assert without_cors(headers) == ([("Content-Type", "application/json"),
                                      ("Vary", "Accept"), ("X-Access-Control", "kept")], True)
    plain = [("Content-Type", "text/plain"), ("Vary", "Accept-Encoding")]
    assert without_cors(plain) == (plain, False)
