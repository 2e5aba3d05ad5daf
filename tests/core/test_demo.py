"""The demo (``make demo``) serves its page and API and behaves as its page says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"


def test_demo_scenarios_behave_as_expected() -> None:
    result = subprocess.run([sys.executable, str(DEMO), "--check", "--page-port", "0",
                             "--api-port", "0"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all scenarios as expected" in result.stdout
    assert result.stdout.count("blocked") >= 3 and result.stdout.count("allowed") >= 3
