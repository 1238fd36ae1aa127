"""Trunk traffic: how busy each trunk was in a month, and how many lines it needs.

For each trunk and month (the site's local month and clock hours): the calls, the
most calls at once (peak concurrency) and when it was first reached, the busy hour
(the clock hour with the most traffic) and its traffic in Erlangs (the seconds the
trunk's lines were held in that hour, each call clipped to it, over 3,600), the
probability that a call found every line busy at that traffic with the trunk's
``lines`` (Erlang B), and the lines that would keep it at or under 1 % (the usual
grade of service).

Trunks may belong to a group (``org.TrunkGroup``, two E1 to one carrier): a group gets
the same figures, from its trunks' calls taken together (its peak is of its calls at
once, not the sum of its trunks' peaks), against its trunks' lines added up (unknown
when any trunk's is). Where the PBX says a call found every line busy
(``billing.selectors.BLOCKED_OUTCOMES``), ``blocked_reported`` counts those calls;
it is ``None`` for the sites whose PBX families do not tell them apart.

A call holds a line from its start until start + ring + conversation: the trunk is
seized while the call rings, so unanswered calls are traffic too. The figures are
computed in the database (``billing.selectors.trunk_traffic_hours``), never by
reading a month of calls into Python.

Scope: trunks are the site's, shared by every department, and their figures tell
everyone's calls apart from no one's; so the report is for administrators only, and
managers are refused (``TrunkReportRefused``, 403) rather than shown a part of it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from billing.selectors import TrunkHour, trunk_blocked_calls, trunk_traffic_hours
from core.errors import DomainError
from org.models import Site, Trunk, TrunkGroup
from org.selectors import departments_visible_to

from .dashboard import WEEKDAYS
from .selectors import month_following

GRADE_OF_SERVICE = 0.01
HEAT_LEVELS = 5
# Lines a trunk could need are found by counting up; a busy-hour traffic this high is
# a data error (calls that never end), not a trunk: stop there.
MOST_LINES = 10_000


class SiteNotFound(DomainError):
    """No site with that slug."""

    status_code = 404


class TrunkReportRefused(DomainError):
    """Someone other than an administrator asked for the trunk report."""

    status_code = 403


def erlang_b(traffic: float, lines: int) -> float:
    """The probability that a call finds all ``lines`` busy at ``traffic`` Erlangs.

    The stable recurrence B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1)), which never
    forms the factorials of the textbook formula. ``erlang_b(10, 15)`` ≈ 0.0365.
    """
    if lines < 0 or traffic < 0:
        raise ValueError("traffic and lines are not negative")
    blocking = 1.0
    for n in range(1, lines + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def lines_needed(traffic: float, grade: float = GRADE_OF_SERVICE) -> int | None:
    """The fewest lines that carry ``traffic`` Erlangs with a blocking probability at
    or under ``grade`` (18 for 10 Erlangs at 1 %); 0 with no traffic, ``None`` past
    ``MOST_LINES``."""
    if traffic <= 0:
        return 0
    blocking, lines = 1.0, 0
    while blocking > grade:
        lines += 1
        if lines > MOST_LINES:
            return None
        blocking = traffic * blocking / (lines + traffic * blocking)
    return lines


@dataclass(frozen=True)
class HourTraffic:
    """One local clock hour of a trunk: its traffic and the most calls at once."""

    start: dt.datetime  # aware, in the site's zone
    erlangs: float
    peak: int


@dataclass(frozen=True)
class TrunkTraffic:
    """One trunk's (or one group's) month (see the module's docstring for each
    figure). For a group, ``trunk_id`` and ``trunk`` are the group's id and name."""

    site_slug: str
    site_name: str
    trunk_id: int
    trunk: str
    description: str
    lines: int | None
    calls: int
    peak_concurrent: int
    peak_at: dt.datetime | None  # aware, site's zone; None without calls
    busy_hour_start: dt.datetime | None
    busy_hour_erlangs: float
    blocking: float | None  # None when ``lines`` is not known
    lines_for_1pct: int | None
    hours: tuple[HourTraffic, ...] = ()  # every hour of the month, in order
    blocked_reported: int | None = None  # None: the site's PBX does not say
    group: str | None = None  # a trunk's group's name
    members: tuple[str, ...] = ()  # a group's trunks' names

    @property
    def busiest_day(self) -> tuple[HourTraffic, ...]:
        """The hours of the local day holding the busy hour (empty without traffic)."""
        if self.busy_hour_start is None:
            return ()
        day = self.busy_hour_start.date()
        return tuple(hour for hour in self.hours if hour.start.date() == day)

    @property
    def blocking_percent(self) -> Decimal | None:
        """``blocking`` as a percentage with two places, for the page."""
        if self.blocking is None:
            return None
        return Decimal(self.blocking * 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class TrunkReport:
    month: dt.date
    site: Site | None
    trunks: tuple[TrunkTraffic, ...]
    groups: tuple[TrunkTraffic, ...] = ()


def trunk_report_allowed(user) -> bool:
    """Administrators (who see every department) may read the trunk report."""
    return departments_visible_to(user) is None


def trunk_report(*, month: dt.date, user, site_slug: str | None = None) -> TrunkReport:
    """Every trunk's traffic in ``month`` (first day), of one site when ``site_slug``.

    Raises ``TrunkReportRefused`` for anyone but an administrator and
    ``SiteNotFound`` for an unknown slug. Per site with trunks: the sweep of its
    trunks, one of its groups when it has any, and the count of the calls its PBX
    says were blocked when its families report them.
    """
    if not trunk_report_allowed(user):
        raise TrunkReportRefused(
            _("The trunk report is for administrators: trunks carry the calls of every department.")
        )
    site = None
    sites = Site.objects.order_by("name", "slug")
    if site_slug:
        site = sites.filter(slug=site_slug).first()
        if site is None:
            raise SiteNotFound(_("There is no site %(slug)r.") % {"slug": site_slug})
        sites = sites.filter(pk=site.pk)
    trunks_by_site: defaultdict[int, list[Trunk]] = defaultdict(list)
    trunk_rows = Trunk.objects.filter(site__in=sites).select_related("group").order_by("name", "pk")
    for trunk in trunk_rows:
        trunks_by_site[trunk.site_id].append(trunk)
    result, groups = [], []
    for each in sites:
        if each.pk in trunks_by_site:
            site_trunks, site_groups = _site_trunks(each, trunks_by_site[each.pk], month)
            result.extend(site_trunks)
            groups.extend(site_groups)
    return TrunkReport(month=month, site=site, trunks=tuple(result), groups=tuple(groups))


def _site_trunks(
    site: Site, trunks: list[Trunk], month: dt.date
) -> tuple[list[TrunkTraffic], list[TrunkTraffic]]:
    zone = site.zone
    start = dt.datetime.combine(month, dt.time(), zone).astimezone(dt.UTC)
    end = dt.datetime.combine(month_following(month), dt.time(), zone).astimezone(dt.UTC)
    count = -(-int((end - start).total_seconds()) // 3600)
    blocked = trunk_blocked_calls(site_id=site.pk, start=start, end=end)
    by_trunk = _by_id(trunk_traffic_hours(site_id=site.pk, start=start, end=end))
    lines = [
        _line(
            site,
            trunk,
            start,
            count,
            by_trunk,
            blocked=None if blocked is None else blocked.get(trunk.pk, 0),
        )
        for trunk in trunks
    ]
    members: defaultdict[int, list[Trunk]] = defaultdict(list)
    for trunk in trunks:
        if trunk.group is not None:
            members[trunk.group_id].append(trunk)
    if not members:
        return lines, []
    traffic = trunk_traffic_hours(
        site_id=site.pk,
        start=start,
        end=end,
        counted_as={trunk.pk: group for group, each in members.items() for trunk in each},
    )
    by_group = _by_id(traffic)
    groups = sorted(
        {trunk.group_id: trunk.group for each in members.values() for trunk in each}.values(),
        key=lambda group: (group.name, group.pk),
    )
    return lines, [
        _line(
            site,
            group,
            start,
            count,
            by_group,
            blocked=None
            if blocked is None
            else sum(blocked.get(trunk.pk, 0) for trunk in members[group.pk]),
            members=members[group.pk],
        )
        for group in groups
    ]


def _by_id(traffic) -> tuple[defaultdict[int, dict[int, TrunkHour]], dict[int, int]]:
    hours: defaultdict[int, dict[int, TrunkHour]] = defaultdict(dict)
    for row in traffic.hours:
        hours[row.trunk_id][row.hour] = row
    return hours, traffic.calls


def _line(
    site: Site,
    what: Trunk | TrunkGroup,
    start: dt.datetime,
    count: int,
    traffic: tuple[defaultdict[int, dict[int, TrunkHour]], dict[int, int]],
    *,
    blocked: int | None,
    members: list[Trunk] | None = None,
) -> TrunkTraffic:
    """A trunk's, or with ``members`` a group's, figures from its sweep."""
    if members is None:
        assert isinstance(what, Trunk)
        lines, group = what.lines, (what.group.name if what.group else None)
    else:
        known = [trunk.lines for trunk in members]
        lines = None if None in known else sum(known)  # type: ignore[arg-type]
        group = None
    hours, calls = traffic
    return _trunk_traffic(
        site,
        what,
        lines,
        start,
        count,
        hours.get(what.pk, {}),
        calls.get(what.pk, 0),
        blocked=blocked,
        group=group,
        members=tuple(trunk.name for trunk in members or ()),
    )


def _trunk_traffic(
    site: Site,
    trunk: Trunk | TrunkGroup,
    trunk_lines: int | None,
    start: dt.datetime,
    count: int,
    rows: dict[int, TrunkHour],
    calls: int,
    *,
    blocked: int | None,
    group: str | None,
    members: tuple[str, ...],
) -> TrunkTraffic:
    zone = site.zone
    hours = []
    level = 0  # calls holding a line as the hour opens
    peak, peak_offset = 0, None
    for index in range(count):
        row = rows.get(index)
        hour_peak, seconds = level, level * 3600
        if row is not None:
            if row.peak > peak:
                peak, peak_offset = row.peak, row.peak_offset
            hour_peak = max(level, row.peak)
            seconds += row.seconds
            level += row.net
        hours.append(
            HourTraffic(
                start=(start + dt.timedelta(hours=index)).astimezone(zone),
                erlangs=seconds / 3600,
                peak=hour_peak,
            )
        )
    busy = max(hours, key=lambda hour: hour.erlangs, default=None)  # first of equals
    if busy is not None and busy.erlangs <= 0:
        busy = None
    traffic = busy.erlangs if busy else 0.0
    return TrunkTraffic(
        site_slug=site.slug,
        site_name=site.name,
        trunk_id=trunk.pk,
        trunk=trunk.name,
        description=trunk.description,
        lines=trunk_lines,
        calls=calls,
        peak_concurrent=peak,
        peak_at=None
        if peak_offset is None
        else (start + dt.timedelta(seconds=peak_offset)).astimezone(zone),
        busy_hour_start=busy.start if busy else None,
        busy_hour_erlangs=traffic,
        blocking=None if trunk_lines is None else erlang_b(traffic, trunk_lines),
        lines_for_1pct=lines_needed(traffic),
        hours=tuple(hours),
        blocked_reported=blocked,
        group=group,
        members=members,
    )


@dataclass(frozen=True)
class HeatCell:
    hour: int
    erlangs: float  # mean traffic of that weekday and hour over the month
    level: int  # 0: no traffic; 1..HEAT_LEVELS from quiet to busiest


@dataclass(frozen=True)
class HeatRow:
    weekday: str
    cells: tuple[HeatCell, ...]


def trunk_heat_map(traffic: TrunkTraffic) -> tuple[HeatRow, ...]:
    """The mean traffic per local weekday and hour of the month, shaded."""
    sums: defaultdict[tuple[int, int], float] = defaultdict(float)
    days: defaultdict[tuple[int, int], int] = defaultdict(int)
    for hour in traffic.hours:
        key = (hour.start.weekday(), hour.start.hour)
        sums[key] += hour.erlangs
        days[key] += 1
    means = {key: sums[key] / days[key] for key in sums}
    top = max(means.values(), default=0.0)

    def level(value: float) -> int:
        if value <= 0 or top <= 0:
            return 0
        return max(1, min(HEAT_LEVELS, math.ceil(value * HEAT_LEVELS / top)))

    return tuple(
        HeatRow(
            weekday=str(name),
            cells=tuple(
                HeatCell(
                    hour=hour,
                    erlangs=means.get((index, hour), 0.0),
                    level=level(means.get((index, hour), 0.0)),
                )
                for hour in range(24)
            ),
        )
        for index, name in enumerate(WEEKDAYS)
    )
