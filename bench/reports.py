"""Reports over a big store: 10,000,000 calls over 12 months, 2,000 extensions, 100
departments (a tree), on PostgreSQL. Warm timings of the monthly department report
through the API (aim: 100 ms), the extension report (aim: 200 ms), the dashboard
(aim: 300 ms of server time) and the month's calls streamed as CSV (aim: memory that
does not grow with the month).

The data goes to its own database (``BENCH_REPORTS_DATABASE_URL``, default
``tarificador_bench_reports``; the other benchmarks recreate theirs on every run),
and is kept: generation takes minutes, so a later run that finds the data reuses it.
Generation is resumable month by month (each month commits with its rollups).
``BENCH_REPORTS_CALLS`` changes the size (a different size starts afresh);
``BENCH_REPORTS_FRESH=1`` forces a new database.

How it is filled: raw records and calls by COPY (text format, preformatted in
chunks), with the indexes and constraints of both tables dropped during the load
and rebuilt once at the end (a bulk index build beats 10 million index
insertions; this happens in the bench database only). Rollups are summed with
``billing.rollups.Totals`` from the generated calls chunk by chunk, as they are
copied, which the first run measures against ``rollups_rebuild`` reading a month
back from the calls.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import time
import tracemalloc
from decimal import Decimal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import psycopg

from . import Failures, rate

CALLS = int(os.environ.get("BENCH_REPORTS_CALLS", "10000000"))
EXTENSIONS = 2_000
DEPARTMENTS = 100  # 10 divisions, 3 areas in each, 2 teams in each area
FIRST_MONTH = dt.date(2025, 12, 1)
MONTHS = 12
MEASURED_MONTH = dt.date(2026, 10, 1)
DATABASE_URL = os.environ.get(
    "BENCH_REPORTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tarificador_bench_reports"
)
TIME_ZONES = ("America/Argentina/Cordoba", "America/Argentina/Buenos_Aires")
CHUNK = 100_000
REPEATS = 15
AIMS_MS = {
    "departments": 100,
    "extensions": 200,
    "dashboard": 300,
    "call_search": 500,
    "top": 300,
}

# The columns of Call the fill writes, in the order of its text lines; the others
# (trunk, rate plan, rate) stay NULL. tests/billing/test_columns.py checks them.
CALL_FILL_COLUMNS = (
    "id",
    "site_id",
    "source_id",
    "raw_record_id",
    "start",
    "duration_seconds",
    "ring_seconds",
    "answered",
    "direction",
    "extension_id",
    "department_id",
    "number",
    "normalized_number",
    "destination",
    "category",
    "cost",
    "currency",
    "unrated_reason",
    "account_code",
    "pbx_call_id",
    "leg",
    "details",
)

# Outgoing categories: (category, share, price per minute, destination).
OUTGOING = (
    ("local", 0.45, Decimal("0.9000"), "Córdoba"),
    ("mobile", 0.30, Decimal("4.2000"), "Mobiles"),
    ("national", 0.18, Decimal("2.1000"), "Argentina"),
    ("international", 0.05, Decimal("18.5000"), "International"),
    ("", 0.02, None, ""),  # not rated
)


def main() -> None:
    print(
        f"== reports: {CALLS:,} calls, {MONTHS} months, {EXTENSIONS:,} extensions, "
        f"{DEPARTMENTS} departments, PostgreSQL =="
    )
    _environment()
    import django

    django.setup()
    _prepare()
    _measure()


def _environment() -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": DATABASE_URL,
            "CELERY_BROKER_URL": "",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DJANGO_ALLOWED_HOSTS": "testserver,localhost",
        }
    )


def _admin_url() -> str:
    return DATABASE_URL.rsplit("/", 1)[0] + "/postgres"


def _database_name() -> str:
    return urlparse(DATABASE_URL).path.lstrip("/")


def _database_exists() -> bool:
    with psycopg.connect(_admin_url(), autocommit=True) as connection:
        return bool(
            connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [_database_name()]
            ).fetchone()
        )


# ---------------------------------------------------------------- generation


def _prepare() -> None:
    from django.core.management import call_command
    from django.db import connection

    fresh = os.environ.get("BENCH_REPORTS_FRESH") == "1" or not _database_exists()
    if not fresh:
        state = _state()
        if state is None or state["calls"] != CALLS:
            fresh = True
        elif state["done"]:
            print(f"reusing the data in {_database_name()} (BENCH_REPORTS_FRESH=1 to remake it)")
            return
    if fresh:
        connection.close()
        with psycopg.connect(_admin_url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{_database_name()}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{_database_name()}"')
        call_command("migrate", verbosity=0)
        _organization()
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_reports_state (calls bigint, done boolean, "
                "indexes jsonb, months_done date[])"
            )
            cursor.execute(
                "INSERT INTO bench_reports_state VALUES (%s, false, %s, '{}')",
                [CALLS, psycopg.types.json.Jsonb(_indexes_drop())],
            )
    _generate()


def _state() -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_reports_state')")
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute("SELECT calls, done, indexes, months_done FROM bench_reports_state")
        calls, done, indexes, months_done = cursor.fetchone()
    if isinstance(indexes, str):  # Django leaves JSON undecoded on raw cursors
        indexes = json.loads(indexes)
    return {"calls": calls, "done": done, "indexes": indexes, "months_done": months_done}


def _organization() -> None:
    """Two sites, a source each, 100 departments, 2,000 extensions, an administrator
    and a manager of one division (10 departments, 200 extensions)."""
    from django.contrib.auth import get_user_model

    from capture.models import Source
    from org.models import Department, Extension, Site

    sites = [
        Site.objects.create(
            slug=f"site-{index}",
            name=f"Site {index}",
            time_zone=zone,
            country_code="54",
            area_code="351",
            access_codes=["0"],
            currency="ARS",
        )
        for index, zone in enumerate(TIME_ZONES, start=1)
    ]
    for site in sites:
        Source.objects.create(site=site, slug=site.slug, name=site.name, family="avaya-ipoffice")
    departments = []
    for division in range(1, 11):
        top = Department.objects.create(name=f"Division {division:02d}", code=f"D{division:02d}")
        departments.append(top)
        for area in range(1, 4):
            middle = Department.objects.create(
                name=f"Area {division:02d}.{area}", code=f"D{division:02d}A{area}", parent=top
            )
            departments.append(middle)
            for team in range(1, 3):
                departments.append(
                    Department.objects.create(
                        name=f"Team {division:02d}.{area}.{team}",
                        code=f"D{division:02d}A{area}T{team}",
                        parent=middle,
                    )
                )
    assert len(departments) == DEPARTMENTS
    Extension.objects.bulk_create(
        Extension(
            site=sites[index % len(sites)],
            number=str(2000 + index),
            department=departments[index % DEPARTMENTS],
            holder=f"Holder {index}",
        )
        for index in range(EXTENSIONS)
    )
    users = get_user_model().objects
    users.create_superuser("bench-admin", "admin@example.org", "bench")
    manager = users.create_user("bench-manager", "manager@example.org", "bench")
    departments[0].managers.add(manager)


def _indexes_drop() -> list[str]:
    """Drop the indexes and constraints (but primary keys) of the two big tables and
    return the SQL that restores them."""
    from django.db import connection

    restore = []
    with connection.cursor() as cursor:
        for table in ("capture_rawrecord", "billing_call"):
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint "
                "WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes = cursor.fetchall()
            for name, definition in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for name, definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
                restore.append(definition)
    # Unique constraints first (the foreign key needs none), foreign keys last.
    restore.sort(key=lambda sql: "FOREIGN KEY" in sql)
    return restore


def _days() -> list[dt.date]:
    last = (FIRST_MONTH + dt.timedelta(days=31 * MONTHS)).replace(day=1)
    days = []
    day = FIRST_MONTH
    while day < last:
        days.append(day)
        day += dt.timedelta(days=1)
    return days


def _generate() -> None:
    from django.db import connection, transaction

    from capture.models import Source
    from org.models import Extension, Site

    state = _state()
    done_months = set(state["months_done"])
    days = _days()
    # Weekdays carry four times the calls of a weekend day.
    weights = [4 if day.weekday() < 5 else 1 for day in days]
    per_day = [CALLS * weight // sum(weights) for weight in weights]
    per_day[-1] += CALLS - sum(per_day)
    first_index = [0]
    for count in per_day:
        first_index.append(first_index[-1] + count)
    sites = {site.pk: site for site in Site.objects.all()}
    sources = {source.site_id: source.pk for source in Source.objects.all()}
    extensions = list(Extension.objects.values_list("id", "site_id", "department_id"))

    timing = {"generate": 0.0, "copy": 0.0, "rollups": 0.0}
    started = time.perf_counter()
    made = 0
    months = sorted({day.replace(day=1) for day in days})
    for month in months:
        if month in done_months:
            continue
        month_days = [i for i, day in enumerate(days) if day.replace(day=1) == month]
        with transaction.atomic():
            for chunk in _chunks(month_days, per_day):
                rows, facts = [], []
                t0 = time.perf_counter()
                for day_index in chunk:
                    _day_calls(
                        days[day_index],
                        per_day[day_index],
                        first_index[day_index],
                        sites,
                        sources,
                        extensions,
                        rows,
                        facts,
                    )
                t1 = time.perf_counter()
                _copy(connection, rows)
                t2 = time.perf_counter()
                _rollups_add(facts)
                t3 = time.perf_counter()
                timing["generate"] += t1 - t0
                timing["copy"] += t2 - t1
                timing["rollups"] += t3 - t2
                made += len(facts)
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE bench_reports_state SET months_done = array_append(months_done, %s)",
                    [month],
                )
        elapsed = time.perf_counter() - started
        print(
            f"  {month:%Y-%m} stored: {made:,} calls so far, {made / elapsed:,.0f} calls/s "
            f"(generate {timing['generate']:.0f} s, COPY {timing['copy']:.0f} s, "
            f"rollups {timing['rollups']:.0f} s)",
            flush=True,
        )
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in state["indexes"]:
            cursor.execute(sql)
        for table in ("capture_rawrecord", "billing_call"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
    with connection.cursor() as cursor:
        for table in ("capture_rawrecord", "billing_call", "reports_monthlyrollup"):
            cursor.execute(f"ANALYZE {table}")
        cursor.execute("UPDATE bench_reports_state SET done = true")
    index_seconds = time.perf_counter() - t0
    if made:
        total = time.perf_counter() - started
        print(
            f"filled {made:,} calls (and raw records) in {total:.0f} s: "
            f"{made / total:,.0f} calls/s overall; COPY alone "
            f"{made / max(timing['copy'], 1e-9):,.0f} calls/s; rollups through Totals "
            f"{made / max(timing['rollups'], 1e-9):,.0f} calls/s; indexes and "
            f"constraints rebuilt in {index_seconds:.0f} s"
        )
        _rebuild_compared(made / max(timing["rollups"], 1e-9))


def _chunks(day_indexes: list[int], per_day: list[int]):
    chunk, size = [], 0
    for index in day_indexes:
        chunk.append(index)
        size += per_day[index]
        if size >= CHUNK:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _day_calls(day, count, first, sites, sources, extensions, rows, facts) -> None:
    """``count`` calls of ``day`` (deterministic: seeded by the day), in time order."""
    from billing.rollups import CallFact

    rng = random.Random(day.toordinal())
    seconds = sorted(rng.randrange(7 * 3600, 21 * 3600) for _ in range(count))
    zones = {pk: site.zone for pk, site in sites.items()}
    midnight = {pk: dt.datetime.combine(day, dt.time(), zone) for pk, zone in zones.items()}
    cumulative = []
    share = 0.0
    for entry in OUTGOING:
        share += entry[1]
        cumulative.append(share)
    for offset, second in enumerate(seconds):
        call_id = first + offset + 1
        extension_id, site_id, department_id = extensions[rng.randrange(len(extensions))]
        start = (midnight[site_id] + dt.timedelta(seconds=second)).astimezone(dt.UTC)
        kind = rng.random()
        answered = rng.random() < 0.85
        duration = rng.randrange(5, 600) if answered else 0
        if kind < 0.7:
            direction = "outgoing"
            pick = rng.random()
            category, _, price, destination = next(
                entry for entry, limit in zip(OUTGOING, cumulative, strict=True) if pick < limit
            )
            if price is None:
                cost = None
            else:
                cost = (price * Decimal((duration + 59) // 60)) if answered else Decimal(0)
            number = f"0351{rng.randrange(4_000_000, 4_999_999)}"
        elif kind < 0.9:
            direction, category, destination, cost = "incoming", "incoming", "", Decimal(0)
            number = f"351{rng.randrange(4_000_000, 4_999_999)}"
        else:
            direction, category, destination, cost = "internal", "internal", "", Decimal(0)
            number = str(2000 + rng.randrange(EXTENSIONS))
        rows.append(
            (
                call_id,
                site_id,
                sources[site_id],
                start,
                duration,
                answered,
                direction,
                extension_id,
                department_id,
                number,
                destination,
                category,
                cost,
            )
        )
        facts.append(
            CallFact(
                site_id,
                start,
                department_id,
                extension_id,
                direction,
                category,
                destination,
                answered,
                duration,
                5,
                cost,
            )
        )


def _copy(connection, rows) -> None:
    raw_lines = []
    call_lines = []
    for (
        call_id,
        site_id,
        source_id,
        start,
        duration,
        answered,
        direction,
        extension_id,
        department_id,
        number,
        destination,
        category,
        cost,
    ) in rows:
        stamp = start.isoformat()
        cost_text = "\\N" if cost is None else str(cost)
        unrated = "not rated" if cost is None else ""
        raw_lines.append(
            f"{call_id}\t{source_id}\t{call_id}\t{stamp}\tbench call {call_id}\tparsed\t\t{stamp}\n"
        )
        call_lines.append(
            f"{call_id}\t{site_id}\t{source_id}\t{call_id}\t{stamp}\t{duration}\t5\t"
            f"{'t' if answered else 'f'}\t{direction}\t{extension_id}\t{department_id}\t"
            f"{number}\t\t{destination}\t{category}\t{cost_text}\tARS\t{unrated}\t\t\t1\t{{}}\n"
        )
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            "COPY capture_rawrecord (id, source_id, seq, received_at, line, state, error, "
            "created_at) FROM STDIN"
        ) as copy:
            for start in range(0, len(raw_lines), 10_000):
                copy.write("".join(raw_lines[start : start + 10_000]))
        with cursor.cursor.copy(
            f"COPY billing_call ({', '.join(CALL_FILL_COLUMNS)}) FROM STDIN"
        ) as copy:
            for start in range(0, len(call_lines), 10_000):
                copy.write("".join(call_lines[start : start + 10_000]))


def _rollups_add(facts) -> None:
    from billing.rollups import Totals

    totals = Totals()
    totals.add(facts)
    totals.write()


def _rebuild_compared(totals_rate: float) -> None:
    """Time ``rollups_rebuild`` of one month against the sums made while copying."""
    from billing.models import MonthlyRollup
    from billing.rollups import rollups_rebuild

    before = _month_signature(MonthlyRollup)
    started = time.perf_counter()
    read = rollups_rebuild([MEASURED_MONTH])
    elapsed = time.perf_counter() - started
    rate = read / elapsed
    same = _month_signature(MonthlyRollup) == before
    print(
        f"rollups_rebuild of {MEASURED_MONTH:%Y-%m} ({read:,} calls read back): {rate:,.0f} "
        f"calls/s; summing while copying: {totals_rate:,.0f} calls/s "
        f"({totals_rate / rate:.1f}x, chosen); same rollups either way: {same}"
    )


def _month_signature(model):
    from django.db.models import Count, Sum

    return model.objects.filter(month=MEASURED_MONTH).aggregate(
        rows=Count("id"), calls=Sum("calls"), cost=Sum("cost"), seconds=Sum("seconds")
    )


# ---------------------------------------------------------------- measurements


def _get(client, path: str):
    """GET ``path``; a status other than 200 ends the benchmark with no figure."""
    response = client.get(path)
    if response.status_code != 200:
        failures = Failures(f"GET {path}")
        failures.add(f"HTTP {response.status_code}: {response.content[:300]!r}")
        failures.check(1)
    return response


def _timed(function, repeats: int = REPEATS) -> tuple[float, float]:
    """Median and worst of ``repeats`` warm runs, in milliseconds (one warm-up)."""
    function()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def _report(label: str, aim_key: str, median: float, worst: float, repeats: int = REPEATS) -> None:
    aim = AIMS_MS[aim_key]
    print(
        f"{label}: {median:,.1f} ms median, {worst:,.1f} ms worst of {repeats} "
        f"(aim {aim} ms: {aim / median:.1f}x under it)"
    )


def _measure() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from billing.models import Call

    users = get_user_model().objects
    admin, manager = users.get(username="bench-admin"), users.get(username="bench-manager")
    month = f"{MEASURED_MONTH:%Y-%m}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'billing_call'")
        print(f"store: ~{cursor.fetchone()[0]:,} calls; measured month {month}, warm")

    for who, user in (("administrator", admin), ("manager of 10 departments", manager)):
        client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")

        def get(path, client=client):
            return _get(client, path)

        body = get(f"/api/v1/reports/departments/?month={month}").json()
        _report(
            f"department report API, {who} ({len(body['departments'])} lines, "
            f"{body['total']['calls']:,} calls)",
            "departments",
            *_timed(lambda: get(f"/api/v1/reports/departments/?month={month}")),
        )
        body = get(f"/api/v1/reports/extensions/?month={month}").json()
        _report(
            f"extension report API, {who} ({len(body['extensions']):,} lines)",
            "extensions",
            *_timed(lambda: get(f"/api/v1/reports/extensions/?month={month}")),
        )
    _measure_downloads(admin, month)
    _measure_dashboard(admin, manager)
    _measure_call_search(admin, manager, month)
    _measure_top(admin, manager, month)
    in_month = Call.objects.filter(
        start__gte=dt.datetime.combine(MEASURED_MONTH, dt.time(), ZoneInfo(TIME_ZONES[0])),
        start__lt=dt.datetime(2026, 11, 1, tzinfo=ZoneInfo(TIME_ZONES[0])),
    ).count()
    _measure_csv(admin, month, in_month)


def _measure_downloads(admin, month: str) -> None:
    """The monthly files, as a script fetches them (no aim: for information)."""
    from django.test import Client
    from rest_framework.authtoken.models import Token

    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=admin)[0]}")
    figures = []
    for report in ("departments", "extensions"):
        for fmt in ("csv", "xlsx", "pdf"):
            path = f"/reports/{month}/{report}.{fmt}"
            size = len(_get(client, path).content)
            median, _ = _timed(lambda path=path: _get(client, path), repeats=3)
            figures.append(f"{report}.{fmt} {median:,.0f} ms ({size / 1024:,.0f} KiB)")
    print("downloads, administrator, median of 3: " + "; ".join(figures))


def _measure_dashboard(admin, manager) -> None:
    from django.conf import settings
    from django.test import Client, override_settings
    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse("reports:dashboard")
    except NoReverseMatch:
        print("dashboard: not yet measurable (no URL named reports:dashboard)")
        return
    query = f"?month={MEASURED_MONTH:%Y-%m}"
    # The bench runs no collectstatic: plain static URLs, as under runserver.
    plain_static = override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    )
    plain_static.enable()
    for who, user in (("administrator", admin), ("manager", manager)):
        client = Client()
        client.force_login(user)

        def get(client=client):
            return _get(client, path + query)

        _report(f"dashboard page ({path}), {who}, server time", "dashboard", *_timed(get))
    plain_static.disable()
    _measure_month_to_date(admin, manager)


def _measure_month_to_date(admin, manager) -> None:
    """The dashboard's figures while the measured month runs: on the 15th the first 15
    days of the month before are read from the daily rollups, on the 16th the month
    before less its last days; the page above (a past month) reads neither."""
    from reports.dashboard import dashboard_data

    for day in (15, 16):
        today = MEASURED_MONTH.replace(day=day)
        for who, user in (("administrator", admin), ("manager", manager)):
            _report(
                f"dashboard figures on {today:%Y-%m-%d} (month to date), {who}",
                "dashboard",
                *_timed(
                    lambda user=user, today=today: dashboard_data(
                        user=user, month=MEASURED_MONTH, today=today
                    )
                ),
            )


def _measure_call_search(admin, manager, month: str) -> None:
    """The call search of a month: its first page and the count and cost of the
    whole result (one grouped aggregate over the month's calls in scope)."""
    from django.test import Client

    for who, user in (("administrator", admin), ("manager", manager)):
        client = Client()
        client.force_login(user)
        path = f"/reports/calls/?month={month}"
        _report(
            f"call search page ({path}) with its totals, {who}, server time",
            "call_search",
            *_timed(lambda client=client, path=path: _get(client, path)),
        )


def _measure_top(admin, manager, month: str) -> None:
    """Each top-N report of the month through the API (``reports.topn``)."""
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from reports.topn import TOP_REPORTS

    for who, user in (("administrator", admin), ("manager", manager)):
        client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
        for kind in TOP_REPORTS:
            path = f"/api/v1/reports/top/?report={kind}&month={month}"
            timed = _timed(lambda client=client, path=path: _get(client, path), repeats=3)
            _report(f"top report {kind}, {who}", "top", *timed, repeats=3)


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _measure_csv(admin, month: str, expected_rows: int) -> None:
    from django.test import Client

    client = Client()
    client.force_login(admin)
    # Reset the peak resident size so the stream's own peak shows (Linux).
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        peak_reset = True
    except OSError:
        peak_reset = False
    rss_before = _rss_kib("VmRSS")
    started = time.perf_counter()
    response = _get(client, f"/reports/{month}/calls.csv")
    size = rows = 0
    first_row = None
    for piece in response.streaming_content:
        size += len(piece)
        rows += piece.count(b"\n")
        if first_row is None and rows > 1:
            first_row = time.perf_counter() - started
    elapsed = time.perf_counter() - started
    peak = _rss_kib("VmHWM") if peak_reset else _rss_kib("VmRSS")
    rows -= 1  # the header
    failures = Failures(f"calls CSV of {month}")
    failures.expect("rows", rows, expected_rows)
    rate(failures, rows, elapsed)
    print(
        f"calls CSV of {month}: {rows:,} calls ({size / 2**20:,.0f} MiB) in {elapsed:.1f} s, "
        f"{rows / elapsed:,.0f} calls/s, first call after {(first_row or 0) * 1000:,.0f} ms; "
        f"peak resident size {(peak - rss_before) / 1024:+,.1f} "
        f"MiB over the {rss_before / 1024:,.0f} MiB before"
    )
    # Python's own allocations while streaming half a month, then the whole month:
    # flat when the stream holds one chunk at a time.
    for fraction in (0.5, 1.0):
        tracemalloc.start()
        response = _get(client, f"/reports/{month}/calls.csv")
        limit = int(rows * fraction)
        seen = 0
        for piece in response.streaming_content:
            seen += piece.count(b"\n")
            if seen > limit:
                break
        response.close()
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"  traced Python peak streaming {min(seen, rows):,} calls: "
            f"{traced_peak / 2**20:,.1f} MiB"
        )


if __name__ == "__main__":
    main()
