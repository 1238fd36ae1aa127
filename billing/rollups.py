"""Keeping the rollups equal to the sum of the calls.

Every billing service that writes calls (storing, re-parsing, re-pricing, deleting)
calls ``rollups_apply`` in its own transaction with the facts it added and removed;
the facts become per-key differences added to the rollup rows (one upsert per
table), so totals stay exact without re-reading calls. ``rollups_rebuild``
recomputes whole months from the calls, for repairs; ``rollups_drift`` says where
the rollups and the calls disagree (the invariant the tests check after every write).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet

from core.bulk import upsert_add
from org.models import Site

from .models import Call, DailyRollup, DestinationRollup, HourlyRollup, MonthlyRollup, Rollup

ROLLUPS: tuple[type[Rollup], ...] = (DailyRollup, MonthlyRollup, DestinationRollup, HourlyRollup)
ZERO = Decimal(0)
# (day, month, weekday, hour) of a site's local hour; Nones when they change within it.
LocalHour = tuple[dt.date, dt.date, int, int] | tuple[None, None, None, None]


class CallFact(NamedTuple):
    """What the rollups count of a call: its dimensions and its measures."""

    site_id: int
    start: dt.datetime  # UTC
    department_id: int | None
    extension_id: int | None
    direction: str
    category: str
    destination: str
    answered: bool
    duration_seconds: int
    ring_seconds: int
    cost: Decimal | None  # None: not rated


# The Call columns a fact is read from (of billing.columns.CALL_COLUMNS; a test checks).
FACT_FIELDS = CallFact._fields


def _measures() -> list:
    """calls, answered, seconds, ring seconds, unrated, cost: as ``Rollup.MEASURES``."""
    return [0, 0, 0, 0, 0, ZERO]


class Totals:
    """Differences per rollup key, summed in memory before they are written."""

    def __init__(self) -> None:
        self.rows: dict[type[Rollup], defaultdict[tuple, list]] = {
            model: defaultdict(_measures) for model in ROLLUPS
        }
        self._zones: dict[int, dt.tzinfo] = {}
        # Sums by local hour and every dimension but the destination, shared out among
        # the daily, monthly and hourly rollups before they are written.
        self._hours: defaultdict[tuple, list] = defaultdict(_measures)
        self._local_hours: dict[tuple[int, int], LocalHour] = {}

    def add(self, facts: Iterable[CallFact], sign: int = 1) -> None:
        # Runs for every call stored or re-priced (two facts per re-priced call), so it
        # does as little per fact as it can: local time from a per-hour cache, and
        # two sums per fact (by destination, and by everything the other three
        # rollups need), which are shared out among those three once, at the end.
        destinations = self.rows[DestinationRollup]
        hours = self._hours
        local_hours = self._local_hours
        for (
            site_id,
            start,
            department,
            extension,
            direction,
            category,
            destination,
            answered,
            duration_seconds,
            ring_seconds,
            cost,
        ) in facts:
            utc_hour = (site_id, int(start.timestamp()) // 3600)
            local = local_hours.get(utc_hour) or self._local_hour(utc_hour)
            if local[0] is None:  # the hour is not the same local hour throughout
                local = _local_fields(start.astimezone(self._zone(site_id)))
            department = department or 0
            answered_count = sign if answered else 0
            duration_seconds *= sign
            ring_seconds *= sign
            if cost is None:
                unrated, cost = sign, ZERO
            else:
                unrated, cost = 0, sign * cost
            for totals, key in (
                (destinations, (local[1], site_id, department, category, destination)),
                (hours, (local, site_id, department, extension or 0, direction, category)),
            ):
                row = totals[key]
                row[0] += sign
                row[1] += answered_count
                row[2] += duration_seconds
                row[3] += ring_seconds
                row[4] += unrated
                row[5] += cost

    def _share_out_hours(self) -> None:
        """Add the per-hour sums to the daily, monthly and hourly rollups."""
        daily, monthly, hourly = (
            self.rows[model] for model in (DailyRollup, MonthlyRollup, HourlyRollup)
        )
        for ((day, month, weekday, hour), site_id, department, extension, direction, category), (
            calls,
            answered,
            duration_seconds,
            ring_seconds,
            unrated,
            cost,
        ) in self._hours.items():
            for totals, key in (
                (daily, (day, site_id, department, extension, direction, category)),
                (monthly, (month, site_id, department, extension, direction, category)),
                (hourly, (month, site_id, department, weekday, hour, direction)),
            ):
                row = totals[key]
                row[0] += calls
                row[1] += answered
                row[2] += duration_seconds
                row[3] += ring_seconds
                row[4] += unrated
                row[5] += cost
        self._hours.clear()

    def _local_hour(self, utc_hour: tuple[int, int]) -> LocalHour:
        """The local fields of a UTC hour of a site, or Nones when they change within it
        (a zone whose offset is not whole hours, or the hour of a clock change)."""
        site_id, hour = utc_hour
        zone = self._zone(site_id)
        first = dt.datetime.fromtimestamp(hour * 3600, dt.UTC).astimezone(zone)
        last = dt.datetime.fromtimestamp(hour * 3600 + 3599, dt.UTC).astimezone(zone)
        offset = first.utcoffset()
        fields: LocalHour
        if offset is None or offset != last.utcoffset() or offset.total_seconds() % 3600:
            fields = (None, None, None, None)
        else:
            fields = _local_fields(first)
        self._local_hours[utc_hour] = fields
        return fields

    def sums(self) -> dict[type[Rollup], dict[tuple, tuple]]:
        """The differences summed so far, per rollup and key (nothing is written)."""
        self._share_out_hours()
        return {
            model: {key: tuple(measures) for key, measures in totals.items() if any(measures)}
            for model, totals in self.rows.items()
        }

    def write(self) -> None:
        self._share_out_hours()
        for model, totals in self.rows.items():
            rows = [(*key, *measures) for key, measures in totals.items() if any(measures)]
            upsert_add(model._meta.db_table, model.KEYS, model.MEASURES, rows)
            # A re-priced call may leave its old key with nothing in it.
            periods = {key[0] for key, measures in totals.items() if measures[0] < 0}
            if periods:
                model._default_manager.filter(**{f"{model.KEYS[0]}__in": periods}, calls=0).delete()
            totals.clear()

    def _zone(self, site_id: int) -> dt.tzinfo:
        if site_id not in self._zones:
            self._zones[site_id] = Site.objects.get(pk=site_id).zone
        return self._zones[site_id]


def _local_fields(local: dt.datetime) -> tuple[dt.date, dt.date, int, int]:
    """(day, month, weekday, hour) of a local time."""
    day = local.date()
    return (day, day.replace(day=1), local.weekday(), local.hour)


def rollups_apply(*, added: Iterable[CallFact] = (), removed: Iterable[CallFact] = ()) -> None:
    """Add ``added`` calls to the rollups and take ``removed`` ones out.

    Every service that writes calls calls this in the same transaction, after its
    write; with ``TARIFICADOR_CHECK_ROLLUPS`` on, the invariant is checked here.
    """
    totals = Totals()
    totals.add(removed, sign=-1)
    totals.add(added)
    totals.write()
    if settings.TARIFICADOR_CHECK_ROLLUPS:
        rollups_check()


def call_facts(calls: QuerySet[Call]) -> list[CallFact]:
    """The facts of a queryset of calls, as they are stored now."""
    return [CallFact(*row) for row in calls.order_by().values_list(*FACT_FIELDS)]


def rollups_rebuild(
    months: Iterable[dt.date], *, progress: Callable[[int], None] | None = None
) -> int:
    """Recompute the rollups of ``months`` (first days) from the calls; return calls read.

    Each month is rebuilt in its own transaction. ``progress(n)`` is told of every
    ``n`` calls read.
    """
    read = 0
    sites = list(Site.objects.all())
    for month in sorted(set(months)):
        following = (month + dt.timedelta(days=32)).replace(day=1)
        read += _month_rebuild(month, following, sites, progress)
    return read


@transaction.atomic
def _month_rebuild(
    month: dt.date,
    following: dt.date,
    sites: list[Site],
    progress: Callable[[int], None] | None,
) -> int:
    for model in ROLLUPS:
        key = model.KEYS[0]
        model._default_manager.filter(**{f"{key}__gte": month, f"{key}__lt": following}).delete()
    in_month = Q()
    for site in sites:  # each site's month runs between its own local midnights
        start = dt.datetime.combine(month, dt.time(), site.zone)
        end = dt.datetime.combine(following, dt.time(), site.zone)
        in_month |= Q(site_id=site.id, start__gte=start, start__lt=end)
    totals = Totals()
    read = 0
    calls = Call.objects.filter(in_month).order_by().values_list(*FACT_FIELDS)
    for batch in _batched(calls, 20_000):
        totals.add(batch)
        read += len(batch)
        if progress:
            progress(len(batch))
    totals.write()
    return read


def months_with_calls() -> list[dt.date]:
    """The first days of every month that has calls (in UTC, widened by a month each
    side so that every site's local month is covered)."""
    first = Call.objects.order_by("start").values_list("start", flat=True).first()
    last = Call.objects.order_by("-start").values_list("start", flat=True).first()
    if first is None or last is None:
        return []
    month = (first.date().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    months = []
    while month <= last.date() + dt.timedelta(days=1):
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def rollups_drift(*, limit: int = 10) -> list[str]:
    """Where the rollups differ from the sums of the calls (empty: they are equal).

    Reads every call: for tests and for ``rebuild_rollups --check``, not for pages.
    """
    totals = Totals()
    for facts in _batched(Call.objects.order_by().values_list(*FACT_FIELDS), 20_000):
        totals.add(facts)
    drift = []
    for model, expected in totals.sums().items():
        stored = {
            tuple(row[: len(model.KEYS)]): tuple(row[len(model.KEYS) :])
            for row in model._default_manager.values_list(*model.KEYS, *model.MEASURES)
        }
        for key in sorted(expected.keys() | stored.keys(), key=str):
            if expected.get(key) != stored.get(key):
                drift.append(
                    f"{model.__name__} {key}: stored {stored.get(key)}, "
                    f"calls give {expected.get(key)}"
                )
    return drift[:limit]


def rollups_check() -> None:
    """Raise ``AssertionError`` when the rollups drifted from the calls.

    Billing's write services call it after every write when the setting
    ``TARIFICADOR_CHECK_ROLLUPS`` is on (the test settings turn it on), so a write
    path that forgets the rollups fails the test that took it.
    """
    drift = rollups_drift()
    if drift:
        raise AssertionError("rollups differ from the calls:\n" + "\n".join(drift))


def _batched(rows: QuerySet[Any, tuple[Any, ...]], size: int) -> Iterator[list[CallFact]]:
    batch: list[CallFact] = []
    for row in rows.iterator(chunk_size=size):
        batch.append(CallFact(*row))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
