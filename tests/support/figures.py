"""Measured figures of the proof suites, merged into one JSON file.

Each test that measures something records it here, one key per measurement. By
default they go to ``build/figures.json`` (ignored by git, so a test run leaves the
tree clean); ``WSGICORS_FIGURES=tests/attack/figures.json make test`` refreshes the
committed snapshot that docs/testing.rst quotes.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[2]
FIGURES = Path(os.environ.get("WSGICORS_FIGURES") or _ROOT / "build" / "figures.json")
_lock = threading.Lock()


def record(key: str, value: Any) -> None:
    """Store *value* under *key* (other keys are kept)."""
    with _lock:
        FIGURES.parent.mkdir(parents=True, exist_ok=True)
        try:
            data = json.loads(FIGURES.read_text())
        except (OSError, ValueError):
            data = {}
        data[key] = value
        tmp = FIGURES.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        tmp.replace(FIGURES)
