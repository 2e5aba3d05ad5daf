"""WebKit (Safari's engine) for the real-browser tests: WebKitGTK's MiniBrowser under Xvfb.

Debian's ``webkit2gtk-driver`` brings ``libwebkit2gtk-4.1-0``, whose ``MiniBrowser``
is a plain window around the engine. It has no headless mode, so every launch gets
its own X server (``Xvfb -displayfd``: the server picks a free display and says
which). MiniBrowser is started directly on the page's URL, like the other browsers,
with ``--enable-write-console-messages-to-stdout=true``: the console lines then
arrive on its **stderr** (``CONSOLE SECURITY ERROR <reason>`` and ``CONSOLE JS ERROR
Fetch API cannot load <url> due to access control checks.``), so the launch log
holds what the console showed. WebKitWebDriver (``--automation``) would drive the
same binary but shows no console messages, and the tests need none of its commands.

Finding MiniBrowser, its X server and its environment are the doctor's own
(:mod:`wsgicors.doctor.webkit`, which ``wsgicors check --browser webkit`` uses).
"""

from __future__ import annotations

from pathlib import Path

from wsgicors.doctor import webkit as driver
from wsgicors.doctor.webkit import FLAGS, PACKAGES, display, minibrowser

__all__ = ["PACKAGES", "command", "display", "environment", "minibrowser"]


def environment(profile: Path, display: str) -> dict[str, str]:
    """What MiniBrowser's environment must say: X *display*, all its data in *profile*."""
    return driver.environment(str(profile), display)


def command(exe: str, url: str) -> list[str]:
    """The command line that opens *url* in MiniBrowser *exe*."""
    return [exe, *FLAGS, url]
