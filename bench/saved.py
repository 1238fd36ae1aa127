"""Scheduled saved reports to 100 managers (issue 20: aim 60 s), on PostgreSQL.

A month of calls (``BENCH_SAVED_CALLS``, default 300,000: a month of a 3.6M-call
store) over 2,000 extensions in 100 departments, each with its manager; a saved
report "most expensive calls" shared with the 100 departments, XLSX and PDF attached,
e-mailed to its owner and the 100 managers (locmem backend: the time is building and
attaching, not the SMTP server's). Baseline of the same run: the monthly department
report e-mail to the same managers (PDF and XLSX), which is the e-mail the
installation already sends.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time

from . import Failures, rate

CALLS = int(os.environ.get("BENCH_SAVED_CALLS", "300000"))
MANAGERS = 100
EXTENSIONS = 2_000
AIM_SECONDS = 60
os.environ.setdefault(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tarificador_bench_saved"
)

from .ingest import TIME_ZONE, bench_environment, fresh_database  # noqa: E402

MONTH = dt.date(2026, 10, 1)


def _fill() -> None:
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from django.contrib.auth import get_user_model

    from billing.models import Call
    from billing.rollups import rollups_rebuild
    from capture.models import RawRecord, Source
    from org.models import Department, Extension, Site

    zone = ZoneInfo(TIME_ZONE)
    site = Site.objects.create(
        slug="bench", name="Bench", time_zone=TIME_ZONE, country_code="54", currency="ARS"
    )
    source = Source.objects.create(
        site=site, slug="bench-saved", name="bench", family="avaya-ipoffice", transport="agent"
    )
    users = get_user_model().objects
    departments = []
    for n in range(MANAGERS):
        department = Department.objects.create(name=f"Department {n}", code=f"D{n:03d}")
        manager = users.create_user(f"manager{n}", email=f"manager{n}@example.org")
        department.managers.add(manager)
        departments.append(department)
    extensions = Extension.objects.bulk_create(
        Extension(
            site=site,
            number=str(3000 + n),
            holder=f"Holder {n}",
            department=departments[n % MANAGERS],
        )
        for n in range(EXTENSIONS)
    )
    rng = random.Random(20)
    first = dt.datetime.combine(MONTH, dt.time(), zone)
    seconds_in_month = 31 * 86400
    for chunk in range(0, CALLS, 20_000):
        count = min(20_000, CALLS - chunk)
        raws = RawRecord.objects.bulk_create(
            RawRecord(
                source=source, seq=chunk + n + 1, received_at=first, line="bench", state="parsed"
            )
            for n in range(count)
        )
        calls = []
        for raw in raws:
            extension = rng.choice(extensions)
            duration = rng.randint(5, 1800)
            calls.append(
                Call(
                    site=site,
                    source=source,
                    raw_record=raw,
                    start=first + dt.timedelta(seconds=rng.randrange(seconds_in_month)),
                    duration_seconds=duration,
                    answered=True,
                    direction="outgoing",
                    extension=extension,
                    department_id=extension.department_id,
                    number=f"0351{rng.randrange(10**7):07d}",
                    category=rng.choice(("local", "national", "mobile", "international")),
                    destination="Córdoba",
                    cost=Decimal(duration) / 100,
                    currency="ARS",
                )
            )
        Call.objects.bulk_create(calls)
    rollups_rebuild([MONTH])


def main() -> None:
    print(
        f"== saved reports: {CALLS:,} calls in the month, {MANAGERS} managers, XLSX + PDF, "
        "PostgreSQL =="
    )
    environment = bench_environment()
    fresh_database(environment)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core import mail

    from org.models import Department
    from reports.mail import monthly_reports_send
    from reports.models import SavedReport
    from reports.saved import saved_reports_send

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    started = time.perf_counter()
    _fill()
    print(f"filled in {time.perf_counter() - started:,.1f} s")

    owner = get_user_model().objects.create_user("owner", email="owner@example.org", is_staff=True)
    saved = SavedReport.objects.create(
        owner=owner,
        name="Most expensive",
        report="expensive",
        params={"top": "50"},
        schedule="monthly",
        formats="xlsx,pdf",
    )
    saved.shared_with.set(Department.objects.all())

    failures = Failures("monthly department reports")
    started = time.perf_counter()
    summary = monthly_reports_send(MONTH)
    baseline_seconds = time.perf_counter() - started
    failures.expect("sent", summary.counts().get("sent"), MANAGERS)
    baseline = rate(failures, MANAGERS, baseline_seconds)

    failures = Failures("saved report e-mails")
    started = time.perf_counter()
    outcomes = saved_reports_send(dt.date(2026, 11, 1))
    seconds = time.perf_counter() - started
    failures.expect("outcomes", outcomes, {"sent": MANAGERS + 1})
    saved_rate = rate(failures, MANAGERS + 1, seconds)
    print(
        f"saved report to {MANAGERS + 1} people: {seconds:,.1f} s, {saved_rate:,.1f} e-mails/s "
        f"(aim {AIM_SECONDS} s: {AIM_SECONDS / seconds:.1f}x under it); baseline, the monthly "
        f"department report to {MANAGERS} managers: {baseline_seconds:,.1f} s, "
        f"{baseline:,.1f} e-mails/s (saved/baseline {saved_rate / baseline:.2f}x)"
    )


if __name__ == "__main__":
    main()
