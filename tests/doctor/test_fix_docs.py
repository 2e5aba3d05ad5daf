"""docs/debugging.rst shows a real run of the whole fix: its text and ``--json`` blocks
are what ``wsgicors check`` prints for the page's example application, today."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.docs import page
from wsgicors.cli import main

COMMAND = ["check", "--app", "api:app", "/api/items", "--origin", "http://localhost:5173",
           "-X", "POST", "-H", "content-type", "-H", "authorization", "--credentials",
           "--read-header", "X-Total-Count"]
INDENT = "    "


def _app_source() -> str:
    """The example application, as the page shows it."""
    text = page("debugging.rst")
    block = text.split(".. code-block:: python\n\n    # api.py\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if line and not line.startswith(INDENT):
            break
        lines.append(line)
    return textwrap.dedent("\n".join(lines))


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "api.py").write_text(_app_source())
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("api", None)


def text_block(out: str) -> str:
    """The text output as the page shows it (Flask lists Allow in no fixed order)."""
    out = re.sub(r"(?m)^(    Allow: )(.*)$",
                 lambda m: m[1] + ", ".join(sorted(m[2].split(", "))), out)
    return _indented(out.rstrip("\n"))


def json_block(report: dict[str, Any]) -> str:
    """The ``fix`` object, header pairs on one line, the alternatives cut to one line."""
    fix = report["fix"]
    pairs = {key: "[\n" + ",\n".join(f"      {json.dumps(pair)}" for pair in fix[key])
             + "\n    ]" for key in ("preflight", "actual")}
    others = ",\n".join(f"      {json.dumps(stack)}: "
                        f"{json.dumps(snippet.splitlines()[0] + ' ...')}"
                        for stack, snippet in fix["alternatives"].items())
    text = ('{\n  "fix": {\n'
            f'    "preflight": {pairs["preflight"]},\n'
            f'    "actual": {pairs["actual"]},\n'
            f'    "config": {{\n      "stack": {json.dumps(fix["config"]["stack"])},\n'
            f'      "snippet": {json.dumps(fix["config"]["snippet"])}\n    }},\n'
            f'    "alternatives": {{\n{others}\n    }}\n  }}\n}}')
    return _indented(text)


def _indented(text: str) -> str:
    return "\n".join(INDENT + line if line else "" for line in text.splitlines())


def _shown(after: str) -> str:
    """The literal block that follows *after* on the page."""
    text = page("debugging.rst").split(after + "::\n\n", 1)[1]
    lines = []
    for line in text.splitlines():
        if line and not line.startswith(INDENT):
            break
        lines.append(line)
    return "\n".join(lines).rstrip("\n")


def test_the_page_shows_a_real_run(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*COMMAND, "--color", "never"]) == 1
    # When the output changes on purpose: python -m tests.doctor.test_fix_docs
    assert _shown(_ANCHORS[0]) == text_block(capsys.readouterr().out)
    assert main([*COMMAND, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert _shown(_ANCHORS[1]) == json_block(report)


def regenerate() -> None:
    """Write today's output into the page (``python -m tests.doctor.test_fix_docs``), for
    when the output changes on purpose."""
    import contextlib
    import io
    import os
    import tempfile

    path = Path(__file__).resolve().parents[2] / "docs" / "debugging.rst"
    text = path.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "api.py").write_text(_app_source())
        os.chdir(tmp)
        sys.path.insert(0, tmp)
        outputs = []
        for extra in (["--color", "never"], ["--json"]):
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                main([*COMMAND, *extra])
            outputs.append(buffer.getvalue())
    blocks = [text_block(outputs[0]), json_block(json.loads(outputs[1]))]
    for after, block in zip(_ANCHORS, blocks, strict=True):
        text = text.replace(_shown(after), block, 1)
    path.write_text(text, encoding="utf-8")


_ANCHORS = ("-H\ncontent-type -H authorization --credentials --read-header X-Total-Count`` "
            "prints", "every other stack (shortened here)")

if __name__ == "__main__":
    regenerate()
