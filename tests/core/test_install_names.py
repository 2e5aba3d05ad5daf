"""Every install command the project shows installs this project: ``pywsgicors``.

The name ``wsgicors`` on the package index belongs to an unrelated 2017 project, so
``pip install wsgicors`` (or ``'wsgicors[flask]'``) in README, the docs, the examples or
a message of the package would install someone else's code (issue 20, item 1).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Where users read install commands: README, the docs, the examples, the package's
#: own messages (error texts, help), CONTRIBUTING and the CI recipe.
SOURCES = sorted(
    [ROOT / "README.md", ROOT / "CONTRIBUTING.md",
     *(ROOT / "docs").glob("*.rst"), *(ROOT / "examples").rglob("*.py"),
     *(ROOT / "examples").rglob("*.html")]
    + [path for package in ("wsgicors", "wsgicors_flask", "wsgicors_django")
       for path in (ROOT / package).rglob("*.py")]
)
# `pip install` and the rest of its line; the next line when a doc wraps right after
# `install` or a shell line ends in a backslash.
_INSTALL = re.compile(r"pip[ \t]+install(?:[ \t]*\\?\n[ \t]*|[ \t]+)([^\n`]*)")
# A requirement naming this project under its import name: wsgicors, wsgicors[...],
# dist/wsgicors-0.1.0-py3-none-any.whl and the like.
_WRONG = re.compile(r"^(?:.*/)?wsgicors(?:\[[^\]]*\])?(?:-\d[\w.\-]*\.(?:whl|tar\.gz))?$")


def install_targets(text: str) -> list[str]:
    """The package arguments of every ``pip install`` in *text*."""
    targets: list[str] = []
    for match in _INSTALL.finditer(text):
        line = match[1].split("#")[0]
        try:
            words = shlex.split(line)
        except ValueError:
            words = line.split()
        targets += [word.strip("`'\".,;:)") for word in words
                    if word and not word.startswith("-")]
    return targets


def test_the_pattern_catches_the_wrong_name() -> None:
    text = ("pip install wsgicors\n  pip install 'wsgicors[flask]'\n"
            "``pip install wsgicors[django]``\npip install dist/wsgicors-0.1.0-py3-none-any.whl")
    assert [t for t in install_targets(text) if _WRONG.match(t)] == [
        "wsgicors", "wsgicors[flask]", "wsgicors[django]", "dist/wsgicors-0.1.0-py3-none-any.whl"]
    assert not [t for t in install_targets("pip install 'pywsgicors[proxy]' pywsgicors")
                if _WRONG.match(t)]


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_install_commands_name_pywsgicors(path: Path) -> None:
    wrong = [target for target in install_targets(path.read_text(encoding="utf-8"))
             if _WRONG.match(target)]
    assert not wrong, f"{path.name}: install {wrong}; the distribution is pywsgicors"


def test_the_distribution_is_pywsgicors() -> None:
    setup = (ROOT / "setup.cfg").read_text(encoding="utf-8")
    assert re.search(r"^\[metadata\]\nname = pywsgicors$", setup, re.MULTILINE)
