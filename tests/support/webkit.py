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
"""

from __future__ import annotations

import contextlib
import glob
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

#: The Debian packages that provide MiniBrowser and its X server.
PACKAGES = "webkit2gtk-driver xvfb xauth"
#: Where WebKitGTK's packages put MiniBrowser (Debian/Ubuntu multiarch, then Fedora/Arch).
MINIBROWSER_GLOBS = (
    "/usr/lib/*/webkit2gtk-4.1/MiniBrowser",
    "/usr/lib/*/webkit2gtk-4.0/MiniBrowser",
    "/usr/libexec/webkit2gtk-4.*/MiniBrowser",
    "/usr/lib/webkit2gtk-4.*/MiniBrowser",
)
#: Console lines on stderr; Safari's default third-party cookie blocking stays on.
FLAGS = ("--enable-write-console-messages-to-stdout=true",)
DISPLAY_TIMEOUT = 15.0


def minibrowser() -> str | None:
    """Path of MiniBrowser, or None when it or Xvfb is not installed."""
    if shutil.which("Xvfb") is None:
        return None
    found = (path for pattern in MINIBROWSER_GLOBS for path in sorted(glob.glob(pattern)))
    return next((path for path in found if os.access(path, os.X_OK)), None)


def environment(profile: Path, display: str) -> dict[str, str]:
    """What MiniBrowser's environment must say: X *display*, all its data in *profile*.

    The XDG directories are made under *profile* (WebKit does not create its cache
    directory's parents).
    """
    dirs = {f"XDG_{kind}_HOME": profile / kind.lower()
            for kind in ("DATA", "CACHE", "CONFIG", "STATE")}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    return {"DISPLAY": display, "HOME": str(profile), **{k: str(v) for k, v in dirs.items()}}


def command(exe: str, url: str) -> list[str]:
    """The command line that opens *url* in MiniBrowser *exe*."""
    return [exe, *FLAGS, url]


@contextlib.contextmanager
def display() -> Iterator[str]:
    """A fresh Xvfb for one launch; yields its ``DISPLAY`` value (``":N"``)."""
    read, write = os.pipe()
    try:
        server = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            pass_fds=(write,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
    except BaseException:
        os.close(read)
        raise
    finally:
        os.close(write)
    try:
        number = _display_number(read, server)
    except BaseException:
        _stop(server)
        raise
    finally:
        os.close(read)
    try:
        yield f":{number}"
    finally:
        _stop(server)


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)


def _display_number(fd: int, server: subprocess.Popen[bytes]) -> int:
    """Read the display number Xvfb writes on *fd* once it accepts clients."""
    deadline = time.monotonic() + DISPLAY_TIMEOUT
    data = b""
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        ready = select.select([fd], [], [], remaining)[0] if remaining > 0 else []
        chunk = os.read(fd, 16) if ready else b""
        if not chunk:
            state = "exited" if server.poll() is not None else "gave no display"
            raise RuntimeError(f"Xvfb {state} within {DISPLAY_TIMEOUT:g} s")
        data += chunk
    return int(data)
