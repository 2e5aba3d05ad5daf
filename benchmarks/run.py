"""Run every benchmark and store its table for the docs (``make bench``).

Each benchmark runs in its own process (so one framework's imports and settings do not
disturb another's) and prints a table; the table is also written to
``docs/_bench_<name>.txt``, which docs/performance.rst includes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs"


def main() -> int:
    status = 0
    for script in sorted(HERE.glob("bench_*.py")):
        name = script.stem.removeprefix("bench_")
        print(f"== {script.name}", flush=True)
        result = subprocess.run([sys.executable, str(script), *sys.argv[1:]],
                                capture_output=True, text=True, check=False)
        print(result.stdout, end="")
        if result.returncode:
            print(result.stderr, file=sys.stderr)
            status = 1
            continue
        (DOCS / f"_bench_{name}.txt").write_text(result.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
