"""Reads of the calls and their rollups that more than one caller needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet

from org.models import Site
from org.selectors import departments_visible_to
from rating.models import RatePlan

from .models import (
    Call,
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


# ---------------------------------------------------------------- trunk traffic

# A call holds its trunk from its start until start + ring + conversation: the line
# is seized while the call rings (an outgoing call's dialling and ringing, an incoming
# call waiting to be answered), so ringing counts as traffic. Calls last at most
# a week (smdr.parsers.limits.MAX_DURATION) and ring at most an hour: the calls that
# may still hold a line when a period begins started no earlier than this before it.
_LONGEST_CALL_SECONDS = 7 * 86400 + 3600
# Packs (level, instant) into one number so that MAX() finds the highest level and,
# among equal levels, the earliest instant: level * _INSTANTS - seconds, where the
# seconds into the period are fewer than _INSTANTS (a month has at most 745 hours).
_INSTANTS = 1 << 22
_HOUR = 3600


@dataclass(frozen=True)
class TrunkHour:
    """One trunk in one hour of a period (``hour`` counts hours from its start).

    ``calls`` started in the hour; ``seconds`` is how long the trunk's lines were held
    in it (each call clipped to the hour: ``seconds / 3600`` is the hour's traffic in
    Erlangs). ``net`` is the calls that took a line less those that gave one back in
    the hour, so the level an hour opens with is the sum of the ``net`` before it.
    ``peak`` is the highest level reached by a call taking or leaving a line in the
    hour, first at ``peak_offset`` seconds from the period's start (``None``: no call
    took or left a line in the hour).
    """

    trunk_id: int
    hour: int
    calls: int = 0
    seconds: int = 0
    peak: int = 0
    peak_offset: int | None = None
    net: int = 0


def _epoch_sql(vendor: str) -> str:
    """Whole seconds since 1970 of ``start``, in the database's own dialect."""
    if vendor == "postgresql":
        return "CAST(date_part('epoch', start) AS bigint)"
    return "CAST(strftime('%%s', start) AS INTEGER)"  # SQLite stores UTC text


def trunk_traffic_hours(*, site_id: int, start: dt.datetime, end: dt.datetime) -> list[TrunkHour]:
    """Every trunk of a site with traffic in ``[start, end)``, hour by hour.

    Computed in the database, in two queries whose answer grows with the trunks and
    hours, never with the calls: the concurrency by a sweep over the calls' starts
    (+1) and ends (-1) in time order (a running ``SUM() OVER``), an end at the same
    instant as a start coming first, so back-to-back calls do not overlap; the
    traffic by each call's seconds in each hour it spans (clipped to the hour and to
    the period). ``start`` should be a whole hour of the site's clock: hours are
    counted from it. Calls started before the period that still hold a line in it
    count in its traffic and concurrency but not in its ``calls``.
    """
    from django.db import connection

    origin = int(start.timestamp())
    period = int((end - start).total_seconds())
    if period <= 0:
        return []
    if period >= _INSTANTS:
        raise ValueError("a traffic period is at most a month")
    epoch = _epoch_sql(connection.vendor)
    # The calls that may hold a line in the period: seconds from its start.
    calls_sql = (
        f"SELECT trunk_id AS trunk, {epoch} - %s AS s, "  # noqa: S608 (no user text)
        f"{epoch} - %s + ring_seconds + duration_seconds AS e "
        "FROM billing_call WHERE site_id = %s AND trunk_id IS NOT NULL "
        "AND start >= %s AND start < %s"
    )
    calls_params = [
        origin,
        origin,
        site_id,
        start - dt.timedelta(seconds=_LONGEST_CALL_SECONDS),
        end,
    ]
    sweep_sql = (
        f"WITH c AS ({calls_sql}), "  # noqa: S608 (no user text: numbers as parameters)
        "ev AS ("
        " SELECT trunk, CASE WHEN s < 0 THEN 0 ELSE s END AS t, 1 AS d FROM c"
        " WHERE e > 0 AND e > s"
        " UNION ALL"
        " SELECT trunk, e AS t, -1 AS d FROM c WHERE e > 0 AND e > s AND e < %s"
        "), run AS ("
        " SELECT trunk, t, d,"
        " SUM(d) OVER (PARTITION BY trunk ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS level"
        " FROM ev"
        ") "
        # An end belongs to the hour it closes (an end at 11:00:00 is the last
        # instant of 10:00-11:00, when the line was still held): the hour's net then
        # gives the level the next hour opens with.
        "SELECT trunk, CASE WHEN d < 0 THEN (t - 1) / 3600 ELSE t / 3600 END AS hour,"
        " SUM(d), MAX(level * %s - t)"
        " FROM run GROUP BY trunk, CASE WHEN d < 0 THEN (t - 1) / 3600 ELSE t / 3600 END"
    )
    traffic_sql = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s), "  # noqa: S608
        f"held AS ({calls_sql}), "
        "c AS ("
        " SELECT trunk, CASE WHEN s < 0 THEN 0 ELSE s END AS s,"
        " CASE WHEN e > %s THEN %s ELSE e END AS e, CASE WHEN s >= 0 THEN 1 ELSE 0 END AS fresh"
        " FROM held WHERE e > 0 OR s >= 0"
        "), part AS ("
        " SELECT trunk, s / 3600 AS hour, fresh AS calls,"
        " CASE WHEN e < (s / 3600 + 1) * 3600 THEN e ELSE (s / 3600 + 1) * 3600 END - s AS seconds"
        " FROM c"
        " UNION ALL"
        " SELECT trunk, s / 3600 + n.i AS hour, 0 AS calls,"
        " CASE WHEN e < (s / 3600 + n.i + 1) * 3600 THEN e ELSE (s / 3600 + n.i + 1) * 3600 END"
        " - (s / 3600 + n.i) * 3600 AS seconds"
        " FROM c JOIN n ON n.i <= (e - 1) / 3600 - s / 3600"
        " WHERE e - 1 >= (s / 3600 + 1) * 3600"
        ") "
        "SELECT trunk, hour, SUM(calls), SUM(seconds) FROM part GROUP BY trunk, hour"
    )
    hours: dict[tuple[int, int], dict] = {}
    with connection.cursor() as cursor:
        cursor.execute(traffic_sql, [-(-period // _HOUR), *calls_params, period, period])
        for trunk, hour, calls, seconds in cursor.fetchall():
            hours[(trunk, hour)] = {"calls": int(calls), "seconds": int(seconds)}
        cursor.execute(sweep_sql, [*calls_params, period, _INSTANTS])
        for trunk, hour, net, packed in cursor.fetchall():
            packed = int(packed)
            level = -(-packed // _INSTANTS)  # packed = level * _INSTANTS - offset
            row = hours.setdefault((trunk, hour), {"calls": 0, "seconds": 0})
            row.update(net=int(net), peak=level, peak_offset=level * _INSTANTS - packed)
    result = []
    for (trunk, hour), row in sorted(hours.items()):
        result.append(TrunkHour(trunk_id=trunk, hour=hour, **row))
    return result
