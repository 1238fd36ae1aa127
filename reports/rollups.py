"""Keeping the rollups equal to the sum of the calls.

Billing sends ``calls_changed`` in the transaction that stores or re-prices calls;
``rollups_apply`` turns those facts into per-key differences and adds them to the
rollup rows (one upsert per table), so totals stay exact without re-reading calls.
``rollups_rebuild`` recomputes whole months from the calls, for repairs and upgrades.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from billing.models import Call, Site
from billing.signals import CallFact
from core.bulk import upsert_add

from .models import DailyRollup, DestinationRollup, HourlyRollup, MonthlyRollup

ROLLUPS = (DailyRollup, MonthlyRollup, DestinationRollup, HourlyRollup)
ZERO = Decimal(0)


class Totals:
    """Differences per rollup key, summed in memory before they are written."""

    def __init__(self) -> None:
        self.rows: dict[type, defaultdict[tuple, list]] = {
            model: defaultdict(lambda: [0, 0, 0, 0, ZERO]) for model in ROLLUPS
        }
        self._zones: dict[int, dt.tzinfo] = {}

    def add(self, facts: Iterable[CallFact], sign: int = 1) -> None:
        daily, monthly, destinations, hourly = (self.rows[model] for model in ROLLUPS)
        for fact in facts:
            local = fact.start.astimezone(self._zone(fact.site_id))
            day = local.date()
            month = day.replace(day=1)
            department = fact.department_id or 0
            dimensions = (
                fact.site_id,
                department,
                fact.extension_id or 0,
                fact.direction,
                fact.category,
            )
            measures = (
                sign,
                sign if fact.answered else 0,
                sign * fact.duration_seconds,
                sign * fact.ring_seconds,
                sign * (fact.cost or ZERO),
            )
            for totals, key in (
                (daily, (day, *dimensions)),
                (monthly, (month, *dimensions)),
                (destinations, (month, fact.site_id, department, fact.category, fact.destination)),
                (
                    hourly,
                    (month, fact.site_id, department, local.weekday(), local.hour, fact.direction),
                ),
            ):
                row = totals[key]
                for index, value in enumerate(measures):
                    row[index] += value

    def write(self) -> None:
        for model, totals in self.rows.items():
            rows = [(*key, *measures) for key, measures in totals.items() if any(measures)]
            upsert_add(model._meta.db_table, model.KEYS, model.MEASURES, rows)
            # A re-priced call may leave its old key with nothing in it.
            periods = {key[0] for key, measures in totals.items() if measures[0] < 0}
            if periods:
                model.objects.filter(**{f"{model.KEYS[0]}__in": periods}, calls=0).delete()
            totals.clear()

    def _zone(self, site_id: int) -> dt.tzinfo:
        if site_id not in self._zones:
            self._zones[site_id] = Site.objects.get(pk=site_id).zone
        return self._zones[site_id]


def rollups_apply(*, added: Iterable[CallFact] = (), removed: Iterable[CallFact] = ()) -> None:
    """Add ``added`` calls to the rollups and take ``removed`` ones out."""
    totals = Totals()
    totals.add(removed, sign=-1)
    totals.add(added)
    totals.write()


def on_calls_changed(sender, *, added, removed, **kwargs) -> None:
    rollups_apply(added=added, removed=removed)


FACT_FIELDS = (
    "site_id",
    "start",
    "department_id",
    "extension_id",
    "direction",
    "category",
    "destination",
    "answered",
    "duration_seconds",
    "ring_seconds",
    "cost",
)
assert CallFact._fields == FACT_FIELDS


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
def _month_rebuild(month, following, sites, progress) -> int:
    for model in ROLLUPS:
        key = model.KEYS[0]
        model.objects.filter(**{f"{key}__gte": month, f"{key}__lt": following}).delete()
    in_month = Q()
    for site in sites:  # each site's month runs between its own local midnights
        start = dt.datetime.combine(month, dt.time(), site.zone)
        end = dt.datetime.combine(following, dt.time(), site.zone)
        in_month |= Q(site_id=site.id, start__gte=start, start__lt=end)
    totals = Totals()
    read = 0
    batch: list[CallFact] = []
    calls = Call.objects.filter(in_month).order_by().values_list(*FACT_FIELDS)
    for row in calls.iterator(chunk_size=20_000):
        batch.append(CallFact(*row))
        if len(batch) == 20_000:
            totals.add(batch)
            read += len(batch)
            if progress:
                progress(len(batch))
            batch.clear()
    totals.add(batch)
    read += len(batch)
    if progress and batch:
        progress(len(batch))
    totals.write()
    return read


def months_with_calls() -> list[dt.date]:
    """The first days of every month that has calls (in UTC, widened by a month each
    side so that every site's local month is covered)."""
    first = Call.objects.order_by("start").values_list("start", flat=True).first()
    last = Call.objects.order_by("-start").values_list("start", flat=True).first()
    if first is None:
        return []
    month = (first.date().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    months = []
    while month <= last.date() + dt.timedelta(days=1):
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months
