"""The measuring loop every benchmark shares.

Interleaved rounds: each round times every contender back to back, in an order that
rotates from round to round, after one warm-up pass each; the figure kept is each
contender's best round. A burst of load elsewhere on a shared machine then spoils one
round of all contenders, not all rounds of one.
"""

from __future__ import annotations

import argparse
import json
import time
import timeit
from collections.abc import Callable
from typing import Any


def best_of(calls: dict[str, Callable[[], object]], number: int, repeat: int,
            clock: Callable[[], float] = time.perf_counter) -> dict[str, float]:
    """Best µs per call of each zero-argument callable in *calls*."""
    timers = [(name, timeit.Timer(call, timer=clock)) for name, call in calls.items()]
    for _name, timer in timers:
        timer.timeit(number)
    best = dict.fromkeys(calls, float("inf"))
    for round_ in range(repeat):
        shift = round_ % len(timers)
        for name, timer in timers[shift:] + timers[:shift]:
            best[name] = min(best[name], timer.timeit(number) / number * 1e6)
    return best


def against_bare(scenario: str, best: dict[str, float], bare: str = "bare") -> dict[str, Any]:
    """One result row: the bare contender's time and, for the others, added µs and ratio."""
    others = dict(best)
    base = others.pop(bare)
    row: dict[str, Any] = {"scenario": scenario, "bare_us": base}
    for label, total in others.items():
        row[label] = {"total_us": total, "added_us": total - base, "ratio": total / base}
    return row


def measure_from_command_line(
    doc: str | None, run: Callable[[int, int], dict[str, Any]], number: int, repeat: int
) -> tuple[argparse.Namespace, dict[str, Any] | None]:
    """Parse ``--number/--repeat/--json``, run the benchmark, print JSON if asked.

    Returns the arguments and the result, or None as the result when it was printed as
    JSON (the caller then prints nothing more).
    """
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--number", type=int, default=number, help="calls per round")
    parser.add_argument("--repeat", type=int, default=repeat, help="interleaved rounds")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args()
    result = run(args.number, args.repeat)
    if args.json:
        print(json.dumps(result, indent=2))
        return args, None
    return args, result
