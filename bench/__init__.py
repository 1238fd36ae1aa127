"""Benchmarks (``make bench``): figures printed as rates and ratios, never asserted.

A figure is printed only when every operation it measures succeeded: each benchmark
counts its failures (an HTTP status other than 2xx, an exception, a wrong answer) in
a :class:`Failures` and asks :func:`rate` or :meth:`Failures.check` before printing,
so that a run whose requests all failed exits non-zero with how many failed and the
first error instead of printing the speed of failing.
"""

from __future__ import annotations

import threading


class BenchmarkFailed(SystemExit):
    """A measurement with failed operations: no figure, a non-zero exit."""


class Failures:
    """Failed operations of one measurement, counted from any thread."""

    def __init__(self, what: str):
        self.what = what
        self.count = 0
        self.first: str | None = None
        self._lock = threading.Lock()

    def add(self, error: object) -> None:
        with self._lock:
            self.count += 1
            if self.first is None:
                self.first = str(error)[:500]

    def response(self, answer) -> bool:
        """Count a ``requests`` response whose status is not 2xx; True when it is."""
        if 200 <= answer.status_code < 300:
            return True
        self.add(
            f"HTTP {answer.status_code} from {answer.request.method} {answer.url}: "
            f"{answer.text[:200]}"
        )
        return False

    def expect(self, what: str, got, wanted) -> bool:
        """Count a wrong answer: ``got`` where ``wanted`` was due."""
        if got == wanted:
            return True
        self.add(f"{what}: {got!r}, expected {wanted!r}")
        return False

    def check(self, operations: int | None = None) -> None:
        """Raise :class:`BenchmarkFailed` when any operation failed."""
        if self.count:
            of = f" of {operations:,}" if operations is not None else ""
            raise BenchmarkFailed(
                f"{self.what}: {self.count:,}{of} operations failed, so no figure is "
                f"printed; the first error: {self.first}"
            )


def rate(failures: Failures, operations: int, seconds: float) -> float:
    """Operations per second, once :meth:`Failures.check` found no failure."""
    failures.check(operations)
    if operations <= 0 or seconds <= 0:
        raise BenchmarkFailed(f"{failures.what}: nothing was measured")
    return operations / seconds


def report_rate(failures: Failures, operations: int, seconds: float, unit: str) -> float:
    """Print ``<what>: <rate> <unit>/s`` when nothing failed; return the rate."""
    value = rate(failures, operations, seconds)
    print(f"{failures.what}: {value:,.0f} {unit}/s")
    return value
