"""Ingest throughput on PostgreSQL: 100,000 IP Office records posted to the API in
5,000-record batches and timed until every call is stored, next to a naive
baseline (one ``save()`` per raw record and per call) measured in the same run.

The API runs under gunicorn on a fresh database (``BENCH_DATABASE_URL``, default
``tarificador_bench`` on the local PostgreSQL). Two modes:

* in-process: no broker; each request stores, then parses its batch after commit;
* worker: requests only store; a Celery worker on Redis parses.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import orjson
import psycopg
import requests

from . import Failures, rate

ROOT = Path(__file__).resolve().parent.parent
RECORDS = int(os.environ.get("BENCH_INGEST_RECORDS", "100000"))
BATCH = 5000
BASELINE_RECORDS = int(os.environ.get("BENCH_BASELINE_RECORDS", "3000"))
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tarificador_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
TIME_ZONE = "America/Argentina/Cordoba"
# Web workers and concurrent clients, one per core (measured: more add nothing, the
# run is CPU-bound between Python and PostgreSQL).
WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", str(os.cpu_count() or 1)))


def main() -> None:
    print(f"== ingest: {RECORDS:,} IP Office records, batches of {BATCH:,}, PostgreSQL ==")
    env = bench_environment()
    fresh_database(env)

    import django

    django.setup()
    lines = _lines()
    baseline = _baseline_rate(lines[:BASELINE_RECORDS])
    print(f"naive baseline (save() per record and call): {baseline:,.0f} records/s")

    in_process = _api_rate(lines, env, mode="in-process")
    print(
        f"API, in-process parsing, {WORKERS} gunicorn workers: {in_process:,.0f} records/s "
        f"({in_process / baseline:.1f}x the naive baseline)"
    )
    if _redis_up():
        worker = _api_rate(lines, {**env, "CELERY_BROKER_URL": REDIS_URL}, mode="worker")
        print(
            f"API + Celery worker on Redis: {worker:,.0f} records/s "
            f"({worker / baseline:.1f}x the naive baseline)"
        )
    else:
        print(f"API + Celery worker: not measured (no Redis at {REDIS_URL})")


def bench_environment() -> dict:
    """The environment of the benchmark's processes (and of this one)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": "",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    return env


def fresh_database(env: dict) -> None:
    """An empty, migrated benchmark database."""
    _recreate_database()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


def _recreate_database() -> None:
    name = urlparse(DATABASE_URL).path.lstrip("/")
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _lines() -> list[str]:
    from pbxsim.avaya_ipoffice import ipoffice_records

    end = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    started = time.perf_counter()
    lines = list(
        ipoffice_records(
            count=RECORDS,
            start=end - dt.timedelta(days=30),
            end=end,
            extensions=[str(number) for number in range(2000, 2400)],
            time_zone=ZoneInfo(TIME_ZONE),
            seed=7,
        )
    )
    rate = len(lines) / (time.perf_counter() - started)
    print(f"generated {len(lines):,} records ({rate:,.0f} records/s)")
    return lines


def _source(slug: str):
    from capture.models import Source
    from capture.services import source_rotate_key
    from org.models import Site

    site, _ = Site.objects.get_or_create(
        slug="bench",
        defaults={"name": "Bench", "time_zone": TIME_ZONE, "country_code": "54", "currency": "ARS"},
    )
    source = Source.objects.create(
        site=site, slug=slug, name=slug, family="avaya-ipoffice", transport="agent"
    )
    return source, source_rotate_key(source=source)


def _baseline_rate(lines: list[str]) -> float:
    """The obvious implementation: one INSERT per raw record and per call."""
    from django.db import transaction

    from billing.models import Call
    from billing.pipeline import parser_settings
    from capture.models import RawRecord
    from smdr.parsers import parser_for

    source, _ = _source("baseline")
    parser = parser_for(source.family, parser_settings(source))
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    for seq, line in enumerate(lines, start=1):
        with transaction.atomic():
            record = RawRecord.objects.create(source=source, seq=seq, received_at=now, line=line)
            parsed = parser.parse(line)
            Call(
                site=source.site,
                source=source,
                raw_record=record,
                start=parsed.start,
                duration_seconds=parsed.duration_seconds,
                ring_seconds=parsed.ring_seconds,
                answered=parsed.answered,
                direction=parsed.direction,
                number=parsed.number,
                currency="ARS",
                pbx_call_id=parsed.pbx_call_id,
                details=parsed.details,
            ).save()
            record.state = RawRecord.State.PARSED
            record.save(update_fields=["state"])
    return len(lines) / (time.perf_counter() - started)


def _api_rate(lines: list[str], env: dict, *, mode: str) -> float:
    from billing.models import Call
    from capture.models import RawRecord

    source, key = _source(f"api-{mode}")
    bodies = [
        (
            orjson.dumps(
                {
                    "source": source.slug,
                    "records": [
                        {"seq": seq, "received_at": "2026-11-01T00:00:00Z", "line": line}
                        for seq, line in enumerate(lines[start : start + BATCH], start=start + 1)
                    ],
                }
            ),
            len(lines[start : start + BATCH]),
        )
        for start in range(0, len(lines), BATCH)
    ]
    port = _free_port()
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
                "--timeout",
                "300",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
    ]
    if mode == "worker":
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--concurrency",
                    "2",
                    "--loglevel",
                    "WARNING",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=ROOT,
                env=env,
            )
        )
    failures = Failures(f"ingest API ({mode})")
    try:
        _wait_for_port(port)
        url = f"http://127.0.0.1:{port}/api/v1/ingest/"
        headers = {"Authorization": f"Token {key}", "Content-Type": "application/json"}
        pending = list(bodies)
        lock = threading.Lock()

        def client():
            session = requests.Session()
            while True:
                with lock:
                    if not pending:
                        return
                    body, count = pending.pop(0)
                try:
                    answer = session.post(url, data=body, headers=headers, timeout=300)
                    if failures.response(answer):
                        failures.expect("records stored", answer.json().get("stored"), count)
                except Exception as error:  # counted, then reported
                    failures.add(repr(error))

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        while Call.objects.filter(source=source).count() < len(lines) and not failures.count:
            if time.perf_counter() - started > 600:
                failures.add("timed out waiting for the calls")
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
    if not failures.count:
        failures.expect("calls stored", Call.objects.filter(source=source).count(), len(lines))
        errors = RawRecord.objects.filter(source=source, state=RawRecord.State.ERROR)
        failures.expect("records that did not parse", errors.count(), 0)
    return rate(failures, len(lines), elapsed)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("gunicorn did not start")


def _redis_up() -> bool:
    parsed = urlparse(REDIS_URL)
    try:
        socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1).close()
    except OSError:
        return False
    return True


if __name__ == "__main__":
    main()
