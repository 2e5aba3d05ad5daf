"""Print issue 21's table for the corpus: ``python -m tests.corpus.report [-v]``.

Per framework, the classes the peers prove, and what wsgicors does with each class
today; then the safe configurations wsgicors refuses without a defended reason, by
cause. Every figure is measured here (peers and wsgicors run in process).
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict

import tests.django.conftest  # noqa: F401 - Django settings, as under pytest

from .corpus import CORPUS, DEFENDED_REFUSALS
from .loader import load
from .oracle import classify
from .peers import PEERS, peer
from .records import CAUSES, FORMS, Record


def outcome(record: Record) -> tuple[str, str, str]:
    """(the peer's class, what wsgicors does, the detail).

    wsgicors either ``started`` (the detail: the oracle's class under wsgicors),
    ``defended`` (refused with codes its DEFENDED_REFUSALS entry allows) or ``refused``.
    """
    with peer(record) as send:
        verdict = classify(record, send).verdict
    with load(record) as loaded:
        if loaded.send is not None:
            return verdict, "started", classify(record, loaded.send).verdict
    defence = DEFENDED_REFUSALS.get(record.id)
    what = "defended" if defence and loaded.codes <= defence.codes else "refused"
    return verdict, what, ", ".join(sorted(loaded.codes))


def main(verbose: bool = False) -> None:
    """Measure every record and print the tables."""
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    refusals: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for record in CORPUS:
        verdict, what, detail = outcome(record)
        if verbose:
            print(f"{record.id:52} {verdict:8} {what:8} {detail}")
        row = rows[record.framework]
        row[verdict] += 1
        row[f"{verdict} {what}"] += 1
        row["started insecure"] += what == "started" and detail == "insecure"
        if verdict == "safe" and what != "started":
            refusals[what, record.cause][record.framework] += 1
    print("| framework (peer) | records | insecure | broken | safe | insecure refused "
          "| insecure started (reinterpreted) | broken refused | safe started "
          "| safe refused, defended | safe refused, not defended | started and insecure |")
    print("|---" * 12 + "|")
    for framework in FORMS:
        row = rows[framework]
        print(f"| {framework} ({PEERS[framework]}) | {sum(row[c] for c in CLASSES)} "
              f"| {row['insecure']} | {row['broken']} | {row['safe']} "
              f"| {row['insecure refused']} | {row['insecure started']} "
              f"| {row['broken refused']} | {row['safe started']} | {row['safe defended']} "
              f"| {row['safe refused']} | {row['started insecure']} |")
    print("\nSafe configurations wsgicors refuses today, by cause:\n")
    print("| refusal | cause | " + " | ".join(FORMS) + " |")
    print("|---" * (len(FORMS) + 2) + "|")
    order = list(CAUSES)
    for (what, cause), counts in sorted(refusals.items(),
                                        key=lambda item: (order.index(item[0][1]), item[0][0])):
        label = "defended" if what == "defended" else "not defended"
        print(f"| {label} | {CAUSES[cause]} | "
              + " | ".join(str(counts[framework]) for framework in FORMS) + " |")


CLASSES = ("insecure", "broken", "safe")

if __name__ == "__main__":
    main(verbose="-v" in sys.argv)
