"""The report pages for signed-in people: the dashboard, the monthly department and
extension reports, and the call search they drill down to.

Views translate the request (month, department, filters) and call the readers in
``reports.dashboard`` and ``reports.selectors``; scope is theirs, and a department
outside the user's scope is answered 404, as if it did not exist. Downloads of the
same reports are ``reports.downloads``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, get_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.filters import CallFilterSet
from billing.models import Call
from billing.pagination import (
    CALL_SORTS,
    DEFAULT_SORT,
    InvalidCursor,
    SortedPosition,
    calls_sorted_page,
    sorted_position,
)
from billing.selectors import calls_visible_to, price_explanation
from billing.services import (
    PERSONAL_NOTE_MAX,
    PersonalMarkNotPermitted,
    PersonalMarkRefused,
    call_month,
    call_personal_mark,
)
from capture.selectors import sources_alarming
from org.models import Department, Site
from org.selectors import departments_visible_to

from .charts import calls_trend_svg, cost_trend_svg
from .dashboard import MonthFigures, dashboard_data, month_shift, percent
from .downloads import XLSX_MAX_CALLS
from .personal import MY_CALLS_SHOWN, my_month, personal_cost_of, personal_costs_by_department
from .selectors import (
    DepartmentNotFound,
    InvalidMonth,
    call_search_totals,
    department_id_invalid_text,
    department_not_visible_text,
    department_report,
    extension_report,
    month_parse,
    unrated_calls,
    user_scope,
)

CALLS_PER_PAGE = 50
FORMATS = ("csv", "xlsx", "pdf")


# ---------------------------------------------------------------- request helpers


def _month(request) -> dt.date:
    """``?month=YYYY-MM``, or this month (in the server's zone) when absent."""
    value = request.GET.get("month", "").strip()
    if not value:
        return timezone.localdate().replace(day=1)
    try:
        return month_parse(value)
    except InvalidMonth as error:
        raise Http404(str(error)) from None


def _department_id(request) -> int | None:
    value = request.GET.get("department", "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise Http404(department_id_invalid_text(value)) from None


def _visible_departments(user) -> list[Department]:
    """The departments ``user`` may pick in a filter, by code."""
    visible = departments_visible_to(user)
    departments = Department.objects.order_by("code")
    if visible is not None:
        departments = departments.filter(pk__in=visible)
    return list(departments)


def _month_nav(request, month: dt.date, **params) -> dict:
    """The month picker's context: this month, the months around it, their links."""

    def link(target: dt.date) -> str:
        query = {"month": f"{target:%Y-%m}", **{k: v for k, v in params.items() if v}}
        return f"{request.path}?{urlencode(query)}"

    return {
        "month": month,
        "month_param": f"{month:%Y-%m}",
        "previous_month": month_shift(month, -1),
        "next_month": month_shift(month, 1),
        "previous_month_url": link(month_shift(month, -1)),
        "next_month_url": link(month_shift(month, 1)),
        "picker_params": {k: v for k, v in params.items() if v},
    }


def calls_url(**params) -> str:
    """The call search with ``params`` (empty ones left out)."""
    query = {key: value for key, value in params.items() if value not in (None, "")}
    return f"{reverse('reports:calls')}?{urlencode(query)}"


# ---------------------------------------------------------------- dashboard


def _days_label(figures: MonthFigures, month_format: str) -> str:
    """What ``figures`` count: "November" (a whole month), "days 1-3 of December"
    (month to date) or "day 1 of December"; ``month_format`` formats the month."""
    period = date_format(figures.month, month_format)
    if figures.through is None:
        return period
    if figures.through.day == 1:
        return _("day 1 of %(period)s") % {"period": period}
    text = _("days 1–%(last)s of %(period)s")  # noqa: RUF001 (the range's dash)
    return text % {"last": figures.through.day, "period": period}


def _comparison_text(data) -> str:
    """The dashboard's subtitle: what is compared with what."""
    current = _days_label(data.current, "YEAR_MONTH_FORMAT")
    previous = _days_label(data.previous, "YEAR_MONTH_FORMAT")
    if data.to_date:
        return _("%(current)s (so far) compared with %(previous)s") % {
            "current": capfirst(current),
            "previous": previous,
        }
    return _("%(current)s compared with %(previous)s") % {
        "current": capfirst(current),
        "previous": previous,
    }


@login_required
def dashboard(request):
    """This month against the last (month to date: the same days of the last), a
    year's cost, the top lists, busy hours, budgets; a banner for sources that are
    not sending."""
    month = _month(request)
    today = timezone.localdate()
    data = dashboard_data(user=request.user, month=month, today=today)
    is_current_month = month == today.replace(day=1)
    context = {
        **_month_nav(request, month),
        "data": data,
        "is_current_month": is_current_month,
        # Sources not sending now make this month's figures incomplete (not a past one's).
        "alarming_sources": sources_alarming() if is_current_month else [],
        "sources_url": reverse("admin:capture_source_changelist") if request.user.is_staff else "",
        # The charts' CSS carries the nonce the Content-Security-Policy allows.
        "cost_chart": cost_trend_svg(data.trend, data.currencies, nonce=request.csp_nonce),
        "calls_chart": calls_trend_svg(data.trend, nonce=request.csp_nonce),
        "trend_rows": [
            (figures, [(currency, figures.cost_in(currency)) for currency in data.currencies])
            for figures in data.trend
        ],
        "current_label": _days_label(data.current, "F"),
        "previous_label": _days_label(data.previous, "F"),
        "previous_full_label": _days_label(data.previous_full, "F"),
        "comparison_text": _comparison_text(data),
        "hours": range(24),
        "calls_link": calls_url(month=f"{month:%Y-%m}"),
        "missed_link": calls_url(month=f"{month:%Y-%m}", direction="incoming", answered="false"),
        "unrated": data.unrated,
        "unrated_url": calls_url(month=f"{month:%Y-%m}", unrated="true"),
    }
    return render(request, "reports/dashboard.html", context)


# ---------------------------------------------------------------- department report


@dataclass(frozen=True)
class DepartmentRow:
    """One line of the department tree as the page shows it."""

    id: int | None
    name: str
    code: str
    depth: int
    has_children: bool
    calls: int
    answered_percent: Decimal | None
    own_costs: tuple[tuple[str, Decimal], ...]  # (currency, amount) per report currency
    subtotal_calls: int
    subtotal_costs: tuple[tuple[str, Decimal], ...]
    # (currency, fixed charges with the branch, calls + fixed charges: the phone bill)
    subtotal_fixed: tuple[tuple[str, Decimal, Decimal], ...]
    extensions_url: str
    calls_url: str
    personal_costs: tuple[tuple[str, Decimal], ...] = ()  # of its own calls


def _fixed_columns(totals, currencies) -> tuple[tuple[str, Decimal, Decimal], ...]:
    return tuple(
        (currency, totals.fixed_in(currency), totals.total_in(currency)) for currency in currencies
    )


def _department_rows(nodes, currencies, month: dt.date, top_depth: int) -> list[DepartmentRow]:
    extensions_page = reverse("reports:extensions")
    rows = []
    for node in nodes:
        query = {"month": f"{month:%Y-%m}"}
        if node.id is not None:
            query["department"] = node.id
        rows.append(
            DepartmentRow(
                id=node.id,
                name=node.name,
                code=node.code,
                depth=node.depth - top_depth,
                has_children=bool(node.children),
                calls=node.totals.calls,
                answered_percent=percent(node.subtotal.answered, node.subtotal.calls),
                own_costs=tuple(
                    (currency, node.totals.cost_in(currency)) for currency in currencies
                ),
                subtotal_calls=node.subtotal.calls,
                subtotal_costs=tuple(
                    (currency, node.subtotal.cost_in(currency)) for currency in currencies
                ),
                subtotal_fixed=_fixed_columns(node.subtotal, currencies),
                extensions_url=f"{extensions_page}?{urlencode(query)}",
                calls_url=calls_url(**query) if node.id is not None else "",
            )
        )
    return rows


@login_required
def department_report_page(request):
    """The month's cost over the department tree, with subtotals; ``?department=ID``
    shows that department's branch only (404 outside the user's scope)."""
    month = _month(request)
    department_id = _department_id(request)
    report = department_report(month=month, user=request.user)
    focus = None
    if department_id is not None:
        focus = report.node(department_id)
        if focus is None:
            raise Http404(department_not_visible_text(department_id))
        nodes = list(focus.walk())
        top_depth = focus.depth
        total = focus.subtotal
    else:
        nodes = list(report.nodes())
        top_depth = 0
        total = report.total
    rows, total_personal = _with_personal_costs(
        report, _department_rows(nodes, report.currencies, month, top_depth)
    )
    context = {
        **_month_nav(request, month, department=department_id),
        "report": report,
        "focus": focus,
        "rows": rows,
        "total_personal": total_personal,
        "personal_downloads": download_links("reports:personal-download", month),
        "currencies": report.currencies,
        "total": total,
        "total_costs": [(currency, total.cost_in(currency)) for currency in report.currencies],
        # Fixed-charge columns only where there are fixed charges.
        "has_fixed": bool(report.total.fixed),
        "total_fixed": _fixed_columns(total, report.currencies),
        "total_answered_percent": percent(total.answered, total.calls),
        "unrated": unrated_calls(
            month=month, scope=report.scope, count=total.unrated, department_id=department_id
        ),
        "unrated_url": calls_url(month=f"{month:%Y-%m}", department=department_id, unrated="true"),
        "downloads": download_links("reports:departments-download", month),
    }
    return render(request, "reports/departments.html", context)


def _with_personal_costs(report, rows: list[DepartmentRow]):
    """The rows with the personal cost of each department's own calls (from the
    calls, one query), and the personal cost of the rows together per currency."""
    costs = personal_costs_by_department(month=report.month, scope=report.scope)
    known = {node.id for node in report.nodes() if node.id is not None}
    orphans = [None, *(key for key in costs if key is not None and key not in known)]
    result = []
    totals = dict.fromkeys(report.currencies, Decimal(0))
    for row in rows:
        ids = [row.id] if row.id is not None else orphans
        own = tuple(
            (currency, personal_cost_of(costs, ids, currency)) for currency in report.currencies
        )
        for currency, amount in own:
            totals[currency] += amount
        result.append(replace(row, personal_costs=own))
    return result, list(totals.items())


# ---------------------------------------------------------------- extension report


@login_required
def extension_report_page(request):
    """The month's cost per extension; ``?department=ID`` narrows it to that branch."""
    month = _month(request)
    department_id = _department_id(request)
    try:
        lines = extension_report(month=month, user=request.user, department_id=department_id)
    except DepartmentNotFound as error:
        raise Http404(str(error)) from None
    department = Department.objects.get(pk=department_id) if department_id else None
    rows = []
    totals: dict[str, list] = {}
    for line in lines:
        link = ""
        if line.extension_id is not None:
            link = calls_url(
                month=f"{month:%Y-%m}",
                site=line.site_slug,
                extension=line.number,
                department=line.department_id,
            )
        rows.append((line, percent(line.answered, line.calls), link))
        total = totals.setdefault(line.currency, [0, 0, 0, Decimal(0), Decimal(0)])
        total[0] += line.calls
        total[1] += line.answered
        total[2] += line.seconds
        total[3] += line.cost
        total[4] += line.fixed
    query = f"?department={department_id}" if department_id else ""
    unrated = unrated_calls(
        month=month,
        scope=user_scope(request.user),
        count=sum(line.unrated for line in lines),
        department_id=department_id,
    )
    context = {
        **_month_nav(request, month, department=department_id),
        "department": department,
        "departments": _visible_departments(request.user),
        "rows": rows,
        "totals": [
            (currency, calls, answered, seconds, cost, percent(answered, calls), fixed)
            for currency, (calls, answered, seconds, cost, fixed) in sorted(totals.items())
        ],
        "has_fixed": any(line.fixed for line in lines),
        "unrated": unrated,
        "unrated_url": calls_url(month=f"{month:%Y-%m}", department=department_id, unrated="true"),
        "downloads": download_links("reports:extensions-download", month, query),
    }
    return render(request, "reports/extensions.html", context)


# ---------------------------------------------------------------- call search


def _sort(request) -> str:
    """``?sort=``: ``-start`` (newest first, the default), ``start``, ``-duration``,
    ``duration``, ``-cost`` or ``cost``."""
    sort = request.GET.get("sort", "") or DEFAULT_SORT
    if sort not in CALL_SORTS:
        raise Http404(
            _("Calls cannot be sorted by %(sort)r; choose one of %(known)s.")
            % {"sort": sort, "known": ", ".join(CALL_SORTS)}
        )
    return sort


def _page_position(request, sort: str) -> SortedPosition | None:
    """Where the page is cut: ``?after=`` (the following calls) or ``?before=`` (the
    preceding ones), in the order ``sort``."""
    after, before = request.GET.get("after", ""), request.GET.get("before", "")
    if not (after or before):
        return None
    try:
        position = SortedPosition.decode(before or after)
    except InvalidCursor:
        position = None
    if position is None or position.sort != sort:
        raise Http404(_("That page link is damaged: start again from the first page."))
    return replace(position, reverse=bool(before))


DATETIME_PARAMS = ("start_after", "start_before")


def _typed_datetime_format() -> str | None:
    """The ``strptime`` format dates are typed in, in the active language (``%d/%m/%Y
    %H:%M`` in Spanish and Portuguese); ``None`` where it is ISO's order (English),
    whose page keeps the browser's date and time picker."""
    for pattern in get_format("DATETIME_INPUT_FORMATS"):
        if "%H:%M" in pattern and "%S" not in pattern:
            return None if pattern.startswith("%Y-%m-%d") else pattern
    return None


def _iso_datetime(value: str) -> str:
    """A date and time typed in the language's order (``3/12/2026 10:30``, or a date
    alone) as ISO 8601, which the calls filters read; ISO and unreadable values pass
    unchanged (the filter then says what is wrong)."""
    value = value.strip()
    try:
        dt.datetime.fromisoformat(value)
        return value
    except ValueError:
        pass
    for pattern in [*get_format("DATETIME_INPUT_FORMATS"), *get_format("DATE_INPUT_FORMATS")]:
        try:
            # Naive on purpose: the filters read it in the page's zone (``_page_zone``).
            typed = dt.datetime.strptime(value, pattern)  # noqa: DTZ007
            return typed.isoformat(timespec="minutes")
        except (TypeError, ValueError):
            continue
    return value


def _local_datetime(value: str, pattern: str | None) -> str:
    """An ISO date and time as typed in the language (``03/12/2026 10:30``); empty
    when there is no language order to show or ``value`` is not ISO."""
    if not pattern or not value:
        return ""
    try:
        return dt.datetime.fromisoformat(value).strftime(pattern)
    except ValueError:
        return ""


def _page_zone(site_slug: str, sites: list[Site]):
    """The zone a date typed into the filters means: the chosen site's; else the
    sites' common zone; else the server's."""
    chosen = [site for site in sites if site.slug == site_slug] if site_slug else sites
    zones = {site.time_zone for site in chosen}
    if len(zones) == 1:
        return chosen[0].zone
    return timezone.get_default_timezone()


def _search_file_url(filters, url_name: str = "reports:calls-search-csv") -> str:
    """The CSV (or XLSX) of the search's result: the filters as the FilterSet read them (times
    as ISO 8601 with their offset, as read in the page's zone), so the file holds
    exactly the calls found."""
    query = {}
    for name, value in filters.form.cleaned_data.items():
        if value in (None, ""):
            continue
        if isinstance(value, dt.datetime):
            value = value.isoformat()
        elif isinstance(value, dt.date):
            value = f"{value:%Y-%m}"  # the month filter
        elif isinstance(value, bool):
            value = "true" if value else "false"
        query[name] = str(value)
    url = reverse(url_name)
    return f"{url}?{urlencode(query)}" if query else url


@login_required
def call_search(request):
    """Calls in the user's scope, newest first, with the calls API's filters and
    ``?month=YYYY-MM`` (each site's local month).

    Pages are cut by keyset (``after``/``before`` a call's start and id), never by
    offset or count, so every page costs one indexed query on any number of calls:
    the calls API's keyset (``billing.pagination``).
    """
    visible = departments_visible_to(request.user)
    department_id = _department_id(request)
    if department_id is not None and (
        (visible is not None and department_id not in visible)
        or not Department.objects.filter(pk=department_id).exists()
    ):
        raise Http404(department_not_visible_text(department_id))
    sites = list(Site.objects.order_by("name"))
    month_value = request.GET.get("month", "").strip()
    month = _month(request) if month_value else None

    zone = _page_zone(request.GET.get("site", ""), sites)
    query = request.GET.copy()
    for key in DATETIME_PARAMS:  # typed in the language's order: read as ISO 8601
        if key in query:
            query[key] = _iso_datetime(query[key])
    with timezone.override(zone):  # dates typed without a zone are the site's
        filters = CallFilterSet(query, queryset=calls_visible_to(request.user), request=request)
        valid = filters.is_valid()
        calls = filters.qs.select_related("department") if valid else None

    sort = _sort(request)
    page: list = []
    newer = older = ""
    if calls is not None:
        at = _page_position(request, sort)
        keyset = calls_sorted_page(calls, sort=sort, size=CALLS_PER_PAGE, at=at)
        page, has_older, has_newer = keyset.calls, keyset.has_older, keyset.has_newer
        kept = {
            key: value
            for key, value in request.GET.items()
            if key not in ("after", "before") and value != ""
        }
        if page and has_older:
            older = "?" + urlencode({**kept, "after": sorted_position(page[-1], sort).encode()})
        if page and has_newer:
            newer = "?" + urlencode({**kept, "before": sorted_position(page[0], sort).encode()})
        if not page and at is not None:
            newer = "?" + urlencode(kept)

    params = {key: request.GET.get(key, "") for key in CallFilterSet.base_filters}
    totals = None
    if calls is not None:
        totals = call_search_totals(
            calls=calls, filters=filters.form.cleaned_data, user=request.user
        )
    csv_url = _search_file_url(filters) if calls is not None else ""
    xlsx_url = _search_file_url(filters, "reports:calls-search-xlsx") if calls is not None else ""
    typed_format = _typed_datetime_format()
    shown = {
        key: _local_datetime(query.get(key, ""), typed_format) or params[key]
        for key in DATETIME_PARAMS
    }
    context = {
        "typed_format": typed_format,
        "datetime_example": _local_datetime("2026-12-03T10:30", typed_format),
        "shown": shown,
        "filters": filters,
        "params": params,
        "month_value": month_value,
        "month": month,
        "month_param": month_value,
        "sites": sites,
        "departments": _visible_departments(request.user),
        "directions": CallFilterSet.base_filters["direction"].extra["choices"],
        "categories": CallFilterSet.base_filters["category"].extra["choices"],
        "totals": totals,
        "csv_url": csv_url,
        "xlsx_url": xlsx_url,
        "xlsx_max": XLSX_MAX_CALLS,
        "unrated_query": urlencode(
            {k: v for k, v in request.GET.items() if k not in ("after", "before") and v}
            | {"unrated": "true"}
        ),
        "back_param": request.get_full_path(),
        "calls": page,
        "newer_url": newer,
        "older_url": older,
        "first_url": "?"
        + urlencode(
            {k: v for k, v in params.items() if v}
            | ({"month": month_value} if month_value else {})
            | ({"sort": sort} if sort != DEFAULT_SORT else {})
        ),
        "sort": sort,
        "sort_links": _sort_links(request, sort),
        "zone_name": str(zone),
        "per_page": CALLS_PER_PAGE,
    }
    return render(request, "reports/calls.html", context)


def _sort_links(request, sort: str) -> dict[str, str]:
    """For each sortable column, the search in its order (largest first), or, when
    already so, the other way round; from the first page."""
    kept = {k: v for k, v in request.GET.items() if k not in ("after", "before", "sort") and v}
    links = {}
    for column in ("start", "duration", "cost"):
        wanted = column if sort == f"-{column}" else f"-{column}"
        links[column] = "?" + urlencode({**kept, "sort": wanted})
    return links


def download_links(url_name: str, month, query: str = "") -> list[tuple[str, str, str]]:
    """(label, url, format) of a report's files: CSV, its Excel variant (``?excel=1``:
    the language's separators), XLSX and PDF. ``query`` is ``""`` or ``"?..."``."""
    links = []
    for fmt in FORMATS:
        url = reverse(url_name, args=[f"{month:%Y-%m}", fmt]) + query
        links.append((fmt.upper(), url, fmt))
        if fmt == "csv":
            excel = url + ("&" if query else "?") + "excel=1"
            links.append((_("CSV for Excel"), excel, "csv-excel"))
    return links


# ---------------------------------------------------------------- a call's price


@login_required
def call_explain_page(request, pk: int):
    """How one call's price is reached, step by step, with today's tariff, as the
    calls API's ``explain`` says it; a call outside the user's scope is 404."""
    call = calls_visible_to(request.user).select_related("department").filter(pk=pk).first()
    if call is None:
        raise Http404(_("There is no call %(id)s among the calls you can see.") % {"id": pk})
    back = request.GET.get("back", "")
    if not back.startswith(reverse("reports:calls")):  # only back to the search
        back = reverse("reports:calls")
    context = {
        "call": call,
        "back_url": back,
        **price_explanation(call),  # rating/price_explanation.html's, as in the admin
    }
    return render(request, "reports/call_explain.html", context)


# ---------------------------------------------------------------- my calls


@login_required
def my_calls_page(request):
    """The month of the signed-in person's extensions: cost, the personal part, the
    calls, and a form per call to mark it personal (with a note) or business again,
    until the month is closed."""
    month = _month(request)
    mine = my_month(user=request.user, month=month)
    context = {
        **_month_nav(request, month),
        "mine": mine,
        "note_max": PERSONAL_NOTE_MAX,
        "shown_max": MY_CALLS_SHOWN,
    }
    return render(request, "reports/my_calls.html", context)


@login_required
@require_POST
def my_call_mark(request, pk: int):
    """Mark one of the person's calls personal (``personal=true``, ``note``) or
    business again (``personal=false``); back to their month with what happened."""
    call = Call.objects.filter(pk=pk).select_related("site", "extension").first()
    if call is None:
        raise Http404(_("There is no call %(id)s.") % {"id": pk})
    month = call_month(call)
    personal = request.POST.get("personal", "") == "true"
    note = request.POST.get("note", "")
    try:
        call_personal_mark(call=call, user=request.user, personal=personal, note=note)
    except PersonalMarkNotPermitted as error:
        raise PermissionDenied(str(error)) from None
    except PersonalMarkRefused as error:
        messages.error(request, str(error))
    else:
        if personal:
            messages.success(
                request,
                _("The call to %(number)s is marked personal.") % {"number": call.number or "?"},
            )
        else:
            messages.success(
                request,
                _("The call to %(number)s is business again.") % {"number": call.number or "?"},
            )
    return redirect(f"{reverse('reports:my-calls')}?{urlencode({'month': f'{month:%Y-%m}'})}")
