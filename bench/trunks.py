"""The trunk traffic report of a month (issue 20: aim 1 s on the 10M-call store), on
PostgreSQL.

The report reads only the calls of its month (and the week before, for calls still
holding a line when it begins), through the index on (site, start): its time follows
the month's calls, not the store's. So the bench fills the measured month and the one
before at the density of the 10M-call store (10,000,000 / 12 months, weekdays four
times busier than weekends, 07:00-21:00), on 12 trunks of one site, and says so;
``BENCH_TRUNKS_CALLS`` sets the store the density is taken from (default 10,000,000),
``BENCH_TRUNKS_FRESH=1`` remakes the data (kept in ``BENCH_TRUNKS_DATABASE_URL``,
default ``tarificador_bench_trunks``, between runs). It measures the report of the
trunks alone, then with the trunks in 4 groups of 3 (``TrunkGroup``: a second sweep of
the same calls), and removes the groups again.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import psycopg

from . import Failures

CALLS = int(os.environ.get("BENCH_TRUNKS_CALLS", "10000000"))
STORE_MONTHS = 12
MONTHS = (dt.date(2026, 9, 1), dt.date(2026, 10, 1))
MEASURED_MONTH = MONTHS[-1]
TRUNKS = 12
ZONE = "America/Argentina/Cordoba"
DATABASE_URL = os.environ.get(
    "BENCH_TRUNKS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tarificador_bench_trunks"
)
REPEATS = 7
AIM_MS = 1000


def main() -> None:
    per_month = CALLS // STORE_MONTHS
    print(
        f"== trunks: a month at the density of a {CALLS:,}-call store "
        f"(~{per_month:,} calls a month, {TRUNKS} trunks), PostgreSQL =="
    )
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": DATABASE_URL,
            "CELERY_BROKER_URL": "",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DJANGO_ALLOWED_HOSTS": "testserver,localhost",
        }
    )
    import django

    django.setup()
    _prepare(per_month)
    _measure()


def _admin_url() -> str:
    return DATABASE_URL.rsplit("/", 1)[0] + "/postgres"


def _name() -> str:
    return urlparse(DATABASE_URL).path.lstrip("/")


def _prepare(per_month: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [_name()]).fetchone()
    if exists and os.environ.get("BENCH_TRUNKS_FRESH") != "1":
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_trunks_state')")
            if cursor.fetchone()[0] is not None:
                cursor.execute("SELECT calls FROM bench_trunks_state")
                if cursor.fetchone()[0] == CALLS:
                    print(f"reusing the data in {_name()} (BENCH_TRUNKS_FRESH=1 to remake it)")
                    call_command("migrate", verbosity=0)  # the tables added since
                    return
    connection.close()
    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{_name()}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{_name()}"')
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    made = _fill(per_month)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE billing_call")
        cursor.execute("CREATE TABLE bench_trunks_state (calls bigint)")
        cursor.execute("INSERT INTO bench_trunks_state VALUES (%s)", [CALLS])
    print(f"filled {made:,} calls in {time.perf_counter() - started:.0f} s")


def _fill(per_month: int) -> int:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from capture.models import Source
    from org.models import Site, Trunk

    site = Site.objects.create(
        slug="site-1",
        name="Site 1",
        time_zone=ZONE,
        country_code="54",
        area_code="351",
        access_codes=["0"],
        currency="ARS",
    )
    source = Source.objects.create(site=site, slug="site-1", name="Site 1", family="avaya-ipoffice")
    trunks = [
        Trunk.objects.create(site=site, name=f"T{index:02d}", lines=None if index == 0 else 30)
        for index in range(TRUNKS)
    ]
    get_user_model().objects.create_superuser("bench-admin", "admin@example.org", "bench")
    zone = ZoneInfo(ZONE)
    call_id = 0
    for month in MONTHS:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        days = [month + dt.timedelta(days=n) for n in range((following - month).days)]
        weights = [4 if day.weekday() < 5 else 1 for day in days]
        for day, weight in zip(days, weights, strict=True):
            rng = random.Random(day.toordinal())
            count = per_month * weight // sum(weights)
            midnight = dt.datetime.combine(day, dt.time(), zone)
            raw_lines, call_lines = [], []
            for second in sorted(rng.randrange(7 * 3600, 21 * 3600) for _ in range(count)):
                call_id += 1
                start = (midnight + dt.timedelta(seconds=second)).astimezone(dt.UTC).isoformat()
                answered = rng.random() < 0.85
                duration = rng.randrange(5, 600) if answered else 0
                ring = rng.randrange(2, 30)
                trunk = trunks[rng.randrange(TRUNKS)].pk
                raw_lines.append(
                    f"{call_id}\t{source.pk}\t{call_id}\t{start}\tbench call\tparsed\t\t{start}\n"
                )
                call_lines.append(
                    f"{call_id}\t{site.pk}\t{source.pk}\t{call_id}\t{start}\t{duration}\t{ring}\t"
                    f"{'t' if answered else 'f'}\toutgoing\t{trunk}\t03514000000\t\t\t\t0\tARS\t"
                    "\t\t\t1\t{}\n"
                )
            with connection.cursor() as cursor:
                with cursor.cursor.copy(
                    "COPY capture_rawrecord (id, source_id, seq, received_at, line, state, "
                    "error, created_at) FROM STDIN"
                ) as copy:
                    copy.write("".join(raw_lines))
                with cursor.cursor.copy(
                    "COPY billing_call (id, site_id, source_id, raw_record_id, start, "
                    "duration_seconds, ring_seconds, answered, direction, trunk_id, number, "
                    "normalized_number, destination, category, cost, currency, unrated_reason, "
                    "account_code, pbx_call_id, leg, details) FROM STDIN"
                ) as copy:
                    copy.write("".join(call_lines))
        print(f"  {month:%Y-%m}: {call_id:,} calls so far", flush=True)
    with connection.cursor() as cursor:
        for table in ("capture_rawrecord", "billing_call"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)",
                [call_id],
            )
    return call_id


def _measure() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from billing.models import Call
    from org.models import Trunk, TrunkGroup

    admin = get_user_model().objects.get(username="bench-admin")
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=admin)[0]}")
    month = f"{MEASURED_MONTH:%Y-%m}"
    path = f"/api/v1/reports/trunks/?month={month}"
    failures = Failures(f"GET {path}")

    def get():
        response = client.get(path)
        if response.status_code != 200:
            failures.add(f"HTTP {response.status_code}: {response.content[:300]!r}")
        return response

    body = get().json()
    failures.check(1)
    zone = ZoneInfo(ZONE)
    in_month = Call.objects.filter(
        start__gte=dt.datetime.combine(MEASURED_MONTH, dt.time(), zone),
        start__lt=dt.datetime(2026, 11, 1, tzinfo=zone),
    ).count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'billing_call'")
        stored = cursor.fetchone()[0]

    def timed() -> list[float]:
        samples = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            get()
            samples.append((time.perf_counter() - started) * 1000)
        failures.check(REPEATS)
        return samples

    samples = timed()
    median, worst = statistics.median(samples), max(samples)
    trunks = list(Trunk.objects.order_by("name"))
    TrunkGroup.objects.filter(name__startswith="bench-").delete()
    for index in range(0, len(trunks), 3):
        group = TrunkGroup.objects.create(site=trunks[0].site, name=f"bench-{index // 3}")
        Trunk.objects.filter(pk__in=[trunk.pk for trunk in trunks[index : index + 3]]).update(
            group=group
        )
    try:
        grouped = timed()
        groups = len(get().json()["groups"])
    finally:
        Trunk.objects.update(group=None)
        TrunkGroup.objects.filter(name__startswith="bench-").delete()
    busiest = max(body["trunks"], key=lambda line: line["busy_hour_erlangs"])
    print(
        f"store: ~{stored:,} calls (two months filled); measured month {month}: "
        f"{in_month:,} calls on {len(body['trunks'])} trunks; busiest trunk {busiest['trunk']}: "
        f"peak {busiest['peak_concurrent']}, busy hour {busiest['busy_hour_erlangs']} E"
    )
    print(
        f"trunk report API, administrator: {median:,.0f} ms median, {worst:,.0f} ms worst of "
        f"{REPEATS} (aim {AIM_MS} ms: {AIM_MS / median:.1f}x under it); "
        f"{in_month / (median / 1000):,.0f} calls/s"
    )
    print(
        f"with the trunks in {groups} groups: {statistics.median(grouped):,.0f} ms median, "
        f"{max(grouped):,.0f} ms worst of {REPEATS}"
    )


if __name__ == "__main__":
    main()
