"""Top-N and ad-hoc reports: the questions managers ask beyond the three monthly
reports. Each is a table of one month, within the viewer's scope, that the page, the
files (CSV, XLSX, PDF) and the API show alike:

- ``numbers``: the most called numbers; ``destinations``: the destinations that cost
  most (from the destination rollups);
- ``longest`` and ``expensive``: single calls;
- ``account-codes``: calls and cost per account code, for project or client billing;
- ``kpis``: per extension, trunk or destination (``by``), the attempts, the answer-
  seizure ratio (ASR: answered / attempts) and the average call duration (ACD);
- ``missed``: unanswered incoming calls per extension and local hour;
- ``after-hours``: who called outside working hours (``from``-``to`` local time, with
  weekends and the site's public holidays out of hours), per extension.

Every report reads the calls of the month with one grouped query per site at most
(local hours and dates need each site's zone), never one per call, and keeps costs of
different currencies apart (a line per currency). Scope is the calls API's: a manager
sees the calls of their departments and those below.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import holidays as holidays_lib
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from billing.filters import calls_in_month
from billing.models import Call, Rollup
from billing.selectors import calls_visible_to, destination_rollups
from core.errors import DomainError
from org.models import Department, Extension, Site, Trunk
from org.selectors import department_subtree_ids
from rating.models import Category

from .selectors import COST_QUANTUM, DepartmentNotFound, department_not_visible_text, user_scope

TOP_DEFAULT = 20
TOP_MAX = 500
WORKDAY_DEFAULT = (dt.time(8), dt.time(18))


class TopReportInvalid(DomainError):
    """A parameter the report cannot take (400), with the reason."""


@dataclass(frozen=True)
class TopColumn:
    """``key`` names the value in the API; ``kind`` says how to show it: text, int,
    seconds, money, percent, category (its id) or datetime (the site's local time)."""

    key: str
    title: Any
    kind: str = "text"


@dataclass(frozen=True)
class TopParams:
    month: dt.date
    top: int = TOP_DEFAULT
    department: int | None = None
    site: str = ""
    category: str = ""
    by: str = "extension"
    workday: tuple[dt.time, dt.time] = WORKDAY_DEFAULT
    # The columns to show, by key, in this order; empty: all, in the report's order.
    columns: tuple[str, ...] = ()


@dataclass
class TopReport:
    kind: str
    title: str
    description: str
    params: TopParams
    columns: list[TopColumn]
    rows: list[dict] = field(default_factory=list)
    note: str = ""

    def cells(self) -> list[list]:
        return [[row.get(column.key) for column in self.columns] for row in self.rows]

    def lines(self) -> list[list[tuple[TopColumn, Any, str]]]:
        """Each row as (column, value, the row's currency) for the page, which shows
        amounts with their currency."""
        return [
            [(column, row.get(column.key), row.get("currency") or "") for column in self.columns]
            for row in self.rows
        ]


@dataclass(frozen=True)
class TopKind:
    title: Any
    description: Any
    # (params, the scoped calls of the month, the departments in scope or None: all)
    build: Callable[..., tuple[list[TopColumn], list[dict], str]]
    # What the report reads: "outgoing" narrows to outgoing calls, and to ``category``.
    outgoing: bool = True


# ---------------------------------------------------------------- shared columns


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(COST_QUANTUM)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"))


def _average(value) -> int | None:
    return None if value is None else round(value)


CALLS = TopColumn("calls", gettext_lazy("Calls"), "int")
ANSWERED = TopColumn("answered", gettext_lazy("Answered"), "int")
SECONDS = TopColumn("seconds", gettext_lazy("Duration"), "seconds")
COST = TopColumn("cost", gettext_lazy("Cost"), "money")
CURRENCY = TopColumn("currency", gettext_lazy("Currency"))
UNRATED = TopColumn("unrated", gettext_lazy("Unrated"), "int")
MEASURES = [CALLS, ANSWERED, SECONDS, COST, CURRENCY, UNRATED]


def _measures():
    """The sums of a group of calls (prefixed: an annotation may not take the name of
    a field it sums, ``cost``)."""
    return {
        "sum_calls": Count("id"),
        "sum_answered": Count("id", filter=Q(answered=True)),
        "sum_seconds": Sum("duration_seconds"),
        "sum_cost": Sum("cost"),
        "sum_unrated": Count("id", filter=Q(cost__isnull=True)),
    }


def _measured(row: dict) -> dict:
    """``row`` with its sums under the columns' keys."""
    sums = {
        key: row.pop(f"sum_{key}") for key in ("calls", "answered", "seconds", "cost", "unrated")
    }
    return {**row, **sums, "seconds": sums["seconds"] or 0, "cost": _money(sums["cost"])}


def _ranked(rows: list[dict], top: int, *keys: str) -> list[dict]:
    """The first ``top`` of ``rows`` by the measure ``keys``, largest first (ties by
    the row's text, so the order is stable)."""
    return sorted(rows, key=lambda row: (*(-(row[key] or 0) for key in keys), str(row)))[:top]


def _extensions(ids) -> dict[int, Extension]:
    return {
        extension.pk: extension
        for extension in Extension.objects.filter(pk__in=set(ids) - {None}).select_related(
            "department", "site"
        )
    }


def _extension_cells(extension: Extension | None) -> dict:
    if extension is None:
        return {"extension": "", "holder": "", "department": "", "site": ""}
    return {
        "extension": extension.number,
        "holder": extension.holder,
        "department": extension.department.name if extension.department else "",
        "site": extension.site.slug,
    }


EXTENSION_COLUMNS = [
    TopColumn("extension", gettext_lazy("Extension")),
    TopColumn("holder", gettext_lazy("Holder")),
    TopColumn("department", gettext_lazy("Department")),
    TopColumn("site", gettext_lazy("Site")),
]


# ---------------------------------------------------------------- the reports


def _numbers(params: TopParams, calls: QuerySet[Call], scope: frozenset[int] | None):
    rows = [
        _measured(row)
        for row in calls.exclude(number="")
        .values("normalized_number", "number", "destination", "category", "currency")
        .annotate(**_measures())
        .order_by("-sum_calls", "-sum_cost", "normalized_number")[: params.top * 2]
    ]
    # The same number dialled two ways (with or without a prefix) is one line.
    merged: dict[tuple, dict] = {}
    for row in rows:
        key = (row["normalized_number"] or row["number"], row["currency"])
        if key in merged:
            seen = merged[key]
            for measure in ("calls", "answered", "seconds", "cost", "unrated"):
                seen[measure] += row[measure]
        else:
            merged[key] = {**row, "number": key[0]}
    columns = [
        TopColumn("number", gettext_lazy("Number")),
        TopColumn("destination", gettext_lazy("Destination")),
        TopColumn("category", gettext_lazy("Category"), "category"),
        *MEASURES,
    ]
    return columns, _ranked(list(merged.values()), params.top, "calls", "cost"), ""


def _destinations(params: TopParams, calls: QuerySet[Call], scope: frozenset[int] | None):
    """From the destination rollups, not the calls: the same figures, much faster."""
    rollups = destination_rollups(month=params.month, departments=scope).exclude(destination="")
    rollups = rollups.exclude(category="internal")
    if params.category:
        rollups = rollups.filter(category=params.category)
    if params.site:
        rollups = rollups.filter(site_id__in=Site.objects.filter(slug=params.site).values("id"))
    currencies = dict(Site.objects.values_list("id", "currency"))
    merged: dict[tuple, dict] = {}
    for row in (
        rollups.order_by()
        .values("destination", "category", "site_id")
        .annotate(**{f"sum_{measure}": Sum(measure) for measure in Rollup.MEASURES})
    ):
        row = _measured(row)
        key = (row["destination"], row["category"], currencies.get(row["site_id"], ""))
        line = merged.setdefault(
            key,
            {
                "destination": key[0],
                "category": key[1],
                "currency": key[2],
                **dict.fromkeys(("calls", "answered", "seconds", "unrated"), 0),
                "cost": Decimal(0),
            },
        )
        for measure in ("calls", "answered", "seconds", "unrated", "cost"):
            line[measure] += row[measure] or 0
    columns = [
        TopColumn("destination", gettext_lazy("Destination")),
        TopColumn("category", gettext_lazy("Category"), "category"),
        *MEASURES,
    ]
    return columns, _ranked(list(merged.values()), params.top, "cost", "calls"), ""


CALL_COLUMNS = [
    TopColumn("start", gettext_lazy("Start"), "datetime"),
    *EXTENSION_COLUMNS,
    TopColumn("number", gettext_lazy("Number")),
    TopColumn("destination", gettext_lazy("Destination")),
    TopColumn("seconds", gettext_lazy("Duration"), "seconds"),
    COST,
    CURRENCY,
    TopColumn("call", gettext_lazy("Call"), "int"),
]


def _call_rows(calls: QuerySet[Call]) -> list[dict]:
    calls = list(calls.select_related("site", "extension__department"))
    return [
        {
            "start": call.start.astimezone(call.site.zone),
            **_extension_cells(call.extension),
            "site": call.site.slug,
            "number": call.number,
            "destination": call.destination,
            "seconds": call.duration_seconds,
            "cost": call.cost,
            "currency": call.currency,
            "call": call.pk,
        }
        for call in calls
    ]


def _longest(params: TopParams, calls: QuerySet[Call], scope: frozenset[int] | None):
    ordered = calls.order_by("-duration_seconds", "-start", "-id")[: params.top]
    return CALL_COLUMNS, _call_rows(ordered), ""


def _expensive(params: TopParams, calls: QuerySet[Call], scope: frozenset[int] | None):
    ordered = calls.filter(cost__isnull=False).order_by("-cost", "-start", "-id")[: params.top]
    return CALL_COLUMNS, _call_rows(ordered), ""


def _account_codes(params: TopParams, calls: QuerySet[Call], scope: frozenset[int] | None):
    rows = [
        _measured(row)
        for row in calls.exclude(account_code="")
        .values("account_code", "currency")
        .annotate(**_measures())
        .order_by("account_code", "currency")
    ]
    columns = [TopColumn("account_code", gettext_lazy("Account code")), *MEASURES]
    note = ""
    without = calls.filter(account_code="").count()
    if without:
        note = _("%(count)s calls of the month have no account code.") % {"count": without}
    return columns, rows, note


KPI_GROUPS = {
    "extension": ("extension_id", gettext_lazy("Extension")),
    "trunk": ("trunk_id", gettext_lazy("Trunk")),
    "destination": ("category", gettext_lazy("Category")),
}


def _kpis(params: TopParams, calls: QuerySet[Call], scope: frozenset[int] | None):
    group, title = KPI_GROUPS[params.by]
    rows = list(
        calls.values(group)
        .annotate(
            attempts=Count("id"),
            sum_answered=Count("id", filter=Q(answered=True)),
            sum_seconds=Sum("duration_seconds", filter=Q(answered=True)),
            acd=Avg("duration_seconds", filter=Q(answered=True)),
            ring=Avg("ring_seconds"),
        )
        .order_by("-attempts", group)[: params.top]
    )
    names: dict = {}
    if params.by == "extension":
        names = {
            pk: f"{extension.number} {extension.holder}".strip()
            for pk, extension in _extensions(r[group] for r in rows).items()
        }
    elif params.by == "trunk":
        names = dict(
            Trunk.objects.filter(pk__in={r[group] for r in rows}).values_list("id", "name")
        )
    categories = dict(Category.choices)
    lines = []
    for row in rows:
        key = row[group]
        if params.by == "destination":
            label = str(categories.get(key, key)) if key else _("Not rated")
        else:
            label = names.get(key, "") if key else _("None")
        lines.append(
            {
                "group": label,
                "attempts": row["attempts"],
                "answered": row["sum_answered"],
                "asr": _percent(row["sum_answered"], row["attempts"]),
                "acd": _average(row["acd"]),
                "seconds": row["sum_seconds"] or 0,
                "ring": _average(row["ring"]),
            }
        )
    columns = [
        TopColumn("group", title),
        TopColumn("attempts", gettext_lazy("Attempts"), "int"),
        TopColumn("answered", gettext_lazy("Answered"), "int"),
        TopColumn("asr", pgettext_lazy("answer-seizure ratio", "ASR"), "percent"),
        TopColumn("acd", pgettext_lazy("average call duration", "ACD"), "seconds"),
        TopColumn("seconds", gettext_lazy("Duration"), "seconds"),
        TopColumn("ring", gettext_lazy("Average ring"), "seconds"),
    ]
    return columns, lines, ""


HOURS = range(24)


def _missed(params: TopParams, calls: QuerySet[Call], scope: frozenset[int] | None):
    calls = calls.filter(direction=Call.Direction.INCOMING, answered=False)
    per_extension: dict[int | None, list[int]] = defaultdict(lambda: [0] * 24)
    for site in _sites_of(calls):
        for row in (
            calls.filter(site=site)
            .annotate(hour=ExtractHour("start", tzinfo=site.zone))
            .values("extension_id", "hour")
            .annotate(unanswered=Count("id"))
            .order_by()
        ):
            per_extension[row["extension_id"]][row["hour"]] += row["unanswered"]
    extensions = _extensions(per_extension)
    rows = [
        {
            **_extension_cells(extensions.get(extension_id)),
            "calls": sum(hours),
            **{f"h{hour:02}": count for hour, count in zip(HOURS, hours, strict=True)},
        }
        for extension_id, hours in per_extension.items()
    ]
    columns = [
        *EXTENSION_COLUMNS,
        TopColumn("calls", gettext_lazy("Unanswered"), "int"),
        *(TopColumn(f"h{hour:02}", f"{hour:02}", "int") for hour in HOURS),
    ]
    return columns, _ranked(rows, params.top, "calls"), ""


def _after_hours(params: TopParams, calls: QuerySet[Call], scope: frozenset[int] | None):
    start_time, end_time = params.workday
    per_extension: dict[tuple, dict] = {}
    for site in _sites_of(calls):
        zone = site.zone
        days_off = _holidays(site, params.month)
        local = calls.filter(site=site).annotate(
            hour=ExtractHour("start", tzinfo=zone),
            weekday=ExtractIsoWeekDay("start", tzinfo=zone),
            day=TruncDate("start", tzinfo=zone),
        )
        out_of_hours = Q(weekday__gte=6) | Q(day__in=days_off) | _outside(start_time, end_time)
        for row in (
            local.filter(out_of_hours)
            .values("extension_id", "currency")
            .annotate(**_measures())
            .order_by()
        ):
            key = (row["extension_id"], row["currency"])
            per_extension[key] = _measured(row)
    extensions = _extensions(extension_id for extension_id, _currency in per_extension)
    rows = [
        {**_extension_cells(extensions.get(key[0])), **row} for key, row in per_extension.items()
    ]
    columns = [*EXTENSION_COLUMNS, *MEASURES]
    note = _(
        "Working hours: %(start)s to %(end)s in each site's time zone; weekends and "
        "public holidays are out of hours. Whole hours are compared: a call at "
        "%(end)s counts as after hours."
    ) % {"start": f"{start_time:%H:%M}", "end": f"{end_time:%H:%M}"}
    return columns, _ranked(rows, params.top, "cost", "calls"), note


def _outside(start: dt.time, end: dt.time) -> Q:
    """Calls whose local hour is outside [start, end) (a working day past midnight,
    22 to 6, works too). Hours are whole: minutes of ``start`` and ``end`` round down."""
    if start.hour <= end.hour:
        return Q(hour__lt=start.hour) | Q(hour__gte=end.hour)
    return Q(hour__lt=start.hour, hour__gte=end.hour)


def _holidays(site: Site, month: dt.date) -> list[dt.date]:
    region = site.region
    if not region:
        return []
    try:
        calendar = holidays_lib.country_holidays(
            region, subdiv=site.subdivision or None, years=month.year
        )
    except NotImplementedError:  # a country the library has no calendar for
        return []
    return [day for day in calendar if day.month == month.month]


def _sites_of(calls: QuerySet[Call]) -> list[Site]:
    return list(Site.objects.filter(pk__in=calls.order_by().values("site_id").distinct()))


TOP_REPORTS: dict[str, TopKind] = {
    "numbers": TopKind(
        gettext_lazy("Most called numbers"),
        gettext_lazy("The outgoing numbers called most often, with their duration and cost."),
        _numbers,
    ),
    "destinations": TopKind(
        gettext_lazy("Destinations"),
        gettext_lazy("The destinations that cost most (internal calls aside)."),
        _destinations,
    ),
    "longest": TopKind(
        gettext_lazy("Longest calls"),
        gettext_lazy("The longest outgoing calls of the month."),
        _longest,
    ),
    "expensive": TopKind(
        gettext_lazy("Most expensive calls"),
        gettext_lazy("The outgoing calls that cost most."),
        _expensive,
    ),
    "account-codes": TopKind(
        gettext_lazy("Account codes"),
        gettext_lazy("Calls and cost per account code, for project or client billing."),
        _account_codes,
        outgoing=False,
    ),
    "kpis": TopKind(
        gettext_lazy("ASR and ACD"),
        gettext_lazy(
            "Outgoing attempts, the answer-seizure ratio (answered / attempts) and the "
            "average duration of answered calls."
        ),
        _kpis,
    ),
    "missed": TopKind(
        gettext_lazy("Unanswered incoming calls"),
        gettext_lazy("Incoming calls nobody answered, per extension and local hour."),
        _missed,
        outgoing=False,
    ),
    "after-hours": TopKind(
        gettext_lazy("After hours"),
        gettext_lazy("Who made outgoing calls outside working hours, and what they cost."),
        _after_hours,
    ),
}


# ---------------------------------------------------------------- entry point


def columns_chosen(columns: list[TopColumn], keys: tuple[str, ...]) -> list[TopColumn]:
    """The ``columns`` named by ``keys``, in that order; a key the report has not is
    refused naming the ones it has."""
    by_key = {column.key: column for column in columns}
    unknown = [key for key in keys if key not in by_key]
    if unknown:
        raise TopReportInvalid(
            _("columns: this report has no %(unknown)s; it has %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(by_key)}
        )
    return [by_key[key] for key in dict.fromkeys(keys)]


def report_columns(kind: str, by: str = "extension") -> list[TopColumn]:
    """The columns report ``kind`` has, in its order, without reading a call."""
    spec = TOP_REPORTS[kind]
    columns, _rows, _note = spec.build(
        TopParams(month=dt.date(2000, 1, 1), by=by, top=1), Call.objects.none(), frozenset()
    )
    return columns


def top_report(*, kind: str, params: TopParams, user) -> TopReport:
    """The report ``kind`` of ``params.month`` for ``user`` (their scope), narrowed to
    ``params.department`` (and below), ``params.site`` and ``params.category``."""
    try:
        spec = TOP_REPORTS[kind]
    except KeyError:
        raise TopReportInvalid(
            _("Unknown report %(kind)r; choose one of %(known)s.")
            % {"kind": kind, "known": ", ".join(TOP_REPORTS)}
        ) from None
    if params.by not in KPI_GROUPS:
        raise TopReportInvalid(_("by must be one of %(known)s.") % {"known": ", ".join(KPI_GROUPS)})
    calls = calls_visible_to(user).filter(calls_in_month(params.month))
    scope = user_scope(user)
    if params.department is not None:
        if scope is not None and params.department not in scope:
            raise DepartmentNotFound(department_not_visible_text(params.department))
        if not Department.objects.filter(pk=params.department).exists():
            raise DepartmentNotFound(department_not_visible_text(params.department))
        scope = frozenset(department_subtree_ids([params.department]))
        calls = calls.filter(department_id__in=scope)
    if params.site:
        if not Site.objects.filter(slug=params.site).exists():
            raise TopReportInvalid(_("There is no site %(slug)r.") % {"slug": params.site})
        calls = calls.filter(site__slug=params.site)
    if spec.outgoing:
        calls = calls.filter(direction=Call.Direction.OUTGOING)
        if params.category:
            calls = calls.filter(category=params.category)
    columns, rows, note = spec.build(params, calls.order_by(), scope)
    if params.columns:
        columns = columns_chosen(columns, params.columns)
    return TopReport(
        kind=kind,
        title=str(spec.title),
        description=str(spec.description),
        params=params,
        columns=columns,
        rows=rows,
        note=note,
    )
