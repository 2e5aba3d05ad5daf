"""Per-tenant origins in a Django project with models and migrations, in sync and
async mode: tests/production/djtenants_suite.py, run in a process of its own (this
process's Django is configured for tests/django)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.servers import python_env

SUITE = Path(__file__).resolve().parent / "djtenants_suite.py"


def test_django_tenants_suite() -> None:
    env = python_env(DJANGO_SETTINGS_MODULE="tests.sources.djproject.settings")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(SUITE)], env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert done.stdout.splitlines()[-1].startswith("7 passed")
