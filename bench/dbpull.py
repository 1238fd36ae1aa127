"""The ``database`` transport: CDR rows pulled from MariaDB into stored, parsed calls.

A ``manage.py capture`` process follows one source of transport ``database`` on
FreePBX's ``cdr`` table in a scratch MariaDB database (``BENCH_MARIADB_DATABASE``,
created and dropped here). Once it is capturing, ``BENCH_DBPULL_ROWS`` rows are
written to the table at once; the figure is rows per second from the first insert to
the last row stored as a call (on PostgreSQL, parsed in-process), against the aim of
keeping up with 1,000 new rows a second. The baseline, in the same run: a plain
SELECT of the same rows with the same driver (PyMySQL), nothing stored.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from . import Failures, rate
from .ingest import ROOT, bench_environment, fresh_database

ROWS = int(os.environ.get("BENCH_DBPULL_ROWS", "20000"))
MARIADB_DATABASE = os.environ.get("BENCH_MARIADB_DATABASE", "tarificador_bench_cdr")
AIM = 1000  # rows/s


def main() -> None:
    print(f"== dbpull: {ROWS:,} FreePBX cdr rows from MariaDB into calls, PostgreSQL ==")
    env = bench_environment()
    fresh_database(env)
    from pbxsim.cdr_database import COLUMNS, MariaDB, cdr_row

    cdr = MariaDB(name=MARIADB_DATABASE)
    try:
        rows = [cdr_row(n, extension=str(2000 + n % 400)) for n in range(1, ROWS + 1)]
        pulled = _pull(env, cdr, rows)
        select = _select(cdr, COLUMNS)
    finally:
        cdr.drop()
    print(f"baseline: a plain SELECT of the {ROWS:,} rows (PyMySQL): {select:,.0f} rows/s")
    print(
        f"pulled into stored calls: {pulled:,.0f} rows/s ({pulled / select:.2f}x the plain "
        f"SELECT; aim {AIM:,} rows/s: {'kept up' if pulled >= AIM else 'FELL BEHIND'})"
    )


def _pull(env: dict, cdr, rows: list[tuple]) -> float:
    import django

    django.setup()
    from billing.models import Call
    from capture.models import RawRecord, Source
    from org.models import Site

    site = Site.objects.create(
        slug="dbpull-bench",
        name="Database pull bench",
        country_code="54",
        currency="ARS",
        time_zone="America/Argentina/Cordoba",
    )
    source = Source.objects.create(
        site=site,
        slug="freepbx",
        name="FreePBX",
        family="asterisk-csv",
        transport="database",
        settings={"url": cdr.url, "poll_seconds": 0.5},
    )
    capture = subprocess.Popen(
        [sys.executable, "manage.py", "capture", "--source", source.slug],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    failures = Failures(f"pull of {len(rows):,} rows")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            source.refresh_from_db()
            if source.capture_state == "capturing":
                break
            time.sleep(0.2)
        failures.expect("capture state", source.capture_state, "capturing")
        started = time.perf_counter()
        cdr.insert(rows)
        calls = Call.objects.filter(source=source)
        records = RawRecord.objects.filter(source=source)
        deadline = time.monotonic() + 60 + len(rows) / 100
        stored_after = None
        while calls.count() < len(rows) and time.monotonic() < deadline:
            if stored_after is None and records.count() >= len(rows):
                stored_after = time.perf_counter() - started
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
    finally:
        capture.send_signal(signal.SIGTERM)
        try:
            capture.wait(60)
        except subprocess.TimeoutExpired:
            capture.kill()
            failures.add("the capture process did not stop within 60 s of SIGTERM")
    failures.expect("rows stored", records.count(), len(rows))
    failures.expect("rows that did not parse", records.filter(state="error").count(), 0)
    failures.expect("calls", calls.count(), len(rows))
    figure = rate(failures, len(rows), elapsed)
    if stored_after:
        print(f"stored as raw records (before parsing): {len(rows) / stored_after:,.0f} rows/s")
    return figure


def _select(cdr, columns) -> float:
    failures = Failures("plain SELECT")
    started = time.perf_counter()
    with cdr.admin.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM cdr ORDER BY sequence")  # noqa: S608
        count = len(cursor.fetchall())
    elapsed = time.perf_counter() - started
    failures.expect("rows read", count, ROWS)
    return rate(failures, count, elapsed)


if __name__ == "__main__":
    main()
