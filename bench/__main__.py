"""Run the benchmarks and print their figures: ``python -m bench [NAME ...]``.

Each benchmark runs in a process of its own: Django reads its settings once per
process, and each benchmark sets up its own database (run in one process, the
credit benchmark's token went to the ingest benchmark's database, and every API
request got 401). The run exits non-zero when any benchmark failed.
"""

import subprocess
import sys
from pathlib import Path

BENCHMARKS = (
    "parsers",
    "chooser",
    "ingest",
    "capture",
    "dbpull",
    "agent",
    "rating",
    "reports",
    "trunks",
    "credit",
    "alerts",
    "saved",
)
ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> None:
    names = argv or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark(s) {unknown}; choose from {sorted(BENCHMARKS)}")
    failed = []
    for name in names:
        sys.stdout.flush()
        if subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=ROOT).returncode:
            failed.append(name)
    if failed:
        sys.exit(f"benchmark(s) failed, their figures not printed: {', '.join(failed)}")


main(sys.argv[1:])
