"""CORScanner (the ``cors`` package from PyPI), in its own virtualenv, as a subprocess.

The venv (``.venv-scanner/`` in the repository) is made on first use; tests/attack
and tests/audit scan their servers with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNER_VENV = ROOT / ".venv-scanner"
SCANNER = "cors==1.0.1"
RUNNER = Path(__file__).resolve().parent / "scan_runner.py"


@pytest.fixture(scope="session")
def scanner_python() -> Path:
    """The scanner venv's interpreter, creating the venv on first use."""
    python = SCANNER_VENV / "bin" / "python"
    if not (SCANNER_VENV / ".installed").exists():
        try:
            subprocess.run([sys.executable, "-m", "venv", str(SCANNER_VENV)], check=True,
                           timeout=120, capture_output=True)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", SCANNER],
                           check=True, timeout=300, capture_output=True)
        except (subprocess.SubprocessError, OSError) as exc:
            message = f"could not install {SCANNER} into {SCANNER_VENV}: {exc}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        (SCANNER_VENV / ".installed").write_text(SCANNER + "\n")
    return python


def scan(python: Path, url: str) -> dict[str, Any]:
    """CORScanner's findings for *url* ({} when clean)."""
    env = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}
    done = subprocess.run([str(python), str(RUNNER), url], capture_output=True, text=True,
                          timeout=180, env=env, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))
