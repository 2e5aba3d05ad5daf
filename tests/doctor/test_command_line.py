"""The ``wsgicors`` command line itself: ``--version``, and every command's ``--help``
says what it does, shows an example, lists its exit statuses and explains every
option (issue 20, item 10)."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

import wsgicors
from tests.support.docs import page
from wsgicors.cli import COMMANDS, main, parser
from wsgicors.toolbase.errors import Exit

NAMES = [command.name for command in COMMANDS]


def _help(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as stopped:
        main([*args, "--help"])
    assert stopped.value.code == 0
    return capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out == f"wsgicors {wsgicors.__version__}\n"


def test_the_top_level_help_describes_every_command(capsys: pytest.CaptureFixture[str]
                                                    ) -> None:
    # Python 3.13's argparse may wrap after a hyphen ("cross-" / "origin").
    text = " ".join(_help([], capsys).split()).replace("- ", "-")
    assert NAMES == ["check", "explain", "audit", "proxy", "report-summary"]
    for command in COMMANDS:
        assert f'"{command.name}"' in text  # in the description paragraph
        assert f"{command.name} {' '.join(command.summary.split())}" in text  # the list


@pytest.mark.parametrize("name", NAMES)
def test_each_command_has_a_description_an_example_and_its_exit_statuses(
        name: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = _help([name], capsys)
    command = next(c for c in COMMANDS if c.name == name)
    first_words = " ".join(command.description.split()[:6])
    assert first_words in " ".join(text.split())
    examples = text.split("\nexamples:\n", 1)[1].split("\n\n", 1)[0]
    assert examples.startswith(f"  wsgicors {name} ")
    statuses = text.split("\nexit status:\n", 1)[1]
    listed = re.findall(r"^  ([0-9])  \S", statuses, re.MULTILINE)
    assert listed == [str(int(status)) for status in sorted(command.exits)]
    assert Exit.ERROR in command.exits and Exit.OK in command.exits


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", NAMES)
def test_every_option_has_help_text(name: str) -> None:
    for action in _subparsers()[name]._actions:
        assert action.help and action.help != argparse.SUPPRESS, action.option_strings


def test_check_help_and_the_docs_agree_that_app_is_wsgi_or_asgi() -> None:
    [app] = [a for a in _subparsers()["check"]._actions if "--app" in a.option_strings]
    assert app.help is not None and "WSGI or ASGI application" in app.help
    docs = page("debugging.rst")
    described = docs.split("``--app MODULE:APP``", 1)[1].split("\n\n", 1)[0]
    assert "WSGI or ASGI application" in " ".join(described.split())


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([])
    assert stopped.value.code == Exit.ERROR
    assert "COMMAND" in capsys.readouterr().err


def test_the_console_script_and_python_m_show_the_same_help() -> None:
    script = [str(Path(sys.executable).with_name("wsgicors"))]
    outputs = [subprocess.run([*command, "--help"], capture_output=True, text=True,
                              timeout=60, check=True).stdout
               for command in ([sys.executable, "-m", "wsgicors"], script)]
    assert outputs[0] == outputs[1]
    assert "check" in outputs[0] and "proxy" in outputs[0]
