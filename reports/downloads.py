"""Report downloads: ``/reports/YYYY-MM/departments.{csv,xlsx,pdf}``,
``/reports/YYYY-MM/extensions.{csv,xlsx,pdf}[?department=ID]`` and the month's calls
as a streamed CSV, ``/reports/YYYY-MM/calls.csv`` (contract).

They answer a signed-in session and a user's API key (``Authorization: Token KEY``)
alike, so that scripts fetch the monthly files with the same scope as the person
(DRF's authentication; a source's key is refused). Errors are JSON with a
``detail`` that says what to do: 401 without credentials, 403 for a source key,
404 for a month that does not exist or a department outside the caller's scope,
400 for a malformed query.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import quote

from django.db import transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from billing.filters import CallFilterSet, calls_in_month
from billing.selectors import calls_visible_to
from capture.models import Source
from core.api import IsUser
from org.models import Department, Extension, Site, Trunk

from .api.serializers import TopQuerySerializer
from .exports import (
    CsvStyle,
    ReportFile,
    calls_xlsx,
    department_report_file,
    extension_report_file,
    neutralize,
    personal_report_file,
    top_report_file,
)
from .personal import personal_chargeback
from .selectors import (
    InvalidMonth,
    department_id_invalid_text,
    department_report,
    extension_report,
    month_parse,
    unrated_calls,
    user_scope,
)
from .templatetags.report_format import grouped
from .topn import top_report

# The calls download's headers, in the order users see them (contract) ...
CALL_CSV_HEADERS = (
    "id",
    "site",
    "source",
    "start",
    "start_utc",
    "duration",
    "ring",
    "answered",
    "direction",
    "extension",
    "holder",
    "department_code",
    "department",
    "trunk",
    "number",
    "normalized_number",
    "destination",
    "category",
    "cost",
    "currency",
    "account_code",
    "pbx_call_id",
)
# ... and the columns of Call (``billing.columns.CALL_COLUMNS``, a test checks) its
# lines are made from, in the order ``_call_lines`` reads them.
CALL_CSV_COLUMNS = (
    "id",
    "site_id",
    "source_id",
    "start",
    "duration_seconds",
    "ring_seconds",
    "answered",
    "direction",
    "extension_id",
    "department_id",
    "trunk_id",
    "number",
    "normalized_number",
    "destination",
    "category",
    "cost",
    "currency",
    "account_code",
    "pbx_call_id",
)
STREAM_CHUNK = 2_000
XLSX_MAX_CALLS = 100_000


class FirstRenderer(BaseContentNegotiation):
    """Errors are JSON whatever the client accepts: a script asking for ``text/csv``
    still reads why it got none."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None


class DownloadView(APIView):
    permission_classes = [IsUser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FirstRenderer
    schema = None  # files, not JSON: documented in the README rather than the schema

    def month(self, value: str) -> dt.date:
        try:
            return month_parse(value)
        except InvalidMonth as error:
            raise NotFound(str(error)) from None


def department_param(request) -> int | None:
    value = request.query_params.get("department")
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise ParseError(department_id_invalid_text(value)) from None


def csv_style(request) -> CsvStyle:
    """``?excel=1``: the CSV in the language's separators (DESIGN.md, Languages)."""
    return CsvStyle.for_excel(request.query_params.get("excel") == "1")


def file_response(report_file: ReportFile) -> HttpResponse:
    response = HttpResponse(report_file.content, content_type=report_file.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(report_file.filename)}"
    return response


class DepartmentReportDownload(DownloadView):
    """The month's department report as CSV, XLSX or PDF."""

    def get(self, request, month: str, fmt: str):
        report = department_report(month=self.month(month), user=request.user)
        return file_response(department_report_file(report, fmt, csv_style=csv_style(request)))


class ExtensionReportDownload(DownloadView):
    """The month's extension report as CSV, XLSX or PDF; ``?department=ID`` narrows it
    to that department and those below it."""

    def get(self, request, month: str, fmt: str):
        first_day = self.month(month)
        department_id = department_param(request)
        lines = extension_report(month=first_day, user=request.user, department_id=department_id)
        department = None
        if department_id is not None:
            department = Department.objects.get(pk=department_id)
        unrated = None
        if fmt != "csv":  # the CSV counts them per line, with no words
            unrated = unrated_calls(
                month=first_day,
                scope=user_scope(request.user),
                count=sum(line.unrated for line in lines),
                department_id=department_id,
            )
        return file_response(
            extension_report_file(
                lines,
                month=first_day,
                fmt=fmt,
                department=department,
                unrated=unrated,
                csv_style=csv_style(request),
            )
        )


class PersonalReportDownload(DownloadView):
    """The month's personal calls to charge back, per person, as CSV, XLSX or PDF:
    those of the caller's departments (administrators: all)."""

    def get(self, request, month: str, fmt: str):
        first_day = self.month(month)
        lines = personal_chargeback(month=first_day, scope=user_scope(request.user))
        return file_response(
            personal_report_file(lines, month=first_day, fmt=fmt, csv_style=csv_style(request))
        )


class TopReportDownload(DownloadView):
    """A top-N report (``reports.topn``) as CSV, XLSX or PDF: the API's parameters
    (``?report=numbers&month=2026-11``...), plus ``excel=1`` for the CSV."""

    def get(self, request, fmt: str):
        query = TopQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = top_report(
            kind=query.validated_data["report"], params=query.params(), user=request.user
        )
        return file_response(top_report_file(report, fmt, csv_style=csv_style(request)))


def _calls_selected(request, month: dt.date | None):
    """The rows of the calls the query's filters select (and ``month``), oldest
    first, in the caller's scope; a filter that does not read is a 400 naming it."""
    calls = calls_visible_to(request.user).select_related(None)
    filters = CallFilterSet(request.query_params, queryset=calls, request=request)
    if not filters.is_valid():
        raise ParseError(
            "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filters.errors.items())
        )
    calls = filters.qs
    if month is not None:
        calls = calls.filter(calls_in_month(month))
    return calls.order_by("start", "id").values_list(*CALL_CSV_COLUMNS)


class CallsXlsxDownload(DownloadView):
    """The call search's result as XLSX: the CSV's columns, at most
    ``XLSX_MAX_CALLS`` calls (a spreadsheet is for reading; the CSV has no limit)."""

    def get(self, request):
        rows = _calls_selected(request, None)
        found = rows.count()
        if found > XLSX_MAX_CALLS:
            raise ParseError(
                _(
                    "%(found)s calls are too many for a spreadsheet (at most %(max)s): "
                    "narrow the search or download the CSV."
                )
                % {"found": grouped(found), "max": grouped(XLSX_MAX_CALLS)}
            )
        sites = {site.pk: site for site in Site.objects.all()}
        return file_response(calls_xlsx(_call_values(rows, sites)))


class _Echo:
    def write(self, value):
        return value


class CallsCsvDownload(DownloadView):
    """Every call of the month the caller may see, as CSV, streamed; without a month
    in the path (``/reports/calls.csv``), every call the filters select: the call
    search's result, exactly.

    Memory stays flat whatever the month's size: calls are read through a
    server-side cursor (``iterator``) a chunk at a time and written row by row. The
    calls API's filters apply (``?site=``, ``?department=``, ``?category=``,
    ``?month=``, ...). Times are the site's local time (``start``) and UTC
    (``start_utc``).
    """

    def get(self, request, month: str | None = None):
        first_day = self.month(month) if month is not None else None
        rows = _calls_selected(request, first_day)
        sites = {site.pk: site for site in Site.objects.all()}
        response = StreamingHttpResponse(
            _call_lines(rows, sites, csv_style(request)), content_type="text/csv; charset=utf-8"
        )
        name = f"calls-{first_day:%Y-%m}.csv" if first_day is not None else "calls.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def _call_lines(rows, sites, style: CsvStyle):
    """CSV lines of ``rows`` (``_call_values``), streamed."""
    writer = style.writer(_Echo())
    yield "\ufeff" + writer.writerow(CALL_CSV_HEADERS)
    for values in _call_values(rows, sites):
        yield writer.writerow([_csv_cell(value, style) for value in values])


def _csv_cell(value, style: CsvStyle):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return style.decimal(value)
    return "" if value is None else value


def _call_values(rows, sites):
    """The values of the calls file's columns (``CALL_CSV_HEADERS``) for each of
    ``rows``, text made safe against formulas; names of extensions, sources,
    departments and trunks come from small maps read once, so the big query joins
    nothing."""
    slugs = {pk: site.slug for pk, site in sites.items()}
    zones = {pk: site.zone for pk, site in sites.items()}
    sources = dict(Source.objects.values_list("id", "slug"))
    extensions = {
        pk: (number, holder)
        for pk, number, holder in Extension.objects.values_list("id", "number", "holder")
    }
    departments = {
        pk: (code, name) for pk, code, name in Department.objects.values_list("id", "code", "name")
    }
    trunks = dict(Trunk.objects.values_list("id", "name"))
    # Inside a transaction the server-side cursor is a plain one that PostgreSQL
    # fills as rows are fetched; outside one (autocommit) Django declares it WITH
    # HOLD, which makes the server compute the whole month before the first row.
    with transaction.atomic():
        for (
            pk,
            site_id,
            source_id,
            start,
            duration,
            ring,
            answered,
            direction,
            extension_id,
            department_id,
            trunk_id,
            number,
            normalized,
            destination,
            category,
            cost,
            currency,
            account_code,
            pbx_call_id,
        ) in rows.iterator(chunk_size=STREAM_CHUNK):
            extension = extensions.get(extension_id, ("", ""))
            department = departments.get(department_id, ("", ""))
            yield [
                pk,
                slugs.get(site_id, ""),
                sources.get(source_id, ""),
                start.astimezone(zones[site_id]).isoformat() if site_id in zones else "",
                start.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
                duration,
                ring,
                answered,
                direction,
                neutralize(extension[0]),
                neutralize(extension[1]),
                neutralize(department[0]),
                neutralize(department[1]),
                neutralize(trunks.get(trunk_id, "")),
                neutralize(number),
                neutralize(normalized),
                neutralize(destination),
                category,
                cost,
                currency,
                neutralize(account_code),
                neutralize(pbx_call_id),
            ]
