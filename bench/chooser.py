"""The family chooser: 200 sample lines of each simulated family ranked against every
registered family and its choice options (``smdr.chooser.rank``), against the aim of
well under a second per ranking; one family's preview of the same lines is the
baseline."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

from . import Failures

LINES = 200
ROUNDS = 5
TIME_ZONE = ZoneInfo("America/Argentina/Cordoba")


def main() -> None:
    from pbxsim import GENERATORS
    from smdr.chooser import candidates, rank
    from smdr.parsers import PARSERS, ParserSettings
    from smdr.preview import lines_preview

    now = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)
    print(f"== family chooser: {LINES} lines, {len(candidates())} candidates ==")
    for family, generate in GENERATORS.items():
        records = generate(
            count=LINES,
            start=now - dt.timedelta(days=2),
            end=now,
            extensions=[str(number) for number in range(2000, 2040)],
            time_zone=TIME_ZONE,
            seed=1,
        )
        lines = [line for record in records for line in record.splitlines()][:LINES]
        failures = Failures(f"choose {family}")
        started = time.perf_counter()
        for _ in range(ROUNDS):
            ranked = rank(lines, zone=TIME_ZONE, received_at=now)
            if not ranked or ranked[0].family != family:
                failures.add(f"{family} ranked {[item.family for item in ranked[:3]]}")
        ranking = (time.perf_counter() - started) / ROUNDS
        parser = PARSERS[family](ParserSettings(TIME_ZONE))
        started = time.perf_counter()
        for _ in range(ROUNDS):
            lines_preview(parser, lines, zone=TIME_ZONE, received_at=now)
        preview = (time.perf_counter() - started) / ROUNDS
        failures.check()
        print(
            f"{family:>20}: {ranking * 1000:>6.0f} ms a ranking"
            f" ({preview * 1000:.1f} ms its own preview)"
        )


if __name__ == "__main__":
    main()
