"""Many PBXs, one capture process: 200 simulated IP Offices on TCP, each sending
``BENCH_CAPTURE_RECORDS`` records at 2 per second, captured by one ``manage.py capture``
on PostgreSQL (records parsed in-process). Prints how long it took to store every
record and the rate, next to what the PBXs sent."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import time

from . import Failures, rate
from .ingest import ROOT, bench_environment, fresh_database

SOURCES = int(os.environ.get("BENCH_CAPTURE_SOURCES", "200"))
PER_SOURCE = int(os.environ.get("BENCH_CAPTURE_RECORDS", "60"))
RATE = 2.0
FIRST_PORT = int(os.environ.get("BENCH_CAPTURE_FIRST_PORT", "47000"))


def _pbxs(first_port: int, count: int) -> None:
    from pbxsim.pbx import SimulatedPbx

    async def main():
        pbxs = [
            SimulatedPbx(family="avaya-ipoffice", rate=RATE, limit=PER_SOURCE, seed=n)
            for n in range(count)
        ]
        await asyncio.gather(
            *(pbx.serve("127.0.0.1", first_port + n) for n, pbx in enumerate(pbxs))
        )

    asyncio.run(main())


def main() -> None:
    print(f"== capture: {SOURCES} TCP PBXs x {PER_SOURCE} records at {RATE:g}/s, one process ==")
    env = bench_environment()
    fresh_database(env)

    import django

    django.setup()
    from capture.models import RawRecord, Source
    from org.models import Site

    site = Site.objects.create(
        slug="capture-bench", name="Capture bench", country_code="54", currency="ARS"
    )
    Source.objects.bulk_create(
        Source(
            site=site,
            slug=f"pbx-{n}",
            name=f"PBX {n}",
            family="avaya-ipoffice",
            transport="tcp-client",
            settings={"host": "127.0.0.1", "port": FIRST_PORT + n},
        )
        for n in range(SOURCES)
    )
    pbxs = multiprocessing.Process(target=_pbxs, args=(FIRST_PORT, SOURCES), daemon=True)
    pbxs.start()
    time.sleep(2)
    capture = subprocess.Popen(
        [sys.executable, "manage.py", "capture"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    expected = SOURCES * PER_SOURCE
    started = time.perf_counter()
    try:
        stored = connected = 0
        while stored < expected and time.perf_counter() - started < PER_SOURCE / RATE + 120:
            time.sleep(1)
            stored = RawRecord.objects.count()
            now_connected = Source.objects.filter(capture_state="capturing").count()
            connected = max(connected, now_connected)
        elapsed = time.perf_counter() - started
        fed = RawRecord.objects.values("source").distinct().count()
    finally:
        capture.send_signal(signal.SIGTERM)
        capture.wait(60)
        pbxs.terminate()
    failures = Failures("capture")
    failures.expect("records stored", stored, expected)
    errors = RawRecord.objects.filter(state=RawRecord.State.ERROR).count()
    failures.expect("records that did not parse", errors, 0)
    rate(failures, stored, elapsed)
    sending = PER_SOURCE / RATE
    print(
        f"{stored:,} of {expected:,} records stored from {fed} sources "
        f"({connected} connected at once) "
        f"in {elapsed:.1f} s; the PBXs took {sending:.0f} s to send them "
        f"({stored / elapsed:,.0f} records/s, {elapsed / sending:.2f}x the sending time)"
    )


if __name__ == "__main__":
    main()
