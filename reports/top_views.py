"""The top lists' page (``reports.topn``) and saved reports (``reports.saved``):
pick a report, filter it, choose and order its columns, download it, save it by name,
share it with managers and have it e-mailed on a schedule."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from org.models import Department, Site
from org.selectors import departments_visible_to
from rating.models import Category

from .api.serializers import TopQuerySerializer
from .exports import FORMATS
from .models import SavedReport
from .saved import NOT_SAVED, formats_of, saved_report_url, saved_reports_visible_to
from .selectors import InvalidMonth, month_parse
from .topn import KPI_GROUPS, TOP_DEFAULT, TOP_REPORTS, TopReportInvalid, report_columns, top_report
from .views import _month_nav, _visible_departments

WEEKDAYS = range(7)


def _query(request) -> dict[str, str]:
    """The page's query as the top list's parameters: ``col`` checkboxes become
    ``columns`` (in the order shown), empty values are dropped."""
    query = {key: value for key, value in request.GET.items() if value != "" and key != "col"}
    chosen = request.GET.getlist("col")
    if chosen:
        query["columns"] = ",".join(chosen)
    query.setdefault("report", "numbers")
    query.setdefault("month", f"{timezone.localdate():%Y-%m}")
    return query


def _column_choices(kind: str, by: str, chosen: list[str]) -> list[dict]:
    """The report's columns for the picker: the chosen ones first in their order (each
    with a link moving it one place up), then the others."""
    if kind not in TOP_REPORTS or by not in KPI_GROUPS:
        return []
    columns = {column.key: column for column in report_columns(kind, by)}
    chosen = [key for key in chosen if key in columns] or list(columns)
    ordered = chosen + [key for key in columns if key not in chosen]
    choices = []
    for position, key in enumerate(ordered):
        moved = None
        if 0 < position < len(chosen):
            swapped = list(chosen)
            swapped[position - 1], swapped[position] = swapped[position], swapped[position - 1]
            moved = ",".join(swapped)
        choices.append(
            {"key": key, "title": columns[key].title, "checked": key in chosen, "up": moved}
        )
    return choices


@login_required
def top_report_page(request):
    """A top list with its filters, columns and downloads; a wrong parameter is
    answered 400 with the form saying why."""
    query = _query(request)
    kind = query["report"]
    serializer = TopQuerySerializer(data=query)
    report, errors = None, []
    if serializer.is_valid():
        try:
            report = top_report(kind=kind, params=serializer.params(), user=request.user)
        except TopReportInvalid as error:
            errors = [str(error)]
    else:
        errors = [
            f"{name}: {' '.join(str(message) for message in problems)}"
            for name, problems in serializer.errors.items()
        ]
    try:
        month = month_parse(query["month"])
    except InvalidMonth:
        month = timezone.localdate().replace(day=1)
    others = {key: value for key, value in query.items() if key != "month"}
    downloads = []
    if report is not None:
        downloads = [
            (fmt.upper(), f"{reverse('reports:top-download', args=[fmt])}?{urlencode(query)}", fmt)
            for fmt in FORMATS
        ]
    chosen = [key for key in query.get("columns", "").split(",") if key]
    columns = _column_choices(kind, query.get("by", "extension"), chosen)
    for choice in columns:
        if choice["up"]:
            choice["up"] = f"{request.path}?{urlencode({**query, 'columns': choice['up']})}"
    context = {
        **_month_nav(request, month, **others),
        "report": report,
        "errors": errors,
        "kinds": [(key, spec.title) for key, spec in TOP_REPORTS.items()],
        "kind": kind,
        "params": query,
        "kind_links": {
            key: f"{request.path}?{urlencode({**query, 'report': key, 'columns': ''})}"
            for key in TOP_REPORTS
        },
        "columns": columns,
        "departments": _visible_departments(request.user),
        "sites": Site.objects.order_by("name", "slug"),
        "categories": Category.choices,
        "groups": [(key, title) for key, (_field, title) in KPI_GROUPS.items()],
        "top_default": TOP_DEFAULT,
        "downloads": downloads,
        "schedules": SavedReport.Schedule.choices,
        "weekdays": WEEKDAYS,
        "formats": FORMATS,
        "saved_filters": urlencode({k: v for k, v in query.items() if k not in NOT_SAVED}),
    }
    return render(request, "reports/top.html", context, status=400 if errors else 200)


@login_required
@require_POST
def saved_report_create(request):
    """Saves the top list the form came from, by name, for its owner."""
    filters = QueryDict(request.POST.get("filters", ""))
    params = {key: filters[key] for key in filters if key not in NOT_SAVED and filters[key]}
    kind = request.POST.get("report", "")
    formats = ",".join(request.POST.getlist("formats")) or "xlsx"
    # Shared only with departments the owner may see themselves.
    share_ids = [value for value in request.POST.getlist("shared_with") if value.isdigit()]
    visible = departments_visible_to(request.user)
    shared = Department.objects.filter(pk__in=share_ids)
    if visible is not None:
        shared = shared.filter(pk__in=visible)
    weekday = request.POST.get("weekday", "0")
    saved = SavedReport(
        owner=request.user,
        name=request.POST.get("name", "").strip(),
        report=kind,
        params=params,
        schedule=request.POST.get("schedule", ""),
        weekday=int(weekday) if weekday.isdigit() else 7,  # 7: refused by its validator
        formats=formats,
    )
    back = f"{reverse('reports:top')}?{urlencode({**params, 'report': kind})}"
    try:
        saved.full_clean()
        with transaction.atomic():
            saved.save()
            saved.shared_with.set(shared)
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            label = "" if field == "__all__" else SavedReport._meta.get_field(field).verbose_name
            for problem in problems:
                messages.error(request, f"{label}: {problem}" if label else problem)
        return redirect(back)
    except IntegrityError:
        messages.error(
            request, _("You already have a report named %(name)r.") % {"name": saved.name}
        )
        return redirect(back)
    messages.success(request, _("Saved as %(name)r.") % {"name": saved.name})
    return redirect("reports:saved")


@login_required
def saved_reports_page(request):
    """The reports the user saved and those shared with their departments."""
    month = timezone.localdate().replace(day=1)
    saved = [
        {
            "report": report,
            "title": TOP_REPORTS[report.report].title
            if report.report in TOP_REPORTS
            else report.report,
            "url": saved_report_url(report, month),
            "mine": report.owner_id == request.user.pk,
            "formats": formats_of(report.formats),
        }
        for report in saved_reports_visible_to(request.user)
    ]
    return render(request, "reports/saved.html", {"saved": saved, "month": month})


@login_required
@require_POST
def saved_report_delete(request, pk: int):
    saved = get_object_or_404(SavedReport, pk=pk)
    if saved.owner_id != request.user.pk and not request.user.is_staff:
        raise Http404(_("There is no saved report %(id)s of yours.") % {"id": pk})
    name = saved.name
    saved.delete()
    messages.success(request, _("%(name)r deleted.") % {"name": name})
    return redirect("reports:saved")
