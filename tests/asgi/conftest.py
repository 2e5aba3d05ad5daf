"""Fixtures of the ASGI adapter's tests."""

from __future__ import annotations

import warnings

# Starlette >= 1.x announces, when its TestClient is first imported, a move from httpx
# to httpx2; the client works the same. Imported once here, quietly.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import starlette.testclient  # noqa: F401
