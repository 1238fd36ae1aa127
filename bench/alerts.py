"""The pipeline's cost of alert rules on PostgreSQL: IP Office records parsed and
recorded in 5,000-record batches (``raw_records_process``, in this process) with no
rule, then with 50 enabled rules, alternated so both see the same database state.

The 50 rules are what an installation might keep: 10 emergency (one per site scope
or extra number), 18 watch-listed prefixes, 2 spikes (a query per batch each), 10
cost and 8 duration thresholds, and 2 after-hours rules on every outgoing call,
which fire on about a third of each batch (one grouped alert per rule per batch, an
AlertCall row per call). No channels: a delivery is sent after the commit, not inside
the measured parse.
"""

from __future__ import annotations

import datetime as dt
import os
import time

from . import Failures, rate

ROUNDS = int(os.environ.get("BENCH_ALERTS_ROUNDS", "3"))
RECORDS = int(os.environ.get("BENCH_ALERTS_RECORDS", "20000"))  # per round and mode
os.environ.setdefault(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tarificador_bench_alerts"
)

from .ingest import TIME_ZONE, bench_environment, fresh_database  # noqa: E402

OBSERVER_SECONDS = [0.0]


def timed_observe(**kwargs) -> None:
    """The alerts' observer, timed: the bench names it in TARIFICADOR_CALL_OBSERVERS."""
    from alerts.services import calls_observe

    started = time.perf_counter()
    calls_observe(**kwargs)
    OBSERVER_SECONDS[0] += time.perf_counter() - started


RECORD_OBSERVER_SECONDS = [0.0]
# An unanswered IP Office call from extension 2000 to 911 (the bench site dials no
# outside-line code).
EMERGENCY_LINE = (
    "2026/10/20 03:00:00,00:00:00,5,2000,O,911,911,,0,1099999999,0,E2000,Bench,T9161,"
    "LINE 5.1,0,0,,,,,,,,,,,,,"
)


def timed_records_observe(**kwargs) -> None:
    """The emergency check on arrival, timed (named in TARIFICADOR_RECORD_OBSERVERS)."""
    from alerts.services import records_observe

    started = time.perf_counter()
    records_observe(**kwargs)
    RECORD_OBSERVER_SECONDS[0] += time.perf_counter() - started


def _rules(count: int) -> None:
    from alerts.models import AlertRule

    rules = []
    for n in range(10):
        rules.append(("emergency", {"numbers": [f"44{n:02d}"]}))
    for n in range(18):
        rules.append(("number", {"prefixes": [f"5411{n:04d}", f"99{n:02d}"]}))
    for n in range(2):
        rules.append(("spike", {"window_minutes": 60 * (n + 1), "factor": 4, "min_calls": 30}))
    for n in range(10):
        rules.append(("threshold", {"min_cost": str(100_000 + n)}))
    for n in range(8):
        rules.append(("threshold", {"min_seconds": 36_000 + n}))
    for n in range(2):
        rules.append(("after-hours", {"from": "08:00", "to": "18:00", "weekends": n == 0}))
    AlertRule.objects.bulk_create(
        AlertRule(name=f"{kind} {n}", kind=kind, params=params, channels=[])
        for n, (kind, params) in enumerate(rules[:count])
    )


def _round(source, lines: list[str], first_seq: int) -> float:
    from billing.pipeline import raw_records_process
    from capture.services import IncomingRecord, raw_records_store

    received = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    records = [
        IncomingRecord(seq=first_seq + n, received_at=received, line=line)
        for n, line in enumerate(lines)
    ]
    stored = raw_records_store(source=source, records=records)
    started = time.perf_counter()
    result = raw_records_process(
        source_id=source.id, first_id=stored.first_id, last_id=stored.last_id
    )
    seconds = time.perf_counter() - started
    failures = Failures(f"parse of {len(lines):,} records")
    failures.expect("records parsed or ignored", result.errors, 0)
    return rate(failures, len(lines), seconds)


def main() -> None:
    print(f"== alerts: {RECORDS:,} IP Office records per round, {ROUNDS} rounds, PostgreSQL ==")
    fresh_database(bench_environment())

    import django

    django.setup()
    from django.conf import settings

    settings.TARIFICADOR_CALL_OBSERVERS = ["bench.alerts.timed_observe"]
    from zoneinfo import ZoneInfo

    from alerts.models import AlertCall, AlertRule
    from bench.alerts import OBSERVER_SECONDS  # run as __main__, this is another module
    from capture.models import Source
    from org.models import Site
    from pbxsim.avaya_ipoffice import ipoffice_records

    end = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    lines = list(
        ipoffice_records(
            count=RECORDS * ROUNDS * 2,
            start=end - dt.timedelta(days=30),
            end=end,
            extensions=[str(number) for number in range(2000, 2400)],
            time_zone=ZoneInfo(TIME_ZONE),
            seed=11,
        )
    )
    site = Site.objects.create(
        slug="bench", name="Bench", time_zone=TIME_ZONE, country_code="54", currency="ARS"
    )
    source = Source.objects.create(
        site=site, slug="bench-alerts", name="bench", family="avaya-ipoffice", transport="agent"
    )
    figures: dict[str, list[float]] = {"none": [], "50 rules": []}
    parse_seconds = 0.0  # of the rounds with 50 rules
    seq = 1
    for round_number in range(ROUNDS):
        for mode in ("none", "50 rules"):
            AlertRule.objects.all().delete()
            if mode != "none":
                _rules(50)
            chunk = lines[seq - 1 : seq - 1 + RECORDS]
            observed_before = OBSERVER_SECONDS[0]
            figures[mode].append(_round(source, chunk, seq))
            if mode == "none":
                OBSERVER_SECONDS[0] = observed_before  # count the 50 rules' rounds only
            else:
                parse_seconds += RECORDS / figures[mode][-1]
            seq += RECORDS
        print(
            f"round {round_number + 1}: no rules {figures['none'][-1]:,.0f} records/s, "
            f"50 rules {figures['50 rules'][-1]:,.0f} records/s"
        )
    best = {mode: max(values) for mode, values in figures.items()}
    print(
        f"best of {ROUNDS}: no rules {best['none']:,.0f} records/s, 50 rules "
        f"{best['50 rules']:,.0f} records/s ({best['50 rules'] / best['none']:.1%} of no rules; "
        f"{AlertCall.objects.count():,} alerted calls)"
    )
    batches = ROUNDS * RECORDS / 5000
    print(
        f"the observer with 50 rules: {OBSERVER_SECONDS[0] * 1000 / batches:,.0f} ms "
        f"per 5,000-record batch, {OBSERVER_SECONDS[0] / parse_seconds:.1%} of the parse time"
    )
    _store_rounds(source, lines, seq)


def _store_rounds(source, lines: list[str], seq: int) -> None:
    """The emergency check on arrival (TARIFICADOR_RECORD_OBSERVERS): 5,000-record
    stores (one emergency call in each) with no observer (the baseline), with the
    observer and no rule, and with the 50 rules (10 emergency: the screen runs over
    every line, the call it finds is parsed and alerted), alternated."""
    from django.conf import settings

    from alerts import services
    from alerts.models import Alert, AlertRule
    from capture.services import IncomingRecord, raw_records_store

    received = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    from bench.alerts import RECORD_OBSERVER_SECONDS  # run as __main__: another module

    modes: dict[str, list[float]] = {
        "no observer": [],
        "observer, no rule": [],
        "observer, 50 rules": [],
    }
    observers = settings.TARIFICADOR_RECORD_OBSERVERS
    timed = ["bench.alerts.timed_records_observe"]
    for _round_number in range(ROUNDS):
        for mode, seconds in modes.items():
            AlertRule.objects.all().delete()
            if mode.endswith("50 rules"):
                _rules(50)
            services._rule_set = None
            settings.TARIFICADOR_RECORD_OBSERVERS = [] if mode == "no observer" else timed
            observed_before = RECORD_OBSERVER_SECONDS[0]
            services.rule_set_current()  # compiled once per version, outside the timing
            for _batch in range(0, RECORDS, 5000):
                # One emergency call per batch: the screen finds it, the parse reads it.
                batch = [*lines[(seq - 1) % len(lines) :][:4999], EMERGENCY_LINE]
                records = [
                    IncomingRecord(seq=seq + n, received_at=received, line=line)
                    for n, line in enumerate(batch)
                ]
                started = time.perf_counter()
                raw_records_store(source=source, records=records)
                seconds.append(time.perf_counter() - started)
                seq += len(batch)
            if mode != "observer, 50 rules":
                RECORD_OBSERVER_SECONDS[0] = observed_before  # the 50 rules' rounds only
    settings.TARIFICADOR_RECORD_OBSERVERS = observers
    best = {mode: min(seconds) * 1000 for mode, seconds in modes.items()}
    print(
        "store of 5,000 records, best of "
        f"{len(modes['no observer'])}: "
        + ", ".join(f"{mode} {ms:,.0f} ms" for mode, ms in best.items())
        + f" (50 rules: +{best['observer, 50 rules'] - best['no observer']:,.0f} ms, "
        f"{best['observer, 50 rules'] / best['no observer'] - 1:+.1%}; "
        f"{Alert.objects.filter(rule__kind='emergency').count()} emergency alerts)"
    )
    batches = len(modes["observer, 50 rules"])
    print(
        f"the emergency check with 50 rules: {RECORD_OBSERVER_SECONDS[0] * 1000 / batches:,.1f} "
        f"ms per 5,000-record store, "
        f"{RECORD_OBSERVER_SECONDS[0] / sum(modes['observer, 50 rules']):.1%} of the store time"
    )


if __name__ == "__main__":
    main()
