"""Compare two checkouts of wsgicors in one run: the cost a change adds, as ratios.

Run: ``python benchmarks/compare.py --base /path/to/main [--rounds 3]``. Each round runs
every adapter benchmark (``bench_wsgi``, ``bench_flask``, ``bench_django``,
``bench_asgi``; this checkout's scripts) once against each tree, alternating which goes
first, with that tree's ``wsgicors`` first on ``PYTHONPATH``. A scenario's figure is
its best time over the rounds; the ratio is this tree's over the base's (1.00: the
same cost). A burst of load on a shared machine then spoils one run of one tree, not
a whole side of the comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCRIPTS = ("bench_wsgi", "bench_flask", "bench_django", "bench_asgi")


def measure(tree: Path, script: str, extra: list[str]) -> dict[str, float]:
    """Total µs per (scenario, contender) of one benchmark run against *tree*."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(tree), *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, str(HERE / f"{script}.py"), "--json", *extra],
                          env=env, capture_output=True, text=True, check=True)
    found: dict[str, float] = {}
    for row in json.loads(done.stdout)["rows"]:
        for label, value in row.items():
            if isinstance(value, dict) and "total_us" in value:
                found[f"{script}: {row['scenario']} [{label}]"] = value["total_us"]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", type=Path, required=True, help="the checkout to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, help="passed to each benchmark")
    args = parser.parse_args()
    trees = {"base": args.base.resolve(), "this": HERE.parent}
    extra = ["--repeat", str(args.repeat)] if args.repeat else []
    best: dict[str, dict[str, float]] = {"base": {}, "this": {}}
    for round_ in range(args.rounds):
        for script in SCRIPTS:
            order = list(trees) if (round_ + SCRIPTS.index(script)) % 2 == 0 else [
                *reversed(trees)]
            for name in order:
                for key, value in measure(trees[name], script, extra).items():
                    best[name][key] = min(best[name].get(key, float("inf")), value)
        print(f"round {round_ + 1} of {args.rounds} done", file=sys.stderr, flush=True)
    print(f"{'scenario':78} {'base µs':>9} {'this µs':>9} {'ratio':>6}")
    ratios: list[float] = []
    for key in best["base"]:
        if key in best["this"]:
            before, after = best["base"][key], best["this"][key]
            ratios.append(after / before)
            print(f"{key:78} {before:9.3f} {after:9.3f} {after / before:6.3f}")
    report: Any = sorted(ratios)
    print(f"ratios: median {report[len(report) // 2]:.3f}, min {report[0]:.3f}, "
          f"max {report[-1]:.3f} over {len(report)} scenarios")
    return 0


if __name__ == "__main__":
    sys.exit(main())
