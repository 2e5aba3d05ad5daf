"""The redactor: which parts of a header are secret, and what it replaces in text."""

from __future__ import annotations

import base64

import pytest

from wsgicors.audit.redaction import REDACTED, Redactor, secret_parts

from .test_redaction import COOKIE, JWT, SESSION


def test_secret_parts_of_each_header() -> None:
    assert SESSION in secret_parts("Cookie", COOKIE)
    assert "dark" not in secret_parts("Cookie", COOKIE)  # too short to be a secret
    assert JWT in secret_parts("Authorization", f"Bearer {JWT}")
    basic = base64.b64encode(b"alice:correct-horse").decode()
    assert {"alice:correct-horse", "correct-horse"} <= set(
        secret_parts("Authorization", f"Basic {basic}"))
    assert "k3y-abcdef" in secret_parts("X-Api-Key", "k3y-abcdef")


@pytest.mark.parametrize(("text", "shown"), [
    (f"sid={SESSION}&x=1", f"sid={REDACTED}&x=1"),
    (f"cut: {SESSION[:12]}", f"cut: {REDACTED}"),            # a prefix, as truncation leaves
    (f"slice {SESSION[10:19]} end", f"slice {REDACTED} end"),  # any 8+ characters of it
    (f"{SESSION[:7]} stays", f"{SESSION[:7]} stays"),          # 7 are too few to tell
    ("theme=dark", "theme=dark"),
])
def test_redactor_replaces_runs_before_anything_is_cut(text: str, shown: str) -> None:
    assert Redactor.for_headers([("Cookie", COOKIE)])(text) == shown


def test_short_secret_parts_are_replaced_whole() -> None:
    redact = Redactor.for_headers([("Cookie", "theme=dark; session=TOKEN")])
    assert redact("Location: /login?sid=TOKEN") == f"Location: /login?sid={REDACTED}"
    assert redact("dark mode") == "dark mode"
