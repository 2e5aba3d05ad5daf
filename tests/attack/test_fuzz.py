"""The atheris fuzz target (fuzz/fuzz_request.py), bounded for CI.

libFuzzer runs a fixed number of inputs with the project's dictionary; a crash
(uncaught exception or broken invariant) fails the test with libFuzzer's report.
The control run swaps in a layer that reflects any origin and must crash.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support.figures import record

pytestmark = pytest.mark.slow

FUZZ = Path(__file__).resolve().parents[2] / "fuzz"
RUNS = 200_000


def fuzz(runs: int, broken: bool = False) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("atheris", reason="atheris is not installed (Python < 3.14 only)")
    env = dict(os.environ)
    if broken:
        env["WSGICORS_FUZZ_BROKEN"] = "1"
    with tempfile.TemporaryDirectory() as artifacts:
        return subprocess.run(
            [sys.executable, str(FUZZ / "fuzz_request.py"), f"-runs={runs}", "-max_len=600",
             "-len_control=0", "-seed=1", f"-dict={FUZZ / 'request.dict'}",
             f"-artifact_prefix={artifacts}/"],
            capture_output=True, text=True, timeout=300, env=env, check=False)


def test_fuzz_request_path_bounded() -> None:
    done = fuzz(RUNS)
    assert done.returncode == 0, done.stderr[-3000:]
    executed = re.search(r"Done (\d+) runs", done.stderr)
    assert executed is not None, done.stderr[-3000:]
    assert int(executed[1]) == RUNS
    record("fuzz executions", int(executed[1]))


def test_fuzz_catches_a_reflecting_layer() -> None:
    done = fuzz(RUNS, broken=True)
    assert done.returncode != 0
    assert "AssertionError: ACAO" in done.stdout + done.stderr
