"""The ``report-summary`` subcommand of the ``wsgicors`` command.

::

    wsgicors report-summary /var/log/app/app.log
    journalctl -u myapp -o cat | wsgicors report-summary -
    wsgicors report-summary app.log.1 app.log --json

:data:`REPORT_SUMMARY` is added to the root command line by :mod:`wsgicors.cli`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import TextIO

from ..toolbase.command import Command
from ..toolbase.errors import Exit, ToolError
from ..toolbase.terminal import escape
from .summary import Row, Summary, summarize

#: What each change means, as the text report's section titles say it.
TITLES = {
    "breaks": "Would break when enforced (allowed now, refused or without credentials "
              "by the candidate)",
    "widens": "Would be newly allowed (refused now, or without credentials now)",
}


def run(args: argparse.Namespace) -> int:
    """Read the logs, print the summary; 1 if anything would break."""
    summary = Summary()
    for name in args.logfile:
        if name == "-":
            summarize(sys.stdin, summary)
            continue
        try:
            with open(name, encoding="utf-8", errors="replace") as log:
                summarize(log, summary)
        except OSError as error:
            raise ToolError(f"cannot read {name}: {error.strerror}") from None
    if args.json:
        print(json.dumps(summary.as_json(), indent=2))
    else:
        write(summary, sys.stdout, args.top)
    return Exit.FAILED if summary.rows("breaks") or summary.dropped else Exit.OK


def write(summary: Summary, out: TextIO, top: int) -> None:
    """The text report: counts, then each change's rows, origins and routes."""
    print(f"{summary.records} record(s), {summary.disagreements} disagreement(s)"
          + (f", {summary.dropped} record(s) left out by the rate limit" if summary.dropped
             else "") + (f", {summary.skipped} unreadable line(s)" if summary.skipped else ""),
          file=out)
    if not summary.records:
        print("No report-only record found: is report_only configured, and does the "
              "'wsgicors.report' logger write to this file (level WARNING)?", file=out)
    for change, title in TITLES.items():
        rows = summary.rows(change)
        if not rows:
            continue
        print(f"\n{title}:", file=out)
        _table(rows[:top], out)
        if len(rows) > top:
            print(f"  ... and {len(rows) - top} more (--top)", file=out)
        origins, routes = summary.by(change, "origin"), summary.by(change, "pattern")
        print(f"  {len(origins)} origin(s): " + _listed(origins, top), file=out)
        print(f"  {len(routes)} route(s): " + _listed(routes, top), file=out)
    print("\n" + verdict(summary), file=out)


def verdict(summary: Summary) -> str:
    """The next step of the roll-out checklist."""
    if summary.rows("breaks"):
        return ("Not ready: enforcing the candidate would break the requests above. Add "
                "the origins you still serve to the candidate (or accept the breaks), "
                "deploy, and observe again.")
    if summary.dropped:
        return ("Not ready: the rate limit left records out; raise max_records or read "
                "a longer stretch of logs.")
    return ("Nothing would break in these logs: enforce the candidate once they cover "
            "enough traffic (a full week catches weekly jobs), and keep it as report-only "
            "no longer.")


def _table(rows: Iterable[Row], out: TextIO) -> None:
    print(f"  {'count':>7}  {'origin':40} {'route':20} {'request':18} refused at", file=out)
    for row in rows:
        request = f"{row.request} {row.method}"
        where = "credentials" if row.step == "credentials" else f"{row.step} ({row.code})"
        print(f"  {row.count:>7}  {escape(row.origin):40} {escape(row.pattern):20} "
              f"{escape(request):18} {escape(where)}", file=out)


def _listed(items: list[tuple[str, int]], top: int) -> str:
    shown = ", ".join(f"{escape(name)} ({count})" for name, count in items[:top])
    return shown + (", ..." if len(items) > top else "")


def _arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("logfile", nargs="+", metavar="LOGFILE",
                     help="a log holding the 'wsgicors.report' records ('-' reads stdin)")
    cmd.add_argument("--json", action="store_true", help="print the summary as JSON")
    cmd.add_argument("--top", type=int, default=20, metavar="N",
                     help="rows, origins and routes shown per section (default 20)")


REPORT_SUMMARY = Command(
    name="report-summary",
    summary="sum up a report-only policy's log: what would break when enforced",
    description="""Read the records a report-only candidate policy logged (the
    'wsgicors.report' logger: one line per disagreement with the enforced policy,
    rate-limited) and print which origins and routes would break if the candidate
    were enforced, and which it would newly allow, with how often. The roll-out
    checklist: configure report_only, observe real traffic, read this summary, fix
    the candidate until nothing you serve would break, then enforce it.""",
    examples="""\
wsgicors report-summary /var/log/app/app.log
journalctl -u myapp -o cat | wsgicors report-summary -
wsgicors report-summary app.log.1 app.log --json""",
    exits={Exit.OK: "nothing in the logs would break",
           Exit.FAILED: "something would break (or records were left out)",
           Exit.ERROR: "a log could not be read"},
    add_arguments=_arguments,
    run=run,
)
