"""Re-rating: pricing stored calls again after a tariff or numbering plan changed.

Calls are read per site in windows of consecutive local days (at most
``WINDOW_CALLS`` calls, at least one day), priced with the current tariffs (the
same engine and caches as ingest), and only those whose price changed are written
back, in one set-based UPDATE per window; each window's writes are one
transaction, rollups included. Closed months are left alone unless forced, so
figures already reported stay as they were.

On PostgreSQL, outside a caller's transaction, a window is written by a second
thread (with its own connection) while the next one is read and priced: pricing is
Python's work and the UPDATE is the database's, so the two overlap.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, connections, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from psycopg.types.datetime import TimestamptzLoader

from core.bulk import is_postgresql
from org.models import Site, Trunk
from rating.engine import Rater
from rating.services import rater_for

from .models import Call, ClosedMonth, RerateJob
from .rollups import CallFact, rollups_apply
from .services import CALL_COST_MAX

# Calls per transaction, at most: bounds memory (about 1 kB a call while it is
# priced) and the work a failure undoes; a busier single day is still one window.
WINDOW_CALLS = 250_000

# The columns of Call a re-rating writes (of billing.columns.CALL_COLUMNS, as are
# STORED_FIELDS; tests/billing/test_columns.py checks).
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
    """What re-rating reads of a call: the engine's inputs, then the stored price in
    the order of ``PRICE_FIELDS`` (so that ``row[PRICE_AT:]`` is the old price)."""

    id: int
    trunk_id: int | None
    extension_id: int | None
    department_id: int | None
    start: dt.datetime
    duration_seconds: int
    ring_seconds: int
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
    answered: bool


STORED_FIELDS = StoredCall._fields
PRICE_AT = STORED_FIELDS.index(PRICE_FIELDS[0])
assert STORED_FIELDS[PRICE_AT:] == PRICE_FIELDS


@dataclass
class RerateResult:
    total: int = 0
    changed: int = 0
    closed_months_skipped: tuple[str, ...] = ()


class Window(NamedTuple):
    """Consecutive local days of one site's calls, whose new prices and rollups are
    written in one transaction."""

    site: Site
    start: dt.datetime  # UTC, inclusive
    end: dt.datetime  # UTC, exclusive
    calls: int


def calls_rerate(
    *,
    date_from: dt.date,
    date_to: dt.date,
    site: Site | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RerateResult:
    """Re-price the calls from ``date_from`` to ``date_to`` (local dates, inclusive) of
    ``site`` or of every site. ``progress(done, total)`` is called after each window."""
    if date_to < date_from:
        raise ValueError(f"--to {date_to} is before --from {date_from}")
    sites = [site] if site else list(Site.objects.all())
    closed = set() if force else set(ClosedMonth.objects.values_list("month", flat=True))
    days = [date_from + dt.timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    skipped = sorted({f"{day:%Y-%m}" for day in days if day.replace(day=1) in closed})
    days = [day for day in days if day.replace(day=1) not in closed]

    windows = [window for s in sites for window in _windows(s, days)]
    result = RerateResult(closed_months_skipped=tuple(skipped))
    result.total = sum(window.calls for window in windows)
    if progress:
        progress(0, result.total)
    done = 0

    def written(counted: int, changed: int) -> None:
        nonlocal done
        done += counted
        result.changed += changed
        if progress:
            progress(done, result.total)

    with _one_rerate_at_a_time(), _collector_paused():
        if is_postgresql() and not connection.in_atomic_block:
            _windows_rerate_overlapped(windows, written)
        else:
            for window in windows:
                with transaction.atomic():
                    written(*_window_write(window, _window_reprice(window)))
    return result


# Any fixed number: the key of the PostgreSQL advisory lock re-ratings take.
RERATE_LOCK = 0x7261_7465  # "rate"


@contextmanager
def _one_rerate_at_a_time() -> Iterator[None]:
    """Two re-ratings of the same calls at once would each take the old price out of
    the rollups; a session lock on PostgreSQL makes the second wait for the first.
    (SQLite's single writer and the embedded set-up's one process need none.)"""
    if not is_postgresql():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [RERATE_LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [RERATE_LOCK])


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Re-rating holds hundreds of thousands of rows and makes millions of small
    objects, none of them in reference cycles; Python's cycle collector would
    traverse them all again and again (a third of the pricing time, measured)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _windows_rerate_overlapped(windows: list[Window], written: Callable[[int, int], None]) -> None:
    """Price each window while the previous one is written by a writer thread."""

    def write(window: Window, repriced: Repriced) -> tuple[int, int]:
        with transaction.atomic():  # on the writer thread's own connection
            return _window_write(window, repriced)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rerate-writer") as writer:
        pending: Future | None = None
        try:
            for window in windows:
                repriced = _window_reprice(window)
                if pending is not None:
                    written(*pending.result())
                pending = writer.submit(write, window, repriced)
            if pending is not None:
                written(*pending.result())
        finally:
            writer.submit(connections.close_all)  # the writer thread's connection


def _utc_day(site: Site, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = site.zone
    start = dt.datetime.combine(day, dt.time(), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _windows(site: Site, days: list[dt.date]) -> list[Window]:
    """``site``'s days with calls, packed into windows of consecutive days holding at
    most ``WINDOW_CALLS`` calls (or one day); counted with one query."""
    if not days:
        return []
    spans = Q()
    for start, end in _merged([_utc_day(site, day) for day in days]):
        spans |= Q(start__gte=start, start__lt=end)
    per_day = dict(
        Call.objects.filter(spans, site=site)
        .annotate(day=TruncDate("start", tzinfo=site.zone))
        .order_by()
        .values("day")
        .annotate(calls=Count("id"))
        .values_list("day", "calls")
    )
    windows: list[Window] = []
    for day in days:
        calls = per_day.get(day, 0)
        if not calls:
            continue
        start, end = _utc_day(site, day)
        last = windows[-1] if windows else None
        if last and last.end == start and last.calls + calls <= WINDOW_CALLS:
            windows[-1] = last._replace(end=end, calls=last.calls + calls)
        else:
            windows.append(Window(site, start, end, calls))
    return windows


def _merged(spans: list[tuple[dt.datetime, dt.datetime]]) -> list[list[dt.datetime]]:
    """Adjacent time spans as one, for counting with a short query."""
    merged: list[list[dt.datetime]] = []
    for start, end in spans:
        if merged and merged[-1][1] == start:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    return merged


class Repriced(NamedTuple):
    """A window's calls priced again: what changed, ready to be written."""

    calls: int
    updates: list[tuple]  # (id, *PRICE_FIELDS)
    removed: list[CallFact]
    added: list[CallFact]


def _window_reprice(window: Window) -> Repriced:
    calls = _calls_read(window)
    return Repriced(len(calls), *_calls_reprice(window.site, calls))


def _window_write(window: Window, repriced: Repriced) -> tuple[int, int]:
    """Write a window's new prices and rollups; inside the caller's transaction."""
    if repriced.updates:
        if is_postgresql():
            # As ingest does: a crash before the WAL reaches the disk loses the whole
            # window, calls and rollups alike, and re-rating again redoes it.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        _calls_update(window, repriced.updates)
        rollups_apply(added=repriced.added, removed=repriced.removed)
    return repriced.calls, len(repriced.updates)


def _calls_read(window: Window) -> list[StoredCall]:
    """The window's calls, as plain rows (no model instances)."""
    if not is_postgresql():
        calls = Call.objects.filter(site=window.site, start__gte=window.start, start__lt=window.end)
        return [StoredCall._make(row) for row in calls.order_by().values_list(*STORED_FIELDS)]
    with connection.cursor() as cursor:
        raw = cursor.cursor
        # psycopg's own (C) timestamp loader: Django's wraps it in Python, which made
        # reading a million calls several times slower. Instants are the same (UTC).
        raw.adapters.register_loader("timestamptz", TimestamptzLoader)
        raw.execute(
            f"SELECT {', '.join(STORED_FIELDS)} FROM {Call._meta.db_table} "  # noqa: S608
            "WHERE site_id = %s AND start >= %s AND start < %s",
            [window.site.id, window.start, window.end],
        )
        return list(map(StoredCall._make, raw.fetchall()))


def _calls_reprice(
    site: Site, calls: list[StoredCall]
) -> tuple[list[tuple], list[CallFact], list[CallFact]]:
    """Price ``calls`` again: the new prices of those that changed, as update rows
    ``(id, *PRICE_FIELDS)``, and their facts as they were and as they are now."""
    trunks = {
        trunk.id: trunk
        for trunk in Trunk.objects.filter(site=site, id__in={c.trunk_id for c in calls})
        if trunk.rate_plan_id or trunk.answer_after_seconds is not None
    }
    site_rater = rater_for(site=site, max_cost=CALL_COST_MAX)
    raters: dict[int | None, Rater] = {
        trunk_id: rater_for(site=site, max_cost=CALL_COST_MAX, trunk=trunk)
        for trunk_id, trunk in trunks.items()
    }
    site_id = site.id
    updates, removed, added = [], [], []
    for call in calls:
        price = (
            raters.get(call.trunk_id, site_rater).price(call)
            if raters
            else (site_rater.price(call))
        )
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
        if new == call[PRICE_AT:]:
            continue
        updates.append((call.id, *new))
        removed.append(
            CallFact(
                site_id,
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
        )
        added.append(
            CallFact(
                site_id,
                call.start,
                call.department_id,
                call.extension_id,
                call.direction,
                price.category,
                price.destination,
                answered,
                call.duration_seconds,
                call.ring_seconds,
                price.cost,
            )
        )
    return updates, removed, added


def _calls_update(window: Window, rows: list[tuple]) -> None:
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
            # Statistics, so the planner hashes the prices rather than guessing; the
            # window's bounds let it reach the calls through (site, start).
            cursor.execute("ANALYZE rerate_prices")
            cursor.execute(
                f"UPDATE {table} c SET {assignments} FROM rerate_prices p "  # noqa: S608
                "WHERE c.id = p.id AND c.site_id = %s AND c.start >= %s AND c.start < %s",
                [window.site.id, window.start, window.end],
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
