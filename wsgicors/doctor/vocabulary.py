"""The doctor's words: the browsers it knows and the ways a browser blocks a request.

Each browser engine has one name in the code, its key in reports (``--json``'s
``browsers`` object, :attr:`Report.outcomes <wsgicors.doctor.Report.outcomes>`):
``"chrome"`` for Chromium, ``"firefox"`` for Gecko, ``"webkit"`` for WebKit. Scripts
read those keys, so they do not change.
"""

from __future__ import annotations

from typing import Literal

#: A browser engine, by its key in reports.
Browser = Literal["chrome", "firefox", "webkit"]
#: The browsers whose CORS behaviour is modelled, in report order.
BROWSERS: tuple[Browser, ...] = ("chrome", "firefox", "webkit")
#: Each browser's name in sentences (WebKit is Safari's engine, measured as WebKitGTK).
BROWSER_NAMES: dict[Browser, str] = {"chrome": "Chrome", "firefox": "Firefox",
                                     "webkit": "WebKit"}

#: Which response a failure is about: the preflight, a redirect, or the actual response.
Stage = Literal["preflight", "redirect", "actual"]

#: Why a browser blocks a request (:attr:`Failure.code <wsgicors.doctor.browser.Failure>`,
#: ``code`` in ``--json``'s ``browsers``).
FailureCode = Literal[
    # The CORS check of a response (any stage).
    "missing-allow-origin", "multiple-allow-origin", "invalid-allow-origin",
    "allow-origin-mismatch", "wildcard-with-credentials", "allow-credentials-not-true",
    # The preflight's own checks.
    "preflight-status", "preflight-redirect", "invalid-allow-methods",
    "invalid-allow-headers", "method-not-allowed", "header-not-allowed",
    # Redirects a browser will not follow.
    "redirect-unsafe", "redirect-scheme", "redirect-credentials", "too-many-redirects",
    # A response the browser refuses outright, before any CORS check.
    "network-error",
    # A request the browser never sends: to a port it blocks (the Fetch standard's "bad
    # port"), or to http:// from an https:// page (mixed content).
    "bad-port", "mixed-content",
]
