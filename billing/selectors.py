"""Reads of the calls and their rollups that more than one caller needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet

from capture.models import Source
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
_EVENTS = _INSTANTS * 4  # an event's number: trunk * _EVENTS + seconds * 4 + flags
# The outcomes by which a PBX says a call found every line busy, per family, as its
# parser keeps them in ``Call.details`` (key: values). Families not named here do not
# tell it apart from an unanswered call.
BLOCKED_OUTCOMES: dict[str, dict[str, tuple]] = {
    # Asterisk's disposition CONGESTION: no channel free (BUSY is the called party's).
    "asterisk-csv": {"disposition": ("CONGESTION",)},
    # FreeSWITCH's hangup causes for Q.850 34 and 42.
    "freeswitch-csv": {"hangup_cause": ("NORMAL_CIRCUIT_CONGESTION", "SWITCH_CONGESTION")},
    # Q.850 34 (no circuit or channel available) and 42 (switching equipment congestion).
    "cisco-cucm": {"orig_cause": (34, 42), "dest_cause": (34, 42)},
    # NEC's call class ALB: all lines busy.
    "nec": {"class": ("ALB",)},
}


@dataclass(frozen=True)
class TrunkHour:
    """One trunk (or group) in one hour of a period (``hour`` counts hours from its
    start) in which a call took or gave back one of its lines.

    ``net`` is the calls that took a line less those that gave one back in the hour,
    so the level an hour opens with is the sum of the ``net`` before it. ``peak`` is
    the highest level reached in the hour by a call taking or leaving a line, first
    at ``peak_offset`` seconds from the period's start. ``seconds`` is the line-seconds
    the hour's own events add to its traffic (each call that took a line counts to
    the hour's end, each that left one takes back the rest of the hour): the hour's
    traffic in Erlangs is ``(level it opens with * 3600 + seconds) / 3600``.
    """

    trunk_id: int
    hour: int
    net: int
    peak: int
    peak_offset: int
    seconds: int


@dataclass(frozen=True)
class TrunkTrafficRows:
    """``trunk_traffic_hours``'s answer: the hours with events, and the calls that
    started in the period per trunk (calls of no length included)."""

    hours: list[TrunkHour]
    calls: dict[int, int]


def _epoch_sql(vendor: str) -> str:
    """Whole seconds since 1970 of ``start``, in the database's own dialect."""
    if vendor == "postgresql":
        return "CAST(date_part('epoch', start) AS bigint)"
    return "CAST(strftime('%%s', start) AS INTEGER)"  # SQLite stores UTC text


def trunk_traffic_hours(
    *,
    site_id: int,
    start: dt.datetime,
    end: dt.datetime,
    counted_as: dict[int, int] | None = None,
) -> TrunkTrafficRows:
    """Every trunk of a site with calls in ``[start, end)``, hour by hour.

    ``counted_as`` (trunk id: an id) sweeps the calls of those trunks only, each under
    the id it maps to, so that the calls of a group of trunks are swept together (its
    concurrency is of its calls at once, not the sum of its trunks' peaks); without
    it, each trunk is its own.

    Computed in the database, in one query whose answer is a row per trunk and hour,
    never per call: a sweep over the calls' starts (+1) and ends (-1) in time order
    (a running ``SUM() OVER``), an end at the same instant as a start coming first,
    so that back-to-back calls do not overlap. The same events give each hour's
    traffic, each call clipped to the hour and to the period (see ``TrunkHour``), and
    its calls. ``start`` should be a whole hour of the site's clock: hours are counted
    from it. Calls started before the period that still hold a line in it count in
    its traffic and concurrency but not in its ``calls``.

    The starts and the ends are read by two scans of the period's calls that
    PostgreSQL runs in parallel: faster, measured, than one scan into a materialized
    CTE read twice, and than sorting the events on plain columns (trunk, instant,
    +1/-1) instead of one packed number (bench/trunks.py, docs/reports.md).
    """
    from django.db import connection, transaction

    origin = int(start.timestamp())
    period = int((end - start).total_seconds())
    if period <= 0 or counted_as == {}:
        return TrunkTrafficRows(hours=[], calls={})
    if period >= _INSTANTS:
        raise ValueError("a traffic period is at most a month")
    epoch = _epoch_sql(connection.vendor)
    key_params: list[int] = []
    if counted_as is None:
        key, which = "trunk_id", "trunk_id IS NOT NULL"
    else:
        key = "CASE trunk_id" + " WHEN %s THEN %s" * len(counted_as) + " END"
        for trunk, counted in counted_as.items():
            key_params += [trunk, counted]
        which = "trunk_id IN (" + ", ".join(["%s"] * len(counted_as)) + ")"
    calls_sql = (
        f"SELECT {key} AS trunk, {epoch} - %s AS s, "  # noqa: S608 (placeholders only)
        f"{epoch} - %s + ring_seconds + duration_seconds AS e "
        f"FROM billing_call WHERE site_id = %s AND {which} "
        "AND start >= %s AND start < %s"
    )
    # The sweep: one number per event, sorted once: the trunk, the instant (seconds *
    # 4), 2 for a start (0 for an end, so that at equal instants the ends come first)
    # and 1 for a call that started in the period (counted in its calls). Each call
    # is clipped to the period; ends after it are kept (at its end) so that each
    # trunk's events add up to zero and one running sum serves every trunk. A call of
    # no length gives a start and an end at the same instant: it counts, holds nothing.
    sql = (
        "WITH ev AS ("  # noqa: S608 (numbers only)
        f" SELECT trunk * %s + (CASE WHEN s < 0 THEN 0 ELSE s END) * 4 + 2"
        f" + (CASE WHEN s < 0 THEN 0 ELSE 1 END) AS key FROM ({calls_sql}) AS c1"
        " WHERE e > 0 OR s >= 0"
        f" UNION ALL SELECT trunk * %s + (CASE WHEN e > %s THEN %s ELSE e END) * 4"
        f" FROM ({calls_sql}) AS c2 WHERE e > 0 OR s >= 0), "
        "run AS (SELECT key, SUM(CASE WHEN key %% 4 >= 2 THEN 1 ELSE -1 END)"
        " OVER (ORDER BY key ROWS UNBOUNDED PRECEDING) AS level FROM ev), "
        # An end belongs to the hour it closes (an end at 11:00:00 is the last instant
        # of 10:00-11:00, when the line was still held): an hour's net then gives the
        # level the next hour opens with.
        "moment AS (SELECT trunk, t, up, fresh, level,"
        " CASE WHEN up = 0 THEN (t - 1) / 3600 ELSE t / 3600 END AS hour FROM ("
        "  SELECT key / %s AS trunk, key %% %s / 4 AS t, key %% 4 / 2 AS up,"
        "  key %% 2 AS fresh, level FROM run"
        " ) AS decoded) "
        "SELECT trunk, hour, SUM(2 * up - 1), MAX(level * %s - t),"
        " SUM((2 * up - 1) * ((hour + 1) * 3600 - t)), SUM(fresh)"
        " FROM moment GROUP BY trunk, hour"
    )
    bounds = [
        *key_params,
        origin,
        origin,
        site_id,
        *(counted_as or ()),
        # As the ORM would pass them: SQLite compares the stored UTC text, and an
        # aware datetime's "+00:00" would let in a call starting at ``end`` exactly.
        connection.ops.adapt_datetimefield_value(
            start - dt.timedelta(seconds=_LONGEST_CALL_SECONDS)
        ),
        connection.ops.adapt_datetimefield_value(end),
    ]
    params = [
        _EVENTS,
        *bounds,
        _EVENTS,
        period,
        period,
        *bounds,
        _EVENTS,
        _EVENTS,
        _INSTANTS,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sweep sorts two events per call of the month (1.7 million at the
            # density of the 10M-call store): in memory, not spilled to disk with the
            # default 4 MB; and compiling this query (JIT) took 2.5 s, several times
            # what running it takes. One statement: both are local to the transaction.
            cursor.execute(
                "SELECT set_config('work_mem', '256MB', true), set_config('jit', 'off', true)"
            )
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    hours, calls = [], {}
    for trunk, hour, net, packed, seconds, fresh in rows:
        calls[trunk] = calls.get(trunk, 0) + int(fresh)
        packed, net = int(packed), int(net)
        level = -(-packed // _INSTANTS)  # packed = level * _INSTANTS - offset
        hours.append(
            TrunkHour(
                trunk_id=trunk,
                hour=hour,
                net=net,
                peak=level,
                peak_offset=level * _INSTANTS - packed,
                seconds=int(seconds),
            )
        )
    hours.sort(key=lambda row: (row.trunk_id, row.hour))
    return TrunkTrafficRows(hours=hours, calls=calls)


def trunk_blocked_calls(
    *, site_id: int, start: dt.datetime, end: dt.datetime
) -> dict[int, int] | None:
    """Per trunk, the calls started in ``[start, end)`` that the PBX says found every
    line busy (``BLOCKED_OUTCOMES``); ``None`` when no source of the site is of a
    family that says it (then nothing tells those calls from unanswered ones)."""
    families = set(Source.objects.filter(site_id=site_id).values_list("family", flat=True))
    found = Q()
    for family in sorted(families):
        for key, values in BLOCKED_OUTCOMES.get(family, {}).items():
            found |= Q(**{f"details__{key}__in": list(values)})
    if not found:
        return None
    rows = (
        Call.objects.filter(site_id=site_id, start__gte=start, start__lt=end, trunk__isnull=False)
        .filter(found)
        .values("trunk")
        .annotate(blocked=Count("id"))
        .order_by()
    )
    return {row["trunk"]: row["blocked"] for row in rows}


def price_explanation(call: Call) -> dict:
    """What ``rating/price_explanation.html`` shows of ``call``: the steps of
    ``GET /api/v1/calls/{id}/explain/`` (today's tariff) beside the stored price."""
    from rating.services import call_explain

    from .services import CALL_COST_MAX

    price = call_explain(site=call.site, call=call, max_cost=CALL_COST_MAX, trunk=call.trunk)
    stored = None if call.cost is None else f"{call.cost:.4f}"
    current = None if price.cost is None else f"{price.cost:.4f}"
    steps = [
        {
            "step": step["step"],
            "value": step["value"],
            "details": [
                (name.replace("_", " "), value)
                for name, value in step.items()
                if name not in ("step", "value")
            ],
        }
        for step in price.steps
    ]
    return {
        "steps": steps,
        "current_cost": current,
        "stored_cost": stored,
        "matches": stored == current,
        "currency": call.currency,
        "unrated_reason": price.unrated_reason,
    }
