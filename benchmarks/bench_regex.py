"""Origin regexes: linear-time matching on growing inputs, and its cost against re.

Run: ``python benchmarks/bench_regex.py`` (about 30 s). Two tables:

* growing inputs: the time to decide one new Origin of n host characters (never
  cached), for regexes that make Python's backtracking engine exponential or
  polynomial, and the ratio to the smallest n. Linear: the ratio follows n.
  (Python's re on the same regexes, for comparison, only for the small sizes it
  finishes in reasonable time.)
* ordinary regexes on distinct origins (every lookup a cache miss): wsgicors'
  matcher (re when proven safe, else the automaton) against re.fullmatch.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

from timing import best_of, measure_from_command_line

from wsgicors.linear import compile_linear

GROWING = {
    "nested: ([a-z0-9-]+)+": r"https://([a-z0-9-]+)+\.example\.com",
    "overlap: ([a-z0-9-]+\\.?)+": r"https://([a-z0-9-]+\.?)+\.example\.com",
    "power: [..]*a[..]*a[..]*a[..]*": r"https://[a-z0-9-]*a[a-z0-9-]*a[a-z0-9-]*a[a-z0-9-]*"
                                      r"\.example\.com",
}
SIZES = (25, 50, 100, 200, 290)
RE_SIZES = {"nested: ([a-z0-9-]+)+": 20, "overlap: ([a-z0-9-]+\\.?)+": 20,
            "power: [..]*a[..]*a[..]*a[..]*": 100}
ORDINARY = {
    "subdomains": r"^https://([a-z0-9-]+\.)*example\.com$",
    "one label, port": r"https://[a-z0-9-]+\.example\.com(:\d+)?",
    "localhost": r"https?://localhost(:\d+)?",
    "LAN range": r"http://192\.168\.\d+\.\d+(:\d+)?",
}


def origins(size: int) -> list[str]:
    """Distinct origins of *size* host characters that the growing regexes refuse."""
    return [f"https://{'a' * (size - 4)}{index:04d}" for index in range(2_000)]


def each(matcher: Any, texts: Iterator[str]) -> Callable[[], object]:
    """A call that full-matches the next text (a new one each time)."""
    return lambda: matcher.fullmatch(next(texts))


def growing(number: int, repeat: int) -> list[dict[str, Any]]:
    rows = []
    for label, pattern in GROWING.items():
        matcher = compile_linear(pattern)
        compiled = re.compile(pattern)
        times: dict[str, float] = {}
        for size in SIZES:
            texts = itertools.cycle(origins(size))
            times[str(size)] = best_of({"linear": each(matcher, texts)}, number,
                                       repeat)["linear"]
        texts = itertools.cycle(origins(RE_SIZES[label]))
        backtracking = best_of({"re": each(compiled, texts)}, 1, 3)["re"]
        rows.append({"regex": label, "engine": matcher.engine, "us": times,
                     "re_size": RE_SIZES[label], "re_us": backtracking})
    return rows


def ordinary(number: int, repeat: int) -> list[dict[str, Any]]:
    rows = []
    for label, pattern in ORDINARY.items():
        matcher = compile_linear(pattern)
        compiled = re.compile(pattern)
        hosts = [f"https://n{index}.example.com" for index in range(5_000)]
        ours, theirs = itertools.cycle(hosts), itertools.cycle(hosts)
        best = best_of({"wsgicors": each(matcher, ours), "re": each(compiled, theirs)},
                       number, repeat)
        rows.append({"regex": label, "engine": matcher.engine, **best})
    forced = compile_linear(r"https://([a-z0-9-]+)+\.example\.com")
    hosts = itertools.cycle([f"https://n{index}.example.com" for index in range(5_000)])
    best = best_of({"wsgicors": each(forced, hosts)}, number, repeat)
    rows.append({"regex": "nested (automaton)", "engine": forced.engine, **best, "re": None})
    return rows


def run(number: int, repeat: int) -> dict[str, Any]:
    return {"python": sys.version.split()[0], "number": number, "repeat": repeat,
            "growing": growing(number, repeat), "ordinary": ordinary(number, repeat)}


def main() -> None:
    args, result = measure_from_command_line(__doc__, run, number=500, repeat=7)
    if result is None:
        return
    print(f"Origin regexes, Python {result['python']}, best of {args.repeat} rounds x "
          f"{args.number} distinct origins")
    print()
    print("Growing inputs: µs to decide one new Origin of n host characters "
          "(ratio to n=25); Python's re for comparison")
    header = "".join(f"{f'n={size}':>10}" for size in SIZES)
    print(f"{'regex':32} {'engine':>9}{header} {'ratio 290/25':>13} {'re':>22}")
    for row in result["growing"]:
        cells = "".join(f"{row['us'][str(size)]:10.1f}" for size in SIZES)
        ratio = row["us"][str(SIZES[-1])] / row["us"][str(SIZES[0])]
        backtracking = f"{row['re_us'] / 1000:.0f} ms at n={row['re_size']}"
        print(f"{row['regex']:32} {row['engine']:>9}{cells} {ratio:13.1f} {backtracking:>22}")
    print("(n=290: the longest host that reaches a regex; 11.6x the characters of n=25)")
    print()
    print("Ordinary regexes, distinct origins (cache misses): µs per match")
    print(f"{'regex':22} {'engine':>9} {'wsgicors':>9} {'re':>7} {'ratio':>6}")
    for row in result["ordinary"]:
        theirs = row["re"]
        ratio = f"{row['wsgicors'] / theirs:6.2f}" if theirs else "     -"
        shown = f"{theirs:7.2f}" if theirs else "      -"
        print(f"{row['regex']:22} {row['engine']:>9} {row['wsgicors']:9.2f} {shown} {ratio}")
    print("(the automaton runs only patterns Python's re could backtrack on; origins "
          "decided once are cached by the policy)")


if __name__ == "__main__":
    main()
