"""Rating: the pure engine's throughput on 1,000,000 calls against 5,000 prefixes (aim:
300,000 calls/s on one core), and the import of a 170,000-prefix deck into PostgreSQL
(aim: at most 10 s). ``BENCH_RATING_CALLS`` and ``BENCH_DECK_PREFIXES`` change the sizes.

The calls dial 50,000 distinct numbers (local, Córdoba mobiles, national and
international), so the engine pays for reading each number once and then rates
from its caches, as it does at a site.

Re-rating (aim: 1,000,000 calls in at most 60 s, ``BENCH_RERATE_CALLS``) is the worst
case: nearly every call dials a number no other call dials, and every call changes
price. ``manage.py rerate`` is timed whole, then the same calls are re-rated again
in-process after a price change, with the time of each step.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from . import Failures, rate

CALLS = int(os.environ.get("BENCH_RATING_CALLS", "1000000"))
PREFIXES = 5_000
DISTINCT_NUMBERS = 50_000
DECK_PREFIXES = int(os.environ.get("BENCH_DECK_PREFIXES", "170000"))
RERATE_CALLS = int(os.environ.get("BENCH_RERATE_CALLS", "1000000"))
# The columns of Call the re-rating fill writes, in the order of its SELECT; the
# others stay NULL. tests/billing/test_columns.py checks them.
RERATE_CALL_COLUMNS = (
    "site_id",
    "source_id",
    "raw_record_id",
    "start",
    "duration_seconds",
    "ring_seconds",
    "answered",
    "direction",
    "number",
    "normalized_number",
    "destination",
    "category",
    "currency",
    "account_code",
    "pbx_call_id",
    "leg",
    "details",
    "unrated_reason",
)
COUNTRIES = ["1", "34", "44", "49", "33", "39", "55", "56", "598", "595", "591", "86", "81", "61"]


def main() -> None:
    engine_rate()
    deck_import()
    rerate()


def engine_rate() -> None:
    from rating.engine import CallToRate, Rater, RateTerms, Tariff, TariffDestination
    from tests.rating.deck import CORDOBA, CORDOBA_ZONE, HOLIDAY, NIGHT, PEAK, destinations

    print(f"== rating engine: {CALLS:,} calls, {PREFIXES:,} prefixes, one core ==")
    rng = random.Random(1)
    prefixes = set()
    while len(prefixes) < PREFIXES:
        prefixes.add(rng.choice(COUNTRIES) + str(rng.randrange(10, 99_999)))
    dests = destinations(first_id=100_000)
    for rate_id, prefix in enumerate(sorted(prefixes)):
        price = Decimal(rng.randrange(100, 9000)) / 100
        terms = RateTerms(rate_id, price, Decimal("0.10"), 60, 6, valid_from=dt.date(2026, 1, 1))
        dests.append(
            TariffDestination(prefix, f"dest {prefix}", "international", {"outgoing": [terms]})
        )
    national = next(d for d in dests if d.prefix == "54")
    national.rates["outgoing"] = [
        RateTerms(90_001, Decimal("3.60"), band_id=PEAK.id),
        RateTerms(90_002, Decimal("1.80"), band_id=NIGHT.id),
        RateTerms(90_003, Decimal("0.60"), band_id=HOLIDAY.id),
    ]
    tariff = Tariff(
        plan_id=1,
        slug="bench",
        currency="ARS",
        version=1,
        destinations=dests,
        bands=[PEAK, NIGHT, HOLIDAY],
        holiday_band_id=HOLIDAY.id,
    )
    rater = Rater(tariff=tariff, numbering=CORDOBA, zone=CORDOBA_ZONE, subdivision="X")
    plist = sorted(prefixes)
    numbers = []
    for _ in range(DISTINCT_NUMBERS):
        kind = rng.random()
        if kind < 0.4:
            numbers.append("000" + rng.choice(plist) + str(rng.randrange(10**5, 10**6)))
        elif kind < 0.7:
            numbers.append("0" + str(rng.randrange(4_000_000, 4_999_999)))
        elif kind < 0.9:
            numbers.append("015" + str(rng.randrange(4_000_000, 6_999_999)))
        else:
            numbers.append("00261" + str(rng.randrange(4_000_000, 4_999_999)))
    base = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    calls = [
        CallToRate(
            base + dt.timedelta(seconds=rng.randrange(30 * 86_400)),
            rng.randrange(900),
            rng.random() < 0.8,
            "outgoing",
            rng.choice(numbers),
        )
        for _ in range(CALLS)
    ]
    # Unrated calls are no failure here: weekend calls to Argentina fall in no band.
    failures = Failures("rating engine")
    started = time.perf_counter()
    unrated = sum(rater.price(call).cost is None for call in calls)
    first = rate(failures, CALLS, time.perf_counter() - started)
    started = time.perf_counter()
    for call in calls:
        rater.price(call)
    warm = rate(failures, CALLS, time.perf_counter() - started)
    print(
        f"first pass (reads {DISTINCT_NUMBERS:,} distinct numbers): {first:,.0f} calls/s "
        f"({first / 300_000:.2f}x the aim); every number seen before: {warm:,.0f} calls/s "
        f"({warm / 300_000:.2f}x); {unrated:,} unrated"
    )


def deck_import() -> None:
    from .ingest import bench_environment, fresh_database

    print(f"== rate deck import: {DECK_PREFIXES:,} prefixes, PostgreSQL ==")
    env = bench_environment()
    fresh_database(env)
    import django

    django.setup()
    from rating.models import Rate, RatePlan

    RatePlan.objects.create(slug="bench", name="Bench", currency="ARS")
    rng = random.Random(2)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "deck.csv"
        lines = [
            "prefix,destination,category,price_per_minute,connection_fee,initial_seconds,"
            "increment_seconds,minimum_charge,valid_from,band"
        ]
        seen = set()
        while len(seen) < DECK_PREFIXES:
            seen.add(rng.choice(COUNTRIES) + str(rng.randrange(10, 9_999_999)))
        for prefix in sorted(seen):
            price = f"{rng.randrange(100, 9000) / 100:.2f}"
            lines.append(
                f"{prefix},Destination {prefix},international,{price},0,60,6,0,2026-01-01,"
            )
        path.write_text("\n".join(lines) + "\n")
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "manage.py", "import_rates", "--plan", "bench", str(path), "--apply"],
            cwd=Path(__file__).parent.parent,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        elapsed = time.perf_counter() - started
    failures = Failures("rate deck import")
    if failures.expect("import_rates exit status", done.returncode, 0):
        rates = Rate.objects.filter(plan__slug="bench").count()
        failures.expect("rates stored", rates, DECK_PREFIXES)
    else:
        failures.add(done.stderr[-500:])
    rate(failures, DECK_PREFIXES, elapsed)
    print(
        f"import_rates --apply of {DECK_PREFIXES:,} prefixes: {elapsed:.1f} s "
        f"({DECK_PREFIXES / elapsed:,.0f} prefixes/s; aim 10 s, {10 / elapsed:.2f}x)"
    )


def rerate() -> None:
    """Re-rate a month of calls on the deck just imported (aim: 1,000,000 in 60 s)."""
    from django.db import connection

    from capture.models import Source
    from org.models import Site
    from rating.models import RatePlan

    print(f"== re-rating: {RERATE_CALLS:,} calls in one month, PostgreSQL ==")
    site = Site.objects.create(
        slug="bench-rerate",
        name="Bench",
        time_zone="America/Argentina/Cordoba",
        country_code="54",
        area_code="351",
        access_codes=["0"],
        currency="ARS",
        rate_plan=RatePlan.objects.get(slug="bench"),
    )
    source = Source.objects.create(
        site=site, slug="bench-rerate", name="b", family="avaya-ipoffice"
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Calls straight from SQL: international numbers under the deck's prefixes,
        # spread over November 2026, none priced yet.
        cursor.execute(
            "INSERT INTO capture_rawrecord (source_id, seq, received_at, line, state, error, "
            "created_at) SELECT %s, g, now(), '', 'parsed', '', now() "
            "FROM generate_series(1, %s) g",
            [source.pk, RERATE_CALLS],
        )
        # The n-th prefix by id, joined rather than picked from an array (subscripting a
        # 170,000-element array per row took four minutes).
        cursor.execute(
            "WITH p AS (SELECT prefix, row_number() OVER (ORDER BY id) - 1 i "  # noqa: S608
            "FROM rating_destination), n AS (SELECT count(*) n FROM rating_destination) "
            f"INSERT INTO billing_call ({', '.join(RERATE_CALL_COLUMNS)}) "
            "SELECT %s, %s, r.id, "
            "timestamptz '2026-11-01 03:00+00' + (random() * interval '29 days'), "
            "(random() * 600)::int, 5, true, 'outgoing', "
            "'000' || p.prefix || lpad((r.seq %% 100000)::text, 5, '0'), "
            "'', '', '', 'ARS', '', '', 1, '{}', '' FROM capture_rawrecord r "
            "JOIN p ON p.i = r.seq %% (SELECT n FROM n) WHERE r.source_id = %s",
            [site.pk, source.pk, source.pk],
        )
        cursor.execute("ANALYZE billing_call")
    print(f"made {RERATE_CALLS:,} calls in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    done = subprocess.run(
        [
            *(sys.executable, "manage.py", "rerate", "--from", "2026-11-01", "--to"),
            *("2026-11-30", "--site", site.slug, "--no-progress"),
        ],
        cwd=Path(__file__).parent.parent,
        env=os.environ,
    )
    elapsed = time.perf_counter() - started
    failures = Failures("rerate")
    if failures.expect("manage.py rerate exit status", done.returncode, 0):
        failures.expect("calls not re-rated", _not_rerated(site), 0)
    rate(failures, RERATE_CALLS, elapsed)
    print(
        f"rerate of {RERATE_CALLS:,} calls: {elapsed:.1f} s ({RERATE_CALLS / elapsed:,.0f} "
        f"calls/s; aim 60 s, {60 / elapsed:.2f}x)"
    )
    rerate_phases(site)


def rerate_phases(site) -> None:
    """Re-rate the same calls again after every price doubled, in this process, timing
    each step. Reading and pricing run on the main thread while the previous window is
    written on the writer thread, so the steps add up to more than the whole."""
    from django.db import transaction
    from django.db.models import F

    from billing import rerating, rollups
    from rating.models import Rate, RatePlan

    with transaction.atomic():
        Rate.objects.update(price_per_minute=F("price_per_minute") * 2)
        RatePlan.objects.filter(slug="bench").update(version=F("version") + 1)
    spent: dict[str, float] = {}
    for owner, name, label in (
        (rerating, "_calls_read", "read calls"),
        (rerating, "_calls_reprice", "price (engine, compare, facts)"),
        (rerating, "_calls_update", "COPY + UPDATE calls"),
        (rollups.Totals, "add", "rollup sums (Python)"),
        (rollups.Totals, "write", "rollup upserts"),
    ):
        setattr(owner, name, _timed(getattr(owner, name), label, spent))
    started = time.perf_counter()
    result = rerating.calls_rerate(
        date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 30), site=site
    )
    elapsed = time.perf_counter() - started
    failures = Failures("re-rating again after a price change")
    failures.expect("calls re-rated", result.total, RERATE_CALLS)
    rate(failures, result.total, elapsed)
    print(
        f"again after a price change, in-process: {result.changed:,} of {result.total:,} "
        f"calls changed price in {elapsed:.1f} s ({result.total / elapsed:,.0f} calls/s); "
        "by step (main thread: read, price; writer thread: the rest):"
    )
    for label, seconds in spent.items():
        print(f"  {label}: {seconds:.1f} s ({result.total / seconds:,.0f} calls/s)")


def _not_rerated(site) -> int:
    """Calls as the SQL above made them: neither a cost nor a reason for having none
    (a few numbers cannot be read as phone numbers and stay unrated, with a reason)."""
    from billing.models import Call

    return Call.objects.filter(site=site, cost=None, unrated_reason="").count()


def _timed(function, label: str, spent: dict[str, float]):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - started

    return timed


if __name__ == "__main__":
    main()
