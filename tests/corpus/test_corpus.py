"""Issue 21's "Done when", over the corpus of real-shaped configurations.

* each record's class is what its peer proves (the labels are not hand-written);
* every insecure configuration is refused (or, on the REINTERPRETED allow-list,
  started and proven not insecure under wsgicors);
* every safe configuration starts and serves the origins it is meant for, or is
  refused with only the codes its DEFENDED_REFUSALS entry defends;
* nothing wsgicors starts is insecure under the same probes;
* applying a refusal's suggested change starts (and, for a safe configuration, still
  serves its origins);
* refusals come at start-up (or import), never at the first request;
* Starlette's literal ``https://*.x.com`` entries, which wsgicors makes live, are
  named in a start-up warning.

The ``KNOWN_*`` tables hold what today's main fails, per record, as strict xfails: each
one turns into a failure when the fix lands, and whoever fixes issue 21 deletes the line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from wsgicors import Problem

from .corpus import BY_ID, CORPUS, DEFENDED_REFUSALS, REINTERPRETED
from .hints import fixes, unhinted
from .loader import Loaded, load
from .oracle import Finding, classify
from .peers import peer
from .records import CAUSES, FORMS, Record

#: Safe configurations today's main refuses without a defended reason.
KNOWN_FALSE_REFUSALS: dict[str, str] = {}

#: Refusals whose hints, applied, do not give a configuration that starts (and, for a
#: safe one, still serves its origins): they name no value to write, or a wrong one.
KNOWN_UNFIXABLE_HINTS: dict[str, str] = {}

#: Refusals today's main only reports at the first request (a 500 per request).
KNOWN_LATE_REFUSALS: dict[str, str] = {}

#: Starlette-literal wildcards wsgicors makes live without a start-up warning today.
KNOWN_SILENT_WIDENINGS: dict[str, str] = {}


#: What a known failure may raise: a failed check, never a crash of the harness.
_FAILED = (AssertionError, pytest.fail.Exception)
ROOT = Path(__file__).resolve().parents[2]


def _params(records: list[Record], known: dict[str, str]) -> list[object]:
    return [pytest.param(record, id=record.id, marks=[pytest.mark.xfail(
        strict=True, raises=_FAILED, reason=f"issue 21: {known[record.id]}")]
        if record.id in known else []) for record in records]


def _load(record: Record) -> tuple[Loaded, Finding | None]:
    with load(record) as loaded:
        finding = classify(record, loaded.send) if loaded.send is not None else None
    return loaded, finding


_LOADED: dict[str, tuple[Loaded, Finding | None]] = {}


def _ours(record: Record) -> tuple[Loaded, Finding | None]:
    """wsgicors's verdict on a corpus record, and the oracle's on the app it started
    (once per record: several tests read it)."""
    if record.id not in _LOADED:
        _LOADED[record.id] = _load(record)
    return _LOADED[record.id]


def _shown(loaded: Loaded) -> str:
    return f"refused at {loaded.stage}: " + "; ".join(map(str, loaded.problems))


INSECURE = [record for record in CORPUS if record.expected == "insecure"]
SAFE = [record for record in CORPUS if record.expected == "safe"]


@pytest.mark.parametrize("record", _params(CORPUS, {}))
def test_peer_proves_the_class(record: Record) -> None:
    with peer(record) as send:
        finding = classify(record, send)
    assert finding.verdict == record.expected, f"{record.shape}: {finding}"


@pytest.mark.parametrize("record", _params(INSECURE, {}))
def test_insecure_refused(record: Record) -> None:
    loaded, finding = _ours(record)
    if record.id in REINTERPRETED:
        assert finding is not None, _shown(loaded)  # listed as started: keep the list true
        assert finding.verdict != "insecure", f"{REINTERPRETED[record.id]}: {finding}"
        return
    assert not loaded.started, f"{record.shape}: started, and under wsgicors {finding}"


@pytest.mark.parametrize("record", _params(SAFE, KNOWN_FALSE_REFUSALS))
def test_safe_started_or_refusal_defended(record: Record) -> None:
    loaded, finding = _ours(record)
    if finding is not None:
        assert finding.verdict == "safe", f"{record.shape}: under wsgicors {finding}"
        return
    defence = DEFENDED_REFUSALS.get(record.id)
    assert defence is not None, f"{record.shape}: {_shown(loaded)}"
    assert loaded.codes <= defence.codes, _shown(loaded)


@pytest.mark.parametrize("record", _params(CORPUS, {}))
def test_started_is_never_insecure(record: Record) -> None:
    _loaded, finding = _ours(record)
    assert finding is None or finding.verdict != "insecure", f"{record.shape}: {finding}"


@pytest.mark.parametrize("record", _params(CORPUS, KNOWN_UNFIXABLE_HINTS))
def test_refusal_fixed_by_its_hints(record: Record) -> None:
    loaded, _finding = _ours(record)
    if loaded.started:
        return  # nothing to fix
    missing = unhinted(loaded.problems)
    if missing and record.expected != "safe":
        pytest.skip(f"no value to write for: {'; '.join(map(str, missing))}")
    assert not missing, f"a safe configuration refused without a value to write: {missing}"
    tried = []
    for fixed in fixes(record, loaded.problems):
        again, finding = _load(fixed)
        tried.append(f"{dict(fixed.options)} -> {finding or _shown(again)}")
        if finding is not None and (finding.verdict == "safe" or (
                record.expected != "safe" and finding.verdict != "insecure")):
            return
    pytest.fail(f"{_shown(loaded)}\nno suggested change starts (and serves "
                f"{list(record.meant) or 'its origins'}):\n" + "\n".join(tried))


@pytest.mark.parametrize("record", _params(CORPUS, KNOWN_LATE_REFUSALS))
def test_refused_before_the_first_request(record: Record) -> None:
    loaded, _finding = _ours(record)
    assert loaded.started or loaded.stage != "first request", _shown(loaded)


ALLOW_ALL_SETTINGS = ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL")
#: What a refusal must say, by cause: (what, test on the record and its problems).
MESSAGES: dict[str, tuple[str, Callable[[Record, list[Problem]], bool]]] = {
    "doubled-backslash": ("names the doubled backslashes", lambda record, problems: any(
        "backslash" in problem.message for problem in problems)),
    "allow-all-plus-list": ("says to delete the allow-all setting", lambda record, problems: all(
        any(f"delete {name}" in problem.hint for name in ALLOW_ALL_SETTINGS
            if name in record.options)
        for problem in problems if problem.code == "star-credentials")),
    "public-suffix-subtree": ("says anyone can register a site there", lambda record, problems:
                              any("register" in problem.message for problem in problems)),
}
#: Messages today's main gets wrong.
KNOWN_MISLEADING_MESSAGES: dict[str, str] = {}


@pytest.mark.parametrize("record", _params(
    [record for record in CORPUS if record.cause in MESSAGES], KNOWN_MISLEADING_MESSAGES))
def test_refusal_names_the_real_fault(record: Record) -> None:
    loaded, _finding = _ours(record)
    if loaded.started:
        return  # nothing to say
    what, says = MESSAGES[record.cause]
    assert says(record, loaded.problems), f"the refusal never {what}: {_shown(loaded)}"


LITERAL_WILDCARDS = [
    record for record in CORPUS if record.framework == "fastapi"
    and any("*" in origin and origin != "*" for origin in record.options.get("allow_origins", ()))
]


@pytest.mark.parametrize("record", _params(LITERAL_WILDCARDS, KNOWN_SILENT_WIDENINGS))
def test_starlette_literal_wildcards_are_warned(record: Record) -> None:
    loaded, _finding = _ours(record)
    if not loaded.started:
        return  # a refusal says more than a warning
    entries = [origin for origin in record.options["allow_origins"] if "*" in origin]
    assert any(all(entry in warning for entry in entries) for warning in loaded.warnings), (
        f"no warning names {entries}: {loaded.warnings}")


def test_every_defended_refusal_is_documented() -> None:
    """Issue 21: each refusal of a safe configuration has its defence in the docs."""
    text = " ".join((ROOT / "docs" / "validation.rst").read_text(encoding="utf-8").split())
    missing = sorted({defence.title for defence in DEFENDED_REFUSALS.values()
                      if f"**{defence.title}**" not in text})
    assert missing == []
    for defence in DEFENDED_REFUSALS.values():
        section = text.split(f"**{defence.title}**", 1)[1].split("**", 1)[0]
        assert all(f"``{code}``" in section for code in defence.codes), defence.title


def test_corpus_is_well_formed() -> None:
    assert len(BY_ID) == len(CORPUS), "record ids must be unique"
    sizes = Counter(record.framework for record in CORPUS)
    assert all(sizes[framework] >= 40 for framework in FORMS), sizes
    for known in (DEFENDED_REFUSALS, KNOWN_FALSE_REFUSALS):
        assert all(BY_ID[record_id].expected == "safe" for record_id in known)
    assert all(BY_ID[record_id].expected == "insecure" for record_id in REINTERPRETED)
    for table in (KNOWN_UNFIXABLE_HINTS, KNOWN_LATE_REFUSALS, KNOWN_SILENT_WIDENINGS,
                  KNOWN_MISLEADING_MESSAGES):
        assert set(table) <= set(BY_ID)
    # Several variants of every cause of issue 21, and the classics.
    causes = Counter(record.cause for record in CORPUS)
    assert all(causes[cause] >= 2 for cause in CAUSES), causes
