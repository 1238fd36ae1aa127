"""Parse throughput per PBX family: pure parsing of 1,000,000 generated records on one
core (``BENCH_PARSE_RECORDS`` to change), against the aims of 150,000 records/s for
fixed-width families and 100,000 for CSV ones. ``BENCH_PARSE_FAMILIES`` (family ids,
comma-separated) measures only those."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import time
from zoneinfo import ZoneInfo

from . import Failures, rate

RECORDS = int(os.environ.get("BENCH_PARSE_RECORDS", "1000000"))
DISTINCT = min(RECORDS, 100_000)  # generated once, then parsed over and over
CSV_FAMILIES = {
    "avaya-ipoffice",
    "asterisk-csv",
    "freeswitch-csv",
    "cisco-cucm",
    "3cx",
    "unify-openscape",
    "grandstream-ucm",
    "yeastar",
}
TIME_ZONE = ZoneInfo("America/Argentina/Cordoba")
ONLY = [family for family in os.environ.get("BENCH_PARSE_FAMILIES", "").split(",") if family]


def main() -> None:
    from pbxsim import GENERATORS
    from smdr.parsers import PARSERS, ParserSettings, RecordError

    print(f"== parse throughput: {RECORDS:,} records per family, one core ==")
    end = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)
    received_at = end + dt.timedelta(minutes=1)
    for family in ONLY or PARSERS:
        if family not in PARSERS:
            print(f"{family:>20}: no such family")
            continue
        if family == "generic":
            # It depends on each source's column map: measured on the two presets.
            for preset, records in _preset_records().items():
                parse = PARSERS[family](ParserSettings(TIME_ZONE, {"preset": preset})).parse
                failures = Failures(f"parse generic {preset}")
                started = time.perf_counter()
                for record in itertools.islice(itertools.cycle(records), RECORDS):
                    try:
                        parse(record, received_at)
                    except RecordError as error:
                        failures.add(f"{error} in {record!r}")
                speed = rate(failures, RECORDS, time.perf_counter() - started)
                name = f"generic {preset}"
                aim = 150_000
                print(
                    f"{name:>20}: {speed:>10,.0f} records/s ({speed / aim:.2f}x the aim of {aim:,})"
                )
            continue
        if family not in GENERATORS:
            print(f"{family:>20}: no record generator yet")
            continue
        records = list(
            GENERATORS[family](
                count=DISTINCT,
                start=end - dt.timedelta(hours=12),
                end=end,
                extensions=[str(number) for number in range(2000, 2400)],
                time_zone=TIME_ZONE,
                seed=1,
            )
        )
        parse = PARSERS[family](ParserSettings(TIME_ZONE, {})).parse
        failures = Failures(f"parse {family}")
        started = time.perf_counter()
        for record in itertools.islice(itertools.cycle(records), RECORDS):
            try:
                parse(record, received_at)
            except RecordError as error:  # a generated record must parse
                failures.add(f"{error} in {record!r}")
        speed = rate(failures, RECORDS, time.perf_counter() - started)
        aim = 100_000 if family in CSV_FAMILIES else 150_000
        print(f"{family:>20}: {speed:>10,.0f} records/s ({speed / aim:.2f}x the aim of {aim:,})")
        if family == "3cx":
            _threecx_v20(end, received_at)


def _threecx_v20(end: dt.datetime, received_at: dt.datetime) -> None:
    """3CX V20's CDR table rows (the ``v20`` layout), against the CSV aim."""
    from pbxsim.threecx import threecx_v20_records
    from smdr.parsers import PARSERS, ParserSettings, RecordError

    records = list(
        threecx_v20_records(
            count=DISTINCT,
            start=end - dt.timedelta(hours=12),
            end=end,
            extensions=[str(number) for number in range(2000, 2400)],
            time_zone=TIME_ZONE,
            seed=1,
        )
    )
    parse = PARSERS["3cx"](ParserSettings(TIME_ZONE, {"layout": "v20"})).parse
    failures = Failures("parse 3cx v20")
    started = time.perf_counter()
    for record in itertools.islice(itertools.cycle(records), RECORDS):
        try:
            parse(record, received_at)
        except RecordError as error:
            failures.add(f"{error} in {record!r}")
    speed = rate(failures, RECORDS, time.perf_counter() - started)
    aim = 100_000
    name = "3cx v20"
    print(f"{name:>20}: {speed:>10,.0f} records/s ({speed / aim:.2f}x the aim of {aim:,})")


def _preset_records() -> dict[str, list[str]]:
    """Records at the offsets of the Capturador layouts the generic presets read
    (``layout-finanzas-107.md``, ``layout-ipam-81.md``) [DERIVED]."""

    def put(line: str, offset: int, text: str) -> str:
        line = line.ljust(offset + len(text))
        return line[:offset] + text + line[offset + len(text) :]

    finanzas, ipam = [], []
    for n in range(DISTINCT):
        extension, number = str(2000 + n % 400), f"0351{n % 9_999_999:07d}"
        line = ""
        for offset, text in ((25, extension), (43, "N"), (50, number), (73, "261008")):
            line = put(line, offset, text)
        line = put(put(line, 80, f"{n % 24:02d}{n % 60:02d}"), 85, f"{n % 3600:>6}")
        finanzas.append(line.ljust(107))
        line = "*"
        for offset, text in ((1, extension), (24, number), (46, f"{n % 24:02d}:{n % 60:02d}")):
            line = put(line, offset, text)
        ipam.append(put(line, 52, f"00:{n % 60:02d}:{n % 59:02d}").ljust(80))
    return {"finanzas-107": finanzas, "ipam-81": ipam}


if __name__ == "__main__":
    main()
