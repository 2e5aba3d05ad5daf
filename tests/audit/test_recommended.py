"""The configurations README and the docs recommend audit clean: nothing at ``low`` or above.

Every code block of README.md and docs/*.rst that looks like a CORS configuration is
either run as written and audited in process (tests/audit/docconfigs.py), or named
with the reason it is not a configuration to copy: a new or edited block is audited
as it reads, and an unclassified one fails here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.support.servers import python_env

from .docconfigs import (
    EXAMPLES,
    NOT_AUDITED,
    Example,
    application,
    audit_example,
    block_of,
    configuration_blocks,
)


def _audited(example: Example) -> dict[str, Any]:
    if example.kind != "django":
        return audit_example(example, application(example))
    done = subprocess.run([sys.executable, "-m", "tests.audit.docconfigs",
                           str(EXAMPLES.index(example))], capture_output=True, text=True,
                          timeout=120, env=python_env())
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.mark.parametrize("example", EXAMPLES,
                         ids=[f"{e.page}:{e.anchor[:30]}:{i}" for i, e in enumerate(EXAMPLES)])
def test_recommended_configuration_audits_clean(example: Example) -> None:
    found = _audited(example)
    assert {path: [f for f in result["findings"] if f[1] != "info"]
            for path, result in found.items()} == {path: [] for path in example.paths}
    # The configuration really answered: a trusted origin got its CORS headers somewhere.
    assert any(not any("itself gets no" in note for note in result["notes"])
               for result in found.values()), found


def test_every_configuration_block_is_audited_or_explained() -> None:
    for page, block in configuration_blocks():
        audited = [e for e in EXAMPLES if e.page == page and e.anchor in block]
        explained = [k for k in NOT_AUDITED if k[0] == page and k[1] in block]
        assert audited or explained, f"{page}: audit this block or say why not:\n{block}"
    for page, anchor in NOT_AUDITED:
        block_of(page, anchor)  # each reason names one block that exists
