"""Carrier invoice reconciliation: does the carrier's itemized bill match our calls?

An invoice (CSV or XLSX, laid out as its :class:`~reports.models.InvoiceMapping`
says) is read and checked line by line: one wrong line rejects the file, naming it.
Each line is then matched to one of the site's answered outgoing calls: the same
number (both normalized as the site's numbering plan reads them), a start within the
mapping's tolerance (the invoice's times are the site's local time) and a duration
within its tolerance; among several, the closest start wins, and no call matches two
lines. What comes out: the matched pairs with their price differences, the invoice
lines we have no call for (a capture gap, or a carrier's error), our calls the
carrier did not bill, and the totals on both sides.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.selectors import BilledCall, calls_answered_outgoing
from core.tables import TableErrors, table_records
from org.models import Site
from rating.services import number_normalized

from .exports import MONEY_FORMAT, Column, neutralize
from .models import InvoiceMapping

_DURATION = re.compile(r"^(?:(\d+):)?(\d+):(\d{1,2})$")


class InvoiceError(TableErrors):
    """An invoice that cannot be reconciled; ``errors`` names each line at fault."""


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    line: int
    start: dt.datetime  # aware, the site's zone
    number: str  # as the invoice writes it
    normalized: str
    duration_seconds: int
    cost: Decimal


@dataclass
class Reconciliation:
    site: Site
    mapping: InvoiceMapping
    lines: list[InvoiceLine]
    matched: list[tuple[InvoiceLine, BilledCall]] = field(default_factory=list)
    invoice_only: list[InvoiceLine] = field(default_factory=list)
    calls_only: list[BilledCall] = field(default_factory=list)

    @property
    def invoice_total(self) -> Decimal:
        return sum((line.cost for line in self.lines), Decimal(0))

    @property
    def calls_total(self) -> Decimal:
        """What we priced the calls of the invoice's period at (matched or not)."""
        calls = [call for _line, call in self.matched] + self.calls_only
        return sum((call.cost or Decimal(0) for call in calls), Decimal(0))

    @property
    def matched_difference(self) -> Decimal:
        """The invoice's price minus ours, over the matched calls (positive: billed more)."""
        return sum(
            (line.cost - (call.cost or Decimal(0)) for line, call in self.matched), Decimal(0)
        )

    def summary(self) -> str:
        return _(
            "%(lines)s invoice lines, %(matched)s matched to our calls, %(invoice_only)s "
            "without a call of ours, %(calls_only)s calls of ours not billed; invoice total "
            "%(invoice_total)s, our total %(calls_total)s, difference on the matched calls "
            "%(difference)s"
        ) % {
            "lines": f"{len(self.lines):,}",
            "matched": f"{len(self.matched):,}",
            "invoice_only": f"{len(self.invoice_only):,}",
            "calls_only": f"{len(self.calls_only):,}",
            "invoice_total": f"{self.invoice_total:,.2f}",
            "calls_total": f"{self.calls_total:,.2f}",
            "difference": f"{self.matched_difference:+,.2f}",
        }


# --- reading ------------------------------------------------------------------------


def invoice_read(
    path: str | Path, mapping: InvoiceMapping, site: Site, *, content: bytes | None = None
) -> list[InvoiceLine]:
    """Read and check every line of an invoice; raise :class:`InvoiceError` naming
    each one at fault (then nothing is reconciled)."""
    name = str(path)
    records = table_records(name, content)
    header = next(records, None)
    if header is None:
        raise InvoiceError([_("%(file)s: the file is empty") % {"file": name}])
    titles = [str(cell or "").strip() for cell in header]
    positions = {title.lower(): index for index, title in enumerate(titles) if title}
    wanted = {
        "start": mapping.start_column,
        "date": "" if mapping.start_column else mapping.date_column,
        "time": "" if mapping.start_column else mapping.time_column,
        "number": mapping.number_column,
        "duration": mapping.duration_column,
        "cost": mapping.cost_column,
    }
    missing = [title for title in wanted.values() if title and title.lower() not in positions]
    if missing:
        raise InvoiceError(
            [
                _(
                    "line 1: no column %(missing)s, which mapping %(mapping)s names; the "
                    "file's columns are %(found)s"
                )
                % {
                    "missing": ", ".join(repr(title) for title in missing),
                    "mapping": mapping.name,
                    "found": ", ".join(repr(title) for title in titles if title) or "-",
                }
            ]
        )
    index = {key: positions[title.lower()] for key, title in wanted.items() if title}
    lines: list[InvoiceLine] = []
    errors: list[str] = []
    for number, values in enumerate(records, start=2):
        cells = list(values)
        if not any(str(cell or "").strip() for cell in cells):
            continue
        line = _line(number, cells, index, wanted, mapping, site, errors)
        if line is not None:
            lines.append(line)
    if errors:
        raise InvoiceError(errors)
    if not lines:
        raise InvoiceError([_("%(file)s: no calls in the invoice") % {"file": name}])
    return lines


def _line(number, cells, index, titles, mapping, site, errors) -> InvoiceLine | None:
    problems: list[str] = []

    def cell(key):
        position = index[key]
        return cells[position] if position < len(cells) else None

    def problem(key, message):
        problems.append(
            _("line %(line)d, %(column)s: %(problem)s")
            % {"line": number, "column": titles[key], "problem": message}
        )

    if "start" in index:
        start = _moment(cell("start"), None, mapping.date_order, site, problem)
    else:
        start = _moment(cell("date"), cell("time"), mapping.date_order, site, problem)
    dialled = str(cell("number") or "").strip()
    if dialled.endswith(".0") and dialled[:-2].isdigit():
        dialled = dialled[:-2]  # a spreadsheet's number cell
    normalized = number_normalized(site, dialled, outgoing=False) if dialled else ""
    if not normalized:
        problem("number", _("%(value)r is not a phone number") % {"value": dialled})
    duration = _seconds(cell("duration"), lambda message: problem("duration", message))
    cost = _amount(cell("cost"), lambda message: problem("cost", message))
    if problems:
        errors.extend(problems)
        return None
    return InvoiceLine(number, start, dialled, normalized, duration, cost)


def _moment(value, time_value, order, site, problem) -> dt.datetime | None:
    """An aware moment in the site's zone from one cell, or a date and a time cell."""
    key = "start" if time_value is None else "date"
    if isinstance(value, dt.datetime) and time_value is None:
        return value.replace(tzinfo=site.zone)
    text = value.isoformat() if isinstance(value, dt.date) else str(value or "").strip()
    if time_value is not None:
        clock = time_value if isinstance(time_value, dt.time) else None
        if isinstance(time_value, dt.datetime):
            clock = time_value.time()
        clock_text = clock.isoformat() if clock else str(time_value or "").strip()
        if isinstance(value, dt.datetime):
            text = value.date().isoformat()
        text = f"{text} {clock_text}"
    parsed = _parse_moment(text, "iso" if isinstance(value, dt.date) else order)
    if parsed is None:
        example = {"dmy": "31/12/2026 14:05:09", "mdy": "12/31/2026 14:05:09"}.get(
            order, "2026-12-31 14:05:09"
        )
        problem(
            key,
            _("%(value)r is not a date and time like %(example)s")
            % {
                "value": text,
                "example": example,
            },
        )
        return None
    return parsed.replace(tzinfo=site.zone)


def _parse_moment(text: str, order: str) -> dt.datetime | None:
    date_part, _space, time_part = text.replace("T", " ").partition(" ")
    try:
        if "-" in date_part:
            day = dt.date.fromisoformat(date_part)
        else:
            first, second, year = (int(part) for part in date_part.split("/"))
            if year < 100:
                year += 2000
            month, day_number = (second, first) if order == "dmy" else (first, second)
            day = dt.date(year, month, day_number)
        clock = dt.time.fromisoformat(time_part.strip()) if time_part.strip() else dt.time()
    except ValueError:
        return None
    return dt.datetime.combine(day, clock.replace(tzinfo=None))


def _seconds(value, problem) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return round(value)
    if isinstance(value, dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second
    if isinstance(value, dt.timedelta):  # an XLSX duration cell ([h]:mm:ss)
        return round(value.total_seconds())
    text = str(value or "").strip()
    if text.isdigit():
        return int(text)
    found = _DURATION.match(text)
    if found and int(found[3]) < 60:
        hours, minutes, seconds = (int(part or 0) for part in found.groups())
        return hours * 3600 + minutes * 60 + seconds
    problem(_("%(value)r is not a duration like 125, 2:05 or 0:02:05") % {"value": text})
    return 0


def _amount(value, problem) -> Decimal:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    text = str(value or "").strip().replace("$", "").replace(" ", "")
    if "," in text and "." in text:  # the last separator is the decimal one
        thousands = "." if text.rfind(",") > text.rfind(".") else ","
        text = text.replace(thousands, "")
    text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        problem(_("%(value)r is not an amount") % {"value": str(value or "")})
        return Decimal(0)
    return amount


# --- matching -----------------------------------------------------------------------


def invoice_reconcile(
    lines: list[InvoiceLine], mapping: InvoiceMapping, site: Site, *, trunk: str = ""
) -> Reconciliation:
    """Match ``lines`` to the site's answered outgoing calls (of ``trunk``, if named)
    from the first line's start to the last one's, tolerances included."""
    tolerance = dt.timedelta(seconds=mapping.start_tolerance_seconds)
    first = min(line.start for line in lines) - tolerance
    last = max(line.start for line in lines) + tolerance + dt.timedelta(seconds=1)
    calls = calls_answered_outgoing(site, first, last, trunk=trunk)
    by_number: dict[str, list[BilledCall]] = defaultdict(list)
    for call in calls:
        by_number[call.normalized_number].append(call)  # in start order
    starts = {number: [call.start for call in group] for number, group in by_number.items()}
    taken: set[int] = set()
    result = Reconciliation(site=site, mapping=mapping, lines=lines)
    for line in sorted(lines, key=lambda line: (line.start, line.line)):
        group = by_number.get(line.normalized, [])
        low = bisect.bisect_left(starts.get(line.normalized, []), line.start - tolerance)
        best = None
        for call in group[low:]:
            if call.start > line.start + tolerance:
                break
            if call.id in taken:
                continue
            if abs(call.duration_seconds - line.duration_seconds) > (
                mapping.duration_tolerance_seconds
            ):
                continue
            if best is None or abs(call.start - line.start) < abs(best.start - line.start):
                best = call
        if best is None:
            result.invoice_only.append(line)
        else:
            taken.add(best.id)
            result.matched.append((line, best))
    result.calls_only = [call for call in calls if call.id not in taken]
    return result


# --- the spreadsheet ----------------------------------------------------------------


def reconciliation_xlsx(result: Reconciliation) -> bytes:
    """Four sheets: the totals, the matched calls with their differences, the invoice
    lines without a call, our calls not billed."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    zone = result.site.zone

    def local(moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(zone).replace(tzinfo=None)

    sheets = [
        (
            gettext_lazy("Totals"),
            [Column(gettext_lazy("What"), width=40), Column(gettext_lazy("Value"), "number", 16)],
            [
                [_("Invoice lines"), len(result.lines)],
                [_("Matched to our calls"), len(result.matched)],
                [_("Invoice lines without a call of ours"), len(result.invoice_only)],
                [_("Our calls not billed"), len(result.calls_only)],
                [_("Invoice total"), result.invoice_total],
                [_("Our total"), result.calls_total],
                [_("Difference on the matched calls"), result.matched_difference],
            ],
        ),
        (
            gettext_lazy("Matched"),
            [
                Column(gettext_lazy("Line"), "int", 8),
                Column(gettext_lazy("Start (invoice)"), "datetime", 20),
                Column(gettext_lazy("Start (ours)"), "datetime", 20),
                Column(gettext_lazy("Number"), width=18),
                Column(gettext_lazy("Extension"), width=10),
                Column(gettext_lazy("Seconds (invoice)"), "int", 10),
                Column(gettext_lazy("Seconds (ours)"), "int", 10),
                Column(gettext_lazy("Cost (invoice)"), "money", 14),
                Column(gettext_lazy("Cost (ours)"), "money", 14),
                Column(gettext_lazy("Difference"), "money", 14),
            ],
            [
                [
                    line.line,
                    local(line.start),
                    local(call.start),
                    line.number,
                    call.extension,
                    line.duration_seconds,
                    call.duration_seconds,
                    line.cost,
                    call.cost,
                    line.cost - (call.cost or Decimal(0)),
                ]
                for line, call in result.matched
            ],
        ),
        (
            gettext_lazy("Not in our calls"),
            [
                Column(gettext_lazy("Line"), "int", 8),
                Column(gettext_lazy("Start"), "datetime", 20),
                Column(gettext_lazy("Number"), width=18),
                Column(gettext_lazy("Seconds"), "int", 10),
                Column(gettext_lazy("Cost"), "money", 14),
            ],
            [
                [line.line, local(line.start), line.number, line.duration_seconds, line.cost]
                for line in result.invoice_only
            ],
        ),
        (
            gettext_lazy("Not billed"),
            [
                Column(gettext_lazy("Start"), "datetime", 20),
                Column(gettext_lazy("Number"), width=18),
                Column(gettext_lazy("Extension"), width=10),
                Column(gettext_lazy("Seconds"), "int", 10),
                Column(gettext_lazy("Cost"), "money", 14),
            ],
            [
                [local(call.start), call.number, call.extension, call.duration_seconds, call.cost]
                for call in result.calls_only
            ],
        ),
    ]
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    formats = {"money": MONEY_FORMAT, "int": "#,##0", "datetime": "yyyy-mm-dd hh:mm:ss"}
    for title, columns, rows in sheets:
        sheet = workbook.create_sheet(str(title)[:31])
        sheet.append([str(column.title) for column in columns])
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
        for row in rows:
            sheet.append([neutralize(value) for value in row])
        for position, column in enumerate(columns, start=1):
            sheet.column_dimensions[
                sheet.cell(row=1, column=position).column_letter
            ].width = column.width
            if column.kind in formats:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                    cell.number_format = formats[column.kind]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
