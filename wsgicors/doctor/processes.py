"""The real browsers' processes: each runs in a session of its own, stopped as a group."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop *process* and its process group (started with ``start_new_session=True``).

    SIGTERM, SIGKILL after 5 s, and SIGKILL for whatever of the group outlives it (a
    browser's helper processes).
    """
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
