"""Run every benchmark and print its figures: ``python -m bench [NAME ...]``."""

import sys

from . import agent, capture, credit, ingest, parsers, rating, reports

BENCHMARKS = {
    "parsers": parsers.main,
    "ingest": ingest.main,
    "capture": capture.main,
    "agent": agent.main,
    "rating": rating.main,
    "reports": reports.main,
    "credit": credit.main,
}


def main(argv: list[str]) -> None:
    names = argv or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark(s) {unknown}; choose from {sorted(BENCHMARKS)}")
    for name in names:
        BENCHMARKS[name]()


main(sys.argv[1:])
