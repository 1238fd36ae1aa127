"""Reads of the calls and their rollups that more than one caller needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet

from org.models import Site
from org.selectors import departments_visible_to
from rating.models import RatePlan

from .fixed_charges import fixed_by_department as fixed_by_department
from .fixed_charges import fixed_by_extension as fixed_by_extension
from .models import (
    Call,
    DailyRollup,
    DestinationRollup,
    HourlyRollup,
    MonthlyRollup,
    Rollup,
)


def calls_visible_to(user) -> QuerySet[Call]:
    """Calls ``user`` may read: all for administrators, their departments' for managers."""
    calls = Call.objects.select_related("site", "source", "extension", "trunk")
    visible = departments_visible_to(user)
    if visible is None:
        return calls
    return calls.filter(department_id__in=visible)


class BilledCall(NamedTuple):
    """What a carrier's invoice line is compared with (reports.reconcile)."""

    id: int
    start: dt.datetime
    normalized_number: str
    number: str
    duration_seconds: int
    cost: Decimal | None
    extension: str


def calls_answered_outgoing(
    site: Site, start: dt.datetime, end: dt.datetime, *, trunk: str = ""
) -> list[BilledCall]:
    """The site's answered outgoing calls that started in ``[start, end)`` (of one of
    its trunks, when named): what a carrier bills."""
    calls = Call.objects.filter(
        site=site, direction="outgoing", answered=True, start__gte=start, start__lt=end
    )
    if trunk:
        calls = calls.filter(trunk__name=trunk)
    fields = ("id", "start", "normalized_number", "number", "duration_seconds", "cost")
    rows = calls.order_by("start", "id").values_list(*fields, "extension__number")
    return [BilledCall(*row[:-1], row[-1] or "") for row in rows]


def calls_before_count(plan: RatePlan, day: dt.date) -> int:
    """How many stored calls of the sites priced by ``plan`` started before ``day``,
    at local midnight of each site: the calls that rates starting that day do not price."""
    before = Q()
    for site_id, zone in Site.objects.filter(rate_plan=plan).values_list("pk", "time_zone"):
        midnight = dt.datetime.combine(day, dt.time(), ZoneInfo(zone))
        before |= Q(site_id=site_id, start__lt=midnight)
    if not before:
        return 0
    return Call.objects.filter(before).count()


def calls_unrated_reasons(
    *, month: dt.date, departments: Iterable[int] | None = None, limit: int = 3
) -> list[tuple[str, int]]:
    """Why calls of ``month`` have no price: the ``limit`` commonest ``unrated_reason``
    values with their counts, most first.

    ``month`` is a first day; each site's calls are taken in its own local month, as
    the rollups count them. ``departments`` narrows to those departments' calls, as
    ``calls_visible_to`` and the rollup selectors do (``None``: every call, including
    those of no department). One grouped query over the month's calls: callers ask
    only when the rollups say some call is unrated.
    """
    following = (month + dt.timedelta(days=32)).replace(day=1)
    in_month = Q(pk__in=[])
    for site in Site.objects.only("id", "time_zone"):
        in_month |= Q(
            site_id=site.pk,
            start__gte=dt.datetime.combine(month, dt.time(), site.zone),
            start__lt=dt.datetime.combine(following, dt.time(), site.zone),
        )
    calls = Call.objects.filter(in_month, cost__isnull=True)
    if departments is not None:
        calls = calls.filter(department_id__in=departments)
    rows = (
        calls.order_by()
        .values_list("unrated_reason")
        .annotate(count=Count("id"))
        .order_by("-count", "unrated_reason")[:limit]
    )
    return [(reason, count) for reason, count in rows]


def monthly_rollups(
    *, first: dt.date, last: dt.date | None = None, departments: Iterable[int] | None = None
) -> QuerySet[MonthlyRollup]:
    """Monthly totals from ``first`` to ``last`` (first days of months; ``last``
    defaults to ``first``), of ``departments`` only when given (``None``: all)."""
    return _rollups(MonthlyRollup, first, last, departments)


def daily_rollups(
    *, first: dt.date, last: dt.date, departments: Iterable[int] | None = None
) -> QuerySet[DailyRollup]:
    """Daily totals from ``first`` to ``last`` inclusive (the sites' local dates), of
    ``departments`` only when given (``None``: all)."""
    rows = DailyRollup.objects.filter(day__gte=first, day__lte=last)
    if departments is not None:
        rows = rows.filter(department_id__in=departments)
    return rows.order_by()


def destination_rollups(
    *, month: dt.date, departments: Iterable[int] | None = None
) -> QuerySet[DestinationRollup]:
    """A month's totals per destination, of ``departments`` only when given."""
    return _rollups(DestinationRollup, month, month, departments)


def hourly_rollups(
    *, month: dt.date, departments: Iterable[int] | None = None
) -> QuerySet[HourlyRollup]:
    """A month's totals per weekday and local hour, of ``departments`` only when given."""
    return _rollups(HourlyRollup, month, month, departments)


def _rollups(model: type[Rollup], first, last, departments) -> QuerySet:
    rows = model.objects.filter(month__gte=first, month__lte=last or first)
    if departments is not None:
        rows = rows.filter(department_id__in=departments)
    return rows.order_by()
