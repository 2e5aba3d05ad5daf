"""The demo (``make demo``): its requests behave as its page says, a busy port gets a
clear message, and the Makefile gives it a minimal environment and passes the ports.

The demo in real browsers (the cookie, the console messages) is tests/e2e/test_demo.py.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from webtest import TestApp

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo.py"


def run_demo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(DEMO), *args], capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port of localhost another program listens on."""
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_demo_requests_behave_as_expected() -> None:
    result = run_demo("--check", "--page-port", "0", "--api-port", "0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all requests as expected" in result.stdout
    verdicts = re.findall(r"^(.+?) +(allowed|blocked) +\(expected \2\)$", result.stdout,
                          re.MULTILINE)
    assert len(verdicts) == 7, result.stdout
    assert [v for _name, v in verdicts].count("blocked") == 3


@pytest.mark.parametrize("which", ["--page-port", "--api-port"])
def test_busy_port_names_it_and_how_to_choose_others(which: str, busy_port: int) -> None:
    other = "--api-port" if which == "--page-port" else "--page-port"
    result = run_demo(which, str(busy_port), other, "0")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"port {busy_port} is already in use" in result.stderr
    suggested = re.search(r"make demo PAGE_PORT=(\d+) API_PORT=(\d+)", result.stderr)
    assert suggested, result.stderr
    assert f"--page-port {suggested[1]} --api-port {suggested[2]}" in result.stderr
    # The ports it suggests are free: the demo runs on them.
    again = run_demo("--check", "--page-port", suggested[1], "--api-port", suggested[2])
    assert again.returncode == 0, again.stdout + again.stderr


def test_same_port_twice_is_refused() -> None:
    result = run_demo("--page-port", "8123", "--api-port", "8123")
    assert result.returncode == 2
    assert "two different ports" in result.stderr


# The built-wheel check (noxfile.py) copies tests/ without the Makefile.
@pytest.mark.skipif(shutil.which("make") is None or not (ROOT / "Makefile").exists(),
                    reason="needs make and the checkout's Makefile")
def test_make_demo_installs_the_package_alone_and_passes_the_ports() -> None:
    # -n prints the commands without running them; -B as if nothing were built yet.
    result = subprocess.run(["make", "--no-print-directory", "-n", "-B", "demo", "PAGE_PORT=8123", "API_PORT=8124"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    commands = result.stdout.splitlines()
    installs = [c for c in commands if " install " in c]
    assert installs == [".venv-demo/bin/pip install --quiet --disable-pip-version-check -e ."]
    assert commands[-1] == ".venv-demo/bin/python examples/demo.py --page-port 8123 --api-port 8124"


def test_without_the_package_it_says_how_to_install_it() -> None:
    # -S: no site-packages; -I: no PYTHONPATH, no script folder: no wsgicors to import.
    result = subprocess.run([sys.executable, "-I", "-S", str(DEMO), "--check"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "pip install pywsgicors" in result.stderr


def load_demo() -> Any:
    spec = importlib.util.spec_from_file_location("wsgicors_demo", DEMO)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_page_takes_results_only_as_json_and_prints_them_escaped(
        capsys: pytest.CaptureFixture[str]) -> None:
    demo = load_demo()
    page = TestApp(demo.PageApp("http://localhost:1", "http://localhost:2", []))
    # A form or text/plain POST, which any site's page could send, is refused.
    page.post("/results", "{}", content_type="text/plain", status=415)
    page.post("/results", "x" * (demo.MAX_RESULTS + 1), content_type="application/json",
              status=413)
    page.get("/results", status=404)
    row = {"name": "evil\x1b[2J", "outcome": "allowed", "predicted": "allowed", "read": ""}
    report = {"browser": "Chrome", "rows": [row]}
    page.post_json("/results", report, status=204)
    printed = capsys.readouterr().out
    assert "evil\\x1b[2J" in printed and "\x1b" not in printed
    assert page.get("/results").json == report
