"""Many PBXs, one capture process, on PostgreSQL (records parsed in-process):

1. 200 simulated IP Offices on TCP, each sending ``BENCH_CAPTURE_RECORDS`` records at
   2 per second, captured by one ``manage.py capture``: how long it took to store every
   record and the rate, against one PBX captured the same way in the same run.
2. A reconcile pass (read the sources, compare, start and stop) with 500 sources: its
   CPU time (``time.process_time``), median and worst of the passes, against the 1 s aim.
3. Sources added while capture runs: time from the Source created to its state
   ``capturing``, median and worst of 20 additions, against the 10 s aim; once with
   ``manage.py capture``, once with Celery (beat's dispatcher and a thread-pool worker
   on Redis, ``BENCH_REDIS_URL``).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import time

from . import Failures, rate
from .ingest import ROOT, bench_environment, fresh_database

SOURCES = int(os.environ.get("BENCH_CAPTURE_SOURCES", "200"))
PER_SOURCE = int(os.environ.get("BENCH_CAPTURE_RECORDS", "60"))
RATE = 2.0
FIRST_PORT = int(os.environ.get("BENCH_CAPTURE_FIRST_PORT", "47000"))
RECONCILE_SOURCES = int(os.environ.get("BENCH_RECONCILE_SOURCES", "500"))
RECONCILE_PASSES = 10
ADDITIONS = int(os.environ.get("BENCH_CAPTURE_ADDITIONS", "20"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def _pbxs(first_port: int, count: int, limit: int | None) -> None:
    from pbxsim.pbx import SimulatedPbx

    async def main():
        pbxs = [
            SimulatedPbx(family="avaya-ipoffice", rate=RATE, limit=limit, seed=n)
            for n in range(count)
        ]
        await asyncio.gather(
            *(pbx.serve("127.0.0.1", first_port + n) for n, pbx in enumerate(pbxs))
        )

    asyncio.run(main())


def _sources(site, prefix: str, first_port: int, count: int, **fields):
    from capture.models import Source

    return Source.objects.bulk_create(
        Source(
            site=site,
            slug=f"{prefix}-{n}",
            name=f"{prefix} {n}",
            family="avaya-ipoffice",
            transport="tcp-client",
            settings={"host": "127.0.0.1", "port": first_port + n},
            **fields,
        )
        for n in range(count)
    )


def _capture_process(env):
    return _process(env, "manage.py", "capture")


def _celery_processes(env) -> list[subprocess.Popen]:
    """Beat (whose dispatcher starts a capture task per source) and a worker for them."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {**env, "CELERY_BROKER_URL": REDIS_URL}
    worker = ("worker", "-Q", "capture,celery", "--pool", "threads", "--without-gossip")
    return [
        _process(env, "-m", "celery", "-A", "config", "beat"),
        _process(env, "-m", "celery", "-A", "config", *worker, "--concurrency", "40"),
    ]


def _process(env, *arguments: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(capture, pbxs) -> float:
    """Stop the capture processes (SIGTERM, as systemd does) and the PBXs; the seconds
    the capture took to stop."""
    processes = capture if isinstance(capture, list) else [capture]
    asked = time.perf_counter()
    try:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(90)  # systemd's default stop timeout
        return time.perf_counter() - asked
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        pbxs.terminate()
        pbxs.join(10)


def throughput(env, site, count: int, first_port: int, prefix: str) -> tuple[float, float]:
    """Capture ``count`` PBXs in a new capture process: (records/s, x the sending time)."""
    from capture.models import RawRecord, Source

    _sources(site, prefix, first_port, count)
    pbxs = multiprocessing.Process(target=_pbxs, args=(first_port, count, PER_SOURCE))
    pbxs.start()
    time.sleep(2)
    records = RawRecord.objects.filter(source__slug__startswith=f"{prefix}-")
    capture = _capture_process(env)
    expected = count * PER_SOURCE
    started = time.perf_counter()
    try:
        stored = connected = 0
        while stored < expected and time.perf_counter() - started < PER_SOURCE / RATE + 120:
            time.sleep(1)
            stored = records.count()
            now = Source.objects.filter(slug__startswith=f"{prefix}-", capture_state="capturing")
            connected = max(connected, now.count())
        elapsed = time.perf_counter() - started
        fed = records.values("source").distinct().count()
    finally:
        _stop(capture, pbxs)
    failures = Failures(f"capture of {count} PBXs")
    failures.expect("records stored", stored, expected)
    failures.expect("records that did not parse", records.filter(state="error").count(), 0)
    per_second = rate(failures, stored, elapsed)
    sending = PER_SOURCE / RATE
    print(
        f"{count} PBXs: {stored:,} of {expected:,} records stored from {fed} sources "
        f"({connected} connected at once) in {elapsed:.1f} s; the PBXs took {sending:.0f} s "
        f"to send them ({per_second:,.1f} records/s, {elapsed / sending:.2f}x the sending time)"
    )
    Source.objects.filter(slug__startswith=f"{prefix}-").update(enabled=False)
    return per_second, elapsed / sending


def reconcile_cpu(site) -> None:
    """CPU time of reconcile passes with ``RECONCILE_SOURCES`` sources, in this process.

    The sources point at ports nobody listens on: every loop fails to connect once and
    waits out its 10 s backoff, so passes after the first measure the steady state.
    """
    from billing.pipeline import raw_records_ingest
    from capture.live import capture_specs
    from smdr.supervisor import Supervisor

    _sources(site, "reconcile", FIRST_PORT + 5000, RECONCILE_SOURCES)
    logging.getLogger("smdr").setLevel(logging.ERROR)  # 500 "cannot connect" lines
    failures = Failures(f"reconcile with {RECONCILE_SOURCES} sources")

    async def main():
        supervisor = Supervisor()
        passes = []
        try:
            for _ in range(RECONCILE_PASSES + 1):
                cpu = time.process_time()
                specs = await asyncio.to_thread(
                    capture_specs, ingest=raw_records_ingest, slugs=None
                )
                await supervisor.reconcile(specs)
                passes.append(time.process_time() - cpu)
                failures.expect("sources wanted", len(specs), RECONCILE_SOURCES)
                failures.expect("sources captured", len(supervisor.names), len(specs))
                await asyncio.sleep(0.2)
        finally:
            await supervisor.stop_all()
        return passes

    first, *steady = asyncio.run(main())
    failures.check(RECONCILE_PASSES)
    print(
        f"reconcile pass with {RECONCILE_SOURCES} sources: {statistics.median(steady):.3f} s "
        f"CPU (median of {len(steady)}; worst {max(steady):.3f} s; aim under 1 s); "
        f"the first pass, starting them all: {first:.3f} s"
    )
    from capture.models import Source

    Source.objects.filter(slug__startswith="reconcile-").update(enabled=False)


def additions(env, site, *, celery: bool) -> None:
    """Time from a Source created to its state ``capturing``, for ``ADDITIONS`` sources
    added one after the other to a running capture (``manage.py capture``, or Celery)."""
    from capture.models import Source

    how = "Celery beat and worker" if celery else "manage.py capture"
    prefix = "celery-added" if celery else "added"
    first_port = FIRST_PORT + (3500 if celery else 3000)
    pbxs = multiprocessing.Process(target=_pbxs, args=(first_port, ADDITIONS, None))
    pbxs.start()
    time.sleep(2)
    capture = _celery_processes(env) if celery else _capture_process(env)
    time.sleep(5 if celery else 3)  # started, waiting for sources
    failures = Failures(f"{ADDITIONS} sources added ({how})")
    delays = []
    try:
        for n in range(ADDITIONS):
            added = time.perf_counter()
            (source,) = _sources(site, f"{prefix}{n}", first_port + n, 1)
            while time.perf_counter() - added < 30:
                if Source.objects.filter(pk=source.pk, capture_state="capturing").exists():
                    delays.append(time.perf_counter() - added)
                    break
                time.sleep(0.05)
            else:
                failures.add(f"{source.slug} not capturing 30 s after it was added")
    finally:
        stopped = _stop(capture, pbxs)
        Source.objects.filter(slug__startswith=f"{prefix}").update(enabled=False)
    failures.check(ADDITIONS)
    print(
        f"{how}: a source added is capturing after {statistics.median(delays):.1f} s "
        f"(median of {len(delays)}; worst {max(delays):.1f} s; aim 10 s); "
        f"stopped {stopped:.1f} s after SIGTERM with {ADDITIONS} captures"
    )


def main() -> None:
    print(
        f"== capture: {SOURCES} TCP PBXs x {PER_SOURCE} records at {RATE:g}/s, one process; "
        f"reconcile with {RECONCILE_SOURCES} sources; {ADDITIONS} sources added live =="
    )
    env = bench_environment()
    fresh_database(env)

    import django

    django.setup()
    from org.models import Site

    site = Site.objects.create(
        slug="capture-bench", name="Capture bench", country_code="54", currency="ARS"
    )
    one, one_ratio = throughput(env, site, 1, FIRST_PORT + 4000, "baseline")
    many, many_ratio = throughput(env, site, SOURCES, FIRST_PORT, "pbx")
    print(
        f"{SOURCES} PBXs in one process: {many / one:.0f}x the records/s of 1 PBX "
        f"({SOURCES}x is the ideal); {many_ratio / one_ratio:.2f}x its time to store them"
    )
    reconcile_cpu(site)
    additions(env, site, celery=False)
    additions(env, site, celery=True)


if __name__ == "__main__":
    main()
