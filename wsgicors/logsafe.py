"""Make request data safe to put in a log line (flask-cors CVE-2024-1681)."""

from __future__ import annotations

#: How many characters of a request value a log line or explanation shows.
MAX_SHOWN = 120


def logsafe(value: object, limit: int = MAX_SHOWN) -> str:
    """Return *value* quoted, escaped and truncated for a log line.

    CR, LF, other control characters and anything outside printable ASCII are
    escaped (``\\r``, ``\\x85``), so a request cannot forge log lines or smuggle
    terminal escapes; values longer than *limit* are cut and marked with their length.
    """
    text = value if isinstance(value, str) else str(value)
    cut = text[:limit]
    shown = ascii(cut)  # quotes it and escapes controls and non-ASCII: one line, ASCII only
    if len(text) > limit:
        shown += f"...(+{len(text) - limit} chars)"
    return shown
