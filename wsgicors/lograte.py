"""Log a recurring problem once per interval, never once per request.

A database that is down makes every request fail the same way; writing one line per
request would flood the log (and let any client fill the disk). :class:`LogLimiter`
writes the first occurrence of each kind of problem, then at most one line per
interval, saying how many were left out in between.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable


class LogLimiter:
    """Rate-limit log records per *kind* (a short fixed string such as ``"lookup-failed"``).

    Thread-safe. The message arguments should already be made safe with
    :func:`wsgicors.logsafe.logsafe` when they come from a request.
    """

    def __init__(self, logger: logging.Logger, interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._logger = logger
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}  # kind -> when the next record may be written
        self._skipped: dict[str, int] = {}

    def log(self, level: int, kind: str, message: str, *args: object,
            exc_info: BaseException | None = None) -> bool:
        """Write the record unless one of this *kind* was written less than an interval
        ago; True if it was written. The record counts the ones left out before it.
        """
        now = self._clock()
        with self._lock:
            if now < self._next.get(kind, now):
                self._skipped[kind] = self._skipped.get(kind, 0) + 1
                return False
            self._next[kind] = now + self._interval
            skipped = self._skipped.pop(kind, 0)
        if skipped:
            message += f" ({skipped} more like this left out since the previous one)"
        self._logger.log(level, message, *args, exc_info=exc_info)
        return True
