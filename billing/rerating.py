"""Re-rating: pricing stored calls again after a tariff or numbering plan changed.

Calls are read a local day at a time per site, priced with the current tariffs
(the same engine and caches as ingest), and only those whose price changed are
written back, in one set-based UPDATE per day. Closed months are left alone unless
forced, so figures already reported stay as they were.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from core.bulk import is_postgresql
from rating.services import rater_for

from .models import Call, ClosedMonth, RerateJob, Site, Trunk
from .signals import CallFact, calls_changed

PRICE_FIELDS = (
    "cost",
    "currency",
    "rate_plan_id",
    "rate_id",
    "normalized_number",
    "destination",
    "category",
    "unrated_reason",
    "answered",
)


class StoredCall(NamedTuple):
    """What re-rating reads of a call: the engine's inputs and the stored price."""

    id: int
    trunk_id: int | None
    extension_id: int | None
    department_id: int | None
    start: dt.datetime
    duration_seconds: int
    ring_seconds: int
    answered: bool
    direction: str
    number: str
    cost: Decimal | None
    currency: str
    rate_plan_id: int | None
    rate_id: int | None
    normalized_number: str
    destination: str
    category: str
    unrated_reason: str


STORED_FIELDS = StoredCall._fields


@dataclass
class RerateResult:
    total: int = 0
    changed: int = 0
    closed_months_skipped: tuple[str, ...] = ()


def calls_rerate(
    *,
    date_from: dt.date,
    date_to: dt.date,
    site: Site | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RerateResult:
    """Re-price the calls from ``date_from`` to ``date_to`` (local dates, inclusive) of
    ``site`` or of every site. ``progress(done, total)`` is called after each day."""
    if date_to < date_from:
        raise ValueError(f"--to {date_to} is before --from {date_from}")
    sites = [site] if site else list(Site.objects.all())
    closed = set() if force else set(ClosedMonth.objects.values_list("month", flat=True))
    days = [date_from + dt.timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    skipped = sorted({f"{day:%Y-%m}" for day in days if day.replace(day=1) in closed})
    days = [day for day in days if day.replace(day=1) not in closed]

    windows = [(s, *_utc_day(s, day)) for s in sites for day in days]
    result = RerateResult(closed_months_skipped=tuple(skipped))
    result.total = sum(
        Call.objects.filter(site=s, start__gte=start, start__lt=end).count()
        for s, start, end in _merged(windows)
    )
    if progress:
        progress(0, result.total)
    done = 0
    for window_site, start, end in windows:
        counted, changed = _rerate_window(window_site, start, end)
        done += counted
        result.changed += changed
        if progress:
            progress(done, result.total)
    return result


def _utc_day(site: Site, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = site.zone
    start = dt.datetime.combine(day, dt.time(), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _merged(windows):
    """Adjacent windows of a site as one, for counting with few queries."""
    merged: list[list] = []
    for site, start, end in windows:
        if merged and merged[-1][0] is site and merged[-1][2] == start:
            merged[-1][2] = end
        else:
            merged.append([site, start, end])
    return merged


@transaction.atomic
def _rerate_window(site: Site, start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
    calls = [
        StoredCall(*row)
        for row in Call.objects.filter(site=site, start__gte=start, start__lt=end).values_list(
            *STORED_FIELDS
        )
    ]
    if not calls:
        return 0, 0
    trunks = {
        trunk.id: trunk
        for trunk in Trunk.objects.filter(site=site, id__in={c.trunk_id for c in calls})
        if trunk.rate_plan_id or trunk.answer_after_seconds is not None
    }
    site_rater = rater_for(site=site)
    raters = {trunk_id: rater_for(site=site, trunk=trunk) for trunk_id, trunk in trunks.items()}
    updates = []
    removed, added = [], []
    for call in calls:
        price = raters.get(call.trunk_id, site_rater).price(call)
        answered = call.answered if price.answered is None else price.answered
        new = (
            price.cost,
            price.currency,
            price.plan_id,
            price.rate_id,
            price.normalized_number,
            price.destination,
            price.category,
            price.unrated_reason[:200],
            answered,
        )
        old = (
            call.cost,
            call.currency,
            call.rate_plan_id,
            call.rate_id,
            call.normalized_number,
            call.destination,
            call.category,
            call.unrated_reason,
            call.answered,
        )
        if new != old:
            updates.append((call.id, *new))
            removed.append(_fact(site, call))
            added.append(_fact(site, call._replace(**dict(zip(PRICE_FIELDS, new, strict=True)))))
    _calls_update(updates)
    calls_changed.send(sender=Call, added=added, removed=removed)
    return len(calls), len(updates)


def _fact(site: Site, call: StoredCall) -> CallFact:
    return CallFact(
        site.id,
        call.start,
        call.department_id,
        call.extension_id,
        call.direction,
        call.category,
        call.destination,
        call.answered,
        call.duration_seconds,
        call.ring_seconds,
        call.cost,
    )


def _calls_update(rows: list[tuple]) -> None:
    """Write new prices by call id: COPY and one UPDATE on PostgreSQL."""
    if not rows:
        return
    table = Call._meta.db_table
    assignments = ", ".join(f"{name} = p.{name}" for name in PRICE_FIELDS)
    with connection.cursor() as cursor:
        if is_postgresql():
            # Made once per connection and emptied after use: several windows may
            # share one outer transaction.
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS rerate_prices ON COMMIT DELETE ROWS AS "  # noqa: S608
                f"SELECT id, {', '.join(PRICE_FIELDS)} FROM {table} WITH NO DATA"
            )
            columns = ", ".join(("id", *PRICE_FIELDS))
            with cursor.cursor.copy(f"COPY rerate_prices ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"UPDATE {table} c SET {assignments} "  # noqa: S608
                f"FROM rerate_prices p WHERE c.id = p.id"
            )
            cursor.execute("TRUNCATE rerate_prices")
        else:
            sets = ", ".join(f"{name} = %s" for name in PRICE_FIELDS)
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE id = %s",  # noqa: S608
                [(*row[1:], row[0]) for row in rows],
            )


def rerate_job_run(job_id: int, *, progress: Callable[[int, int], None] | None = None) -> RerateJob:
    """Run a queued :class:`RerateJob`, recording its progress as it goes."""
    job = RerateJob.objects.select_related("site").get(pk=job_id)
    job.state = RerateJob.State.RUNNING
    job.save(update_fields=["state"])

    def record(done: int, total: int) -> None:
        RerateJob.objects.filter(pk=job_id).update(done=done, total=total)
        if progress:
            progress(done, total)

    try:
        result = calls_rerate(
            date_from=job.date_from,
            date_to=job.date_to,
            site=job.site,
            force=job.force,
            progress=record,
        )
    except Exception as error:
        RerateJob.objects.filter(pk=job_id).update(
            state=RerateJob.State.FAILED, message=str(error), finished_at=timezone.now()
        )
        raise
    note = ""
    if result.closed_months_skipped:
        note = f"closed months skipped: {', '.join(result.closed_months_skipped)}"
    RerateJob.objects.filter(pk=job_id).update(
        state=RerateJob.State.DONE,
        total=result.total,
        done=result.total,
        changed=result.changed,
        message=note,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job
