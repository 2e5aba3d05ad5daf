"""Measured figures of the proof suites, merged into tests/attack/figures.json.

docs/testing.rst quotes them; each test that measures something records it here
(the file is rewritten in place, one key per measurement).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

FIGURES = Path(__file__).resolve().parent.parent / "attack" / "figures.json"
_lock = threading.Lock()


def record(key: str, value: Any) -> None:
    """Store *value* under *key* (other keys are kept)."""
    with _lock:
        try:
            data = json.loads(FIGURES.read_text())
        except (OSError, ValueError):
            data = {}
        data[key] = value
        tmp = FIGURES.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        tmp.replace(FIGURES)
