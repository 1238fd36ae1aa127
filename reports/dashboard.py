"""What the dashboard shows: a month against the one before, a year's trend, the top
departments, extensions and destinations, missed calls, the busy hours and budgets.

Everything is read from the rollups (``billing.selectors``), never from the calls, and
summed by the database: a dozen small queries whatever the number of calls, so the
page stays fast on a store of tens of millions of calls. Scope is the reports' rule:
administrators see everything, a manager only their departments and those below.

Costs of sites with different currencies are never added together: each figure
that holds money keeps one amount per currency (``Money``), and the trend has one
series per currency.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.dates import WEEKDAYS as WEEKDAY_NAMES

from billing.selectors import (
    daily_rollups,
    destination_rollups,
    hourly_rollups,
    monthly_rollups,
)
from org.models import Department, Extension, Site
from org.selectors import departments_visible_to

from .budgets import budget_statuses
from .selectors import NO_DEPARTMENT_NAME, UnratedCalls, unrated_calls

TREND_MONTHS = 12
TOP = 5
ZERO = Decimal(0)
COST_QUANTUM = Decimal("0.0001")
PERCENT_QUANTUM = Decimal("0.1")
HEAT_LEVELS = 5  # shades of the heat map, besides "no calls"
WEEKDAYS = tuple(WEEKDAY_NAMES[day] for day in range(7))  # Monday first, lazily translated


def month_shift(month: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after (or before, when negative) ``month``."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole`` with one decimal; ``None`` when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT_QUANTUM, ROUND_HALF_UP)


def change(current: int | Decimal, previous: int | Decimal) -> Decimal | None:
    """The change from ``previous`` to ``current`` in percent; ``None`` with nothing before."""
    if not previous:
        return None
    return percent(Decimal(current) - Decimal(previous), previous)


Money = tuple[tuple[str, Decimal], ...]  # (currency, amount) per currency, sorted


def _money(amounts: dict[str, Decimal]) -> Money:
    return tuple(
        (currency, Decimal(amount or 0).quantize(COST_QUANTUM))
        for currency, amount in sorted(amounts.items())
    )


@dataclass(frozen=True)
class MonthFigures:
    """A month's totals: calls, answered calls, cost (``unrated`` calls have none and
    are not in it), and the incoming calls' ring. ``through``: the last day counted
    when only the first days of the month are (month to date), else ``None``."""

    month: dt.date
    through: dt.date | None = None
    calls: int = 0
    answered: int = 0
    cost: Money = ()
    unrated: int = 0
    incoming: int = 0
    incoming_answered: int = 0
    incoming_ring_seconds: int = 0

    @property
    def answered_percent(self) -> Decimal | None:
        return percent(self.answered, self.calls)

    @property
    def missed(self) -> int:
        """Incoming calls nobody answered."""
        return self.incoming - self.incoming_answered

    @property
    def missed_percent(self) -> Decimal | None:
        return percent(self.missed, self.incoming)

    @property
    def average_ring_seconds(self) -> Decimal | None:
        """How long an incoming call rang, on average (answered or not)."""
        if not self.incoming:
            return None
        return (Decimal(self.incoming_ring_seconds) / self.incoming).quantize(PERCENT_QUANTUM)

    def cost_in(self, currency: str) -> Decimal:
        return dict(self.cost).get(currency, ZERO.quantize(COST_QUANTUM))


@dataclass(frozen=True)
class Comparison:
    """One figure this month, last month (the same days of it, month to date) and the
    change between them (percent)."""

    current: int | Decimal | None
    previous: int | Decimal | None
    change: Decimal | None
    currency: str = ""
    previous_whole: int | Decimal | None = None  # all of last month (month to date)

    @property
    def rising(self) -> bool:
        return bool(self.change and self.change > 0)


@dataclass(frozen=True)
class Ranked:
    """A line of a "top" list: what it is, its calls and cost, and a link's parameters."""

    label: str
    detail: str
    calls: int
    seconds: int
    cost: Decimal
    currency: str
    share: Decimal | None = None  # of the month's cost in this currency, percent
    department_id: int | None = None
    extension_number: str = ""
    site_slug: str = ""


@dataclass(frozen=True)
class HeatCell:
    hour: int
    calls: int
    level: int  # 0: no calls; 1..HEAT_LEVELS from quiet to busiest


@dataclass(frozen=True)
class HeatRow:
    weekday: str
    cells: tuple[HeatCell, ...]


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard page shows for one month and one user.

    For the month in progress ``current`` is days 1 to today and ``previous`` the same
    days of the month before (``through`` set on both), so that a month three days
    old is not set against a whole month; ``previous_full`` is always the whole month
    before. For a past month ``previous`` is ``previous_full``.
    """

    month: dt.date
    current: MonthFigures
    previous: MonthFigures
    previous_full: MonthFigures
    comparisons: dict[str, Comparison]
    costs: tuple[Comparison, ...]  # one per currency
    trend: tuple[MonthFigures, ...]  # oldest first, ending with ``month``
    currencies: tuple[str, ...]
    top_departments: tuple[Ranked, ...]
    top_extensions: tuple[Ranked, ...]
    top_destinations: tuple[Ranked, ...]
    heat_map: tuple[HeatRow, ...]
    busiest: tuple[str, int, int] | None  # weekday, hour, calls
    budgets: tuple = field(default=())
    unrated: UnratedCalls | None = None  # the month's calls without a price, and why

    @property
    def has_calls(self) -> bool:
        return bool(self.current.calls)

    @property
    def to_date(self) -> bool:
        """Whether the month is in progress and compared day for day."""
        return self.current.through is not None


def _empty_sums() -> dict:
    return {
        "calls": 0,
        "answered": 0,
        "unrated": 0,
        "cost": defaultdict(Decimal),
        "incoming": 0,
        "incoming_answered": 0,
        "incoming_ring_seconds": 0,
    }


def _add_row(figures: dict, row, currencies: dict[int, str]) -> None:
    """Adds one grouped rollup row ``(site_id, direction, calls, answered, ring, cost,
    unrated)`` to ``figures``."""
    site_id, direction, calls, answered, ring, cost, unrated = row
    figures["calls"] += calls or 0
    figures["answered"] += answered or 0
    figures["unrated"] += unrated or 0
    figures["cost"][currencies.get(site_id, "")] += Decimal(cost or 0)
    if direction == "incoming":
        figures["incoming"] += calls or 0
        figures["incoming_answered"] += answered or 0
        figures["incoming_ring_seconds"] += ring or 0


def _figures(month: dt.date, figures: dict, through: dt.date | None = None) -> MonthFigures:
    return MonthFigures(
        month=month,
        through=through,
        calls=figures["calls"],
        answered=figures["answered"],
        cost=_money({c: a for c, a in figures["cost"].items() if a}),
        unrated=figures["unrated"],
        incoming=figures["incoming"],
        incoming_answered=figures["incoming_answered"],
        incoming_ring_seconds=figures["incoming_ring_seconds"],
    )


SUMS = {
    "sum_calls": Sum("calls"),
    "sum_answered": Sum("answered"),
    "sum_ring": Sum("ring_seconds"),
    "sum_cost": Sum("cost"),
    "sum_unrated": Sum("unrated"),
}


def _trend(
    month: dt.date, scope: set[int] | None, currencies: dict[int, str]
) -> list[MonthFigures]:
    """The twelve months ending with ``month``; one query grouped by month, site and
    direction (a few hundred rows at most)."""
    first = month_shift(month, -(TREND_MONTHS - 1))
    rows = (
        monthly_rollups(first=first, last=month, departments=scope)
        .order_by()
        .values_list("month", "site_id", "direction")
        .annotate(**SUMS)
    )
    sums = {month_shift(first, index): _empty_sums() for index in range(TREND_MONTHS)}
    for row_month, *row in rows:
        _add_row(sums[row_month], row, currencies)
    return [_figures(row_month, figures) for row_month, figures in sorted(sums.items())]


def month_days(month: dt.date) -> int:
    """How many days ``month`` (any day of it) has."""
    return (month_shift(month, 1) - month.replace(day=1)).days


def same_days_through(month: dt.date, day: int) -> dt.date:
    """The last day of ``month`` to compare with days 1 to ``day`` of the month after
    it: the same day, or the month's last when it is shorter (31 March is compared
    with all 28 days of February)."""
    return month.replace(day=min(day, month_days(month)))


def _days_figures(
    first: dt.date, last: dt.date, scope: set[int] | None, currencies: dict[int, str]
) -> MonthFigures:
    """The totals of the days ``first`` to ``last`` of one month (sites' local dates),
    from the daily rollups; one query grouped by site and direction."""
    rows = (
        daily_rollups(first=first, last=last, departments=scope)
        .values_list("site_id", "direction")
        .annotate(**SUMS)
    )
    figures = _empty_sums()
    for row in rows:
        _add_row(figures, row, currencies)
    return _figures(first.replace(day=1), figures, through=last)


def _minus(whole: MonthFigures, part: MonthFigures, through: dt.date) -> MonthFigures:
    """``whole`` without ``part`` (figures of the same month), counted to ``through``."""
    part_cost = dict(part.cost)
    return MonthFigures(
        month=whole.month,
        through=through,
        calls=whole.calls - part.calls,
        answered=whole.answered - part.answered,
        cost=_money(
            {c: a - part_cost.get(c, ZERO) for c, a in whole.cost if a != part_cost.get(c)}
        ),
        unrated=whole.unrated - part.unrated,
        incoming=whole.incoming - part.incoming,
        incoming_answered=whole.incoming_answered - part.incoming_answered,
        incoming_ring_seconds=whole.incoming_ring_seconds - part.incoming_ring_seconds,
    )


def _same_days(
    whole: MonthFigures, day: int, scope: set[int] | None, currencies: dict[int, str]
) -> MonthFigures:
    """Days 1 to ``day`` of the month ``whole`` totals (to its last day when shorter).

    Read from whichever side of the month is shorter: the days themselves, or the whole
    month (the monthly rollups, already read) less the days after: at most half a
    month of daily rollups, and none when the day is the month's last or later.
    """
    through = same_days_through(whole.month, day)
    days = month_days(whole.month)
    if through.day == days:
        return replace(whole, through=through)
    if through.day <= days // 2:
        return _days_figures(whole.month, through, scope, currencies)
    last = whole.month.replace(day=days)
    after = _days_figures(through + dt.timedelta(days=1), last, scope, currencies)
    return _minus(whole, after, through)


def _share(cost: Decimal, currency: str, current: MonthFigures) -> Decimal | None:
    return percent(cost, current.cost_in(currency))


def _top_departments(
    month: dt.date, scope, currencies: dict[int, str], current: MonthFigures
) -> list[Ranked]:
    """The departments whose own calls cost most (site currencies kept apart)."""
    rows = (
        monthly_rollups(first=month, departments=scope)
        .order_by()
        .values_list("department_id", "site_id")
        .annotate(sum_calls=Sum("calls"), sum_seconds=Sum("seconds"), sum_cost=Sum("cost"))
        .order_by("-sum_cost", "-sum_calls", "department_id")[: TOP * 2]
    )
    rows = list(rows)
    names = {
        pk: (code, name)
        for pk, code, name in Department.objects.filter(
            pk__in={row[0] for row in rows if row[0]}
        ).values_list("id", "code", "name")
    }
    ranked = []
    for department_id, site_id, calls, seconds, cost in rows:
        currency = currencies.get(site_id, "")
        code, name = names.get(department_id, ("", str(NO_DEPARTMENT_NAME)))
        cost = Decimal(cost or 0).quantize(COST_QUANTUM)
        ranked.append(
            Ranked(
                label=name,
                detail=code,
                calls=calls,
                seconds=seconds,
                cost=cost,
                currency=currency,
                share=_share(cost, currency, current),
                department_id=department_id or None,
            )
        )
    return _merge_sites(ranked, key=lambda line: (line.department_id, line.currency))[:TOP]


def _merge_sites(lines: list[Ranked], *, key) -> list[Ranked]:
    """Lines of one thing at several sites of the same currency, added together."""
    merged: dict = {}
    for line in lines:
        seen = merged.get(key(line))
        if seen is None:
            merged[key(line)] = line
        else:
            cost = seen.cost + line.cost
            merged[key(line)] = Ranked(
                label=seen.label,
                detail=seen.detail,
                calls=seen.calls + line.calls,
                seconds=seen.seconds + line.seconds,
                cost=cost,
                currency=seen.currency,
                share=None if seen.share is None else seen.share + (line.share or 0),
                department_id=seen.department_id,
                extension_number=seen.extension_number,
                site_slug=seen.site_slug,
            )
    return sorted(merged.values(), key=lambda line: (-line.cost, -line.calls, line.label))


def _top_extensions(
    month: dt.date, scope, sites: dict[int, Site], current: MonthFigures
) -> list[Ranked]:
    """The extensions whose calls cost most; calls with no extension are left out."""
    rows = list(
        monthly_rollups(first=month, departments=scope)
        .exclude(extension_id=0)
        .order_by()
        .values_list("extension_id", "site_id")
        .annotate(sum_calls=Sum("calls"), sum_seconds=Sum("seconds"), sum_cost=Sum("cost"))
        .order_by("-sum_cost", "-sum_calls", "extension_id")[:TOP]
    )
    extensions = {
        pk: (number, holder, department_id)
        for pk, number, holder, department_id in Extension.objects.filter(
            pk__in={row[0] for row in rows}
        ).values_list("id", "number", "holder", "department_id")
    }
    ranked = []
    for extension_id, site_id, calls, seconds, cost in rows:
        number, holder, _department = extensions.get(extension_id, ("?", "", None))
        site = sites.get(site_id)
        currency = site.currency if site else ""
        cost = Decimal(cost or 0).quantize(COST_QUANTUM)
        ranked.append(
            Ranked(
                label=number,
                detail=holder,
                calls=calls,
                seconds=seconds,
                cost=cost,
                currency=currency,
                share=_share(cost, currency, current),
                extension_number=number,
                site_slug=site.slug if site else "",
            )
        )
    return ranked


def _top_destinations(
    month: dt.date, scope, currencies: dict[int, str], current: MonthFigures
) -> list[Ranked]:
    """The named destinations that cost most (internal calls and unrated ones aside)."""
    rows = (
        destination_rollups(month=month, departments=scope)
        .exclude(destination="")
        .exclude(category="internal")
        .order_by()
        .values_list("destination", "category", "site_id")
        .annotate(sum_calls=Sum("calls"), sum_seconds=Sum("seconds"), sum_cost=Sum("cost"))
        .order_by("-sum_cost", "-sum_calls", "destination")[: TOP * 2]
    )
    ranked = []
    for destination, category, site_id, calls, seconds, cost in rows:
        currency = currencies.get(site_id, "")
        cost = Decimal(cost or 0).quantize(COST_QUANTUM)
        ranked.append(
            Ranked(
                label=destination,
                detail=category,
                calls=calls,
                seconds=seconds,
                cost=cost,
                currency=currency,
                share=_share(cost, currency, current),
            )
        )
    return _merge_sites(ranked, key=lambda line: (line.label, line.detail, line.currency))[:TOP]


def _heat_map(month: dt.date, scope) -> tuple[tuple[HeatRow, ...], tuple[str, int, int] | None]:
    """Calls per weekday and local hour, shaded from the quietest to the busiest hour."""
    rows = (
        hourly_rollups(month=month, departments=scope)
        .order_by()
        .values_list("weekday", "hour")
        .annotate(sum_calls=Sum("calls"))
    )
    counts = {(weekday, hour): calls or 0 for weekday, hour, calls in rows}
    peak = max(counts.values(), default=0)

    def level(calls: int) -> int:
        if calls <= 0 or peak <= 0:
            return 0
        return max(1, -(-calls * HEAT_LEVELS // peak))  # ceiling: any call shows

    heat = tuple(
        HeatRow(
            weekday=str(name),
            cells=tuple(
                HeatCell(
                    hour=hour,
                    calls=counts.get((index, hour), 0),
                    level=level(counts.get((index, hour), 0)),
                )
                for hour in range(24)
            ),
        )
        for index, name in enumerate(WEEKDAYS)
    )
    busiest = None
    if peak > 0:
        weekday, hour = min(key for key, calls in counts.items() if calls == peak)
        busiest = (str(WEEKDAYS[weekday]), hour, peak)
    return heat, busiest


def dashboard_data(*, user, month: dt.date, today: dt.date | None = None) -> Dashboard:
    """The dashboard of ``month`` (its first day) as ``user`` may see it. When
    ``today`` (default: the server's local date) is in ``month``, its figures are days
    1 to today, compared with the same days of the month before."""
    month = month.replace(day=1)
    today = today or timezone.localdate()
    scope = departments_visible_to(user)
    sites = {site.pk: site for site in Site.objects.all()}
    currencies = {pk: site.currency for pk, site in sites.items()}
    trend = _trend(month, scope, currencies)
    current, previous_full = trend[-1], trend[-2]
    previous = previous_full
    if today.replace(day=1) == month:
        # The month so far is all its calls (none starts after today), to the day.
        current = replace(current, through=today)
        previous = _same_days(previous_full, today.day, scope, currencies)
    seen = sorted({currency for figures in trend for currency, _ in figures.cost})
    if not seen:
        seen = sorted(set(currencies.values()))[:1]
    costs = tuple(
        Comparison(
            current=current.cost_in(currency),
            previous=previous.cost_in(currency),
            change=change(current.cost_in(currency), previous.cost_in(currency)),
            currency=currency,
            previous_whole=previous_full.cost_in(currency),
        )
        for currency in seen
    )
    comparisons = {
        "calls": Comparison(
            current.calls,
            previous.calls,
            change(current.calls, previous.calls),
            previous_whole=previous_full.calls,
        ),
        "answered_percent": Comparison(
            current.answered_percent,
            previous.answered_percent,
            None
            if current.answered_percent is None or previous.answered_percent is None
            else current.answered_percent - previous.answered_percent,
        ),
        "missed": Comparison(
            current.missed, previous.missed, change(current.missed, previous.missed)
        ),
        "average_ring": Comparison(
            current.average_ring_seconds,
            previous.average_ring_seconds,
            change(current.average_ring_seconds or 0, previous.average_ring_seconds or 0),
        ),
    }
    heat, busiest = _heat_map(month, scope)
    return Dashboard(
        month=month,
        current=current,
        previous=previous,
        previous_full=previous_full,
        comparisons=comparisons,
        costs=costs,
        trend=tuple(trend),
        currencies=tuple(seen),
        top_departments=tuple(_top_departments(month, scope, currencies, current)),
        top_extensions=tuple(_top_extensions(month, scope, sites, current)),
        top_destinations=tuple(_top_destinations(month, scope, currencies, current)),
        heat_map=heat,
        busiest=busiest,
        budgets=tuple(budget_statuses(user=user, month=month)),
        unrated=unrated_calls(
            month=month,
            scope=None if scope is None else frozenset(scope),
            count=trend[-1].unrated,
        ),
    )
