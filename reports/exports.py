"""Report files: the monthly department and extension reports as CSV, XLSX and PDF.

What goes in each file is what the selectors return; this module only lays it out.
Costs are written exactly (the rollups' four decimals) in CSV and XLSX, so a
spreadsheet's sum equals the calls'; the XLSX shows them to two decimals through a
number format, and the PDF, which is for reading, rounds them half-even to two.

Unrated calls (no price) are counted in an ``Unrated`` column of every line, the
last one so that the CSV's machine format only grows; the XLSX adds a note under the
table and the PDF a line under the totals saying how many calls are not priced and
why (``reports.selectors.UnratedCalls``).

Safety: a text cell that a spreadsheet would read as a formula (one starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return, per OWASP's "CSV injection")
is prefixed with a single quote. Numbers are written as numbers and left alone: a
negative cost (a credit after re-rating) stays a number.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format, get_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from org.models import Department

from .personal import ChargebackLine, personal_cost_of, personal_costs_by_department
from .selectors import (
    NO_DEPARTMENT_NAME,
    DepartmentNode,
    DepartmentReport,
    ExtensionLine,
    Totals,
    UnratedCalls,
    extension_report_for_scope,
    extension_totals,
    month_following,
    unrated_calls,
)
from .templatetags.report_format import category_label, grouped

FORMATS = ("csv", "xlsx", "pdf")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
INTEGER_FORMAT = "#,##0"

logger = logging.getLogger(__name__)

# The PDFs' fonts (reportlab's built-in Helvetica: nothing to install) and layout.
PDF_FONT, PDF_FONT_BOLD, PDF_FONT_SIZE = "Helvetica", "Helvetica-Bold", 8
PDF_CELL_PADDING = 12  # points: a table cell's left and right padding (reportlab's 6 + 6)
PDF_MARGIN_MM = 15
PDF_HEADER_MM = 27  # the top margin: the header (a logo 10 mm high at 12 mm) and a gap
PDF_LOGO_HEIGHT_MM = 10
PDF_CHART_DEPARTMENTS = 10  # bars in the department report's chart, per currency


class UnknownFormat(ValueError):
    pass


@dataclass(frozen=True)
class ReportFile:
    """A report ready to send: its bytes, media type and a file name to save it as."""

    content: bytes
    content_type: str
    filename: str


def neutralize(value):
    """A cell value safe to open in a spreadsheet: text that would start a formula is
    quoted; numbers, dates and ``None`` pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise UnknownFormat(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.")


# ---------------------------------------------------------------- tables


@dataclass(frozen=True)
class Column:
    """A column: ``title`` is lazy, in the reader's language in the XLSX; the CSV
    writes its English source, the machine format (``_csv``)."""

    title: Any
    kind: str = "text"  # text | int | money
    width: int = 12


def _department_table(report: DepartmentReport) -> tuple[list[Column], list[list], list]:
    """Columns, one row per department (tree order) and the total row."""
    currencies = report.currencies
    columns = [
        Column(gettext_lazy("Code"), width=10),
        Column(gettext_lazy("Department"), width=34),
        Column(gettext_lazy("Path"), width=44),
        Column(gettext_lazy("Level"), "int", 6),
        Column(gettext_lazy("Calls"), "int", 10),
        Column(gettext_lazy("Answered"), "int", 10),
        Column(gettext_lazy("Seconds"), "int", 12),
        *(
            Column(_with_currency(gettext_lazy("Cost"), currency), "money", 14)
            for currency in currencies
        ),
        Column(gettext_lazy("Subtotal calls"), "int", 14),
        Column(gettext_lazy("Subtotal seconds"), "int", 16),
        *(
            Column(_with_currency(gettext_lazy("Subtotal cost"), currency), "money", 20)
            for currency in currencies
        ),
        # The CSV writes these titles in English (its machine format); the XLSX
        # translates them.
        Column(gettext_lazy("Unrated"), "int", 10),
        Column(gettext_lazy("Subtotal unrated"), "int", 16),
        *(
            Column(_with_currency(gettext_lazy("Personal cost"), currency), "money", 16)
            for currency in currencies
        ),
    ]
    personal = _department_personal(report)
    # Fixed charges (rentals, plans, contracts), when there are any: after the columns
    # that were there before them, so the CSV's machine format only grows.
    with_fixed = bool(report.total.fixed)
    if with_fixed:
        for currency in currencies:
            columns += [
                Column(_with_currency(gettext_lazy("Fixed charges"), currency), "money", 16),
                Column(
                    _with_currency(gettext_lazy("Subtotal fixed charges"), currency), "money", 22
                ),
                Column(
                    _with_currency(gettext_lazy("Subtotal with fixed charges"), currency),
                    "money",
                    26,
                ),
            ]
    rows = []
    for node in report.nodes():
        rows.append(
            [
                node.code,
                node.name,
                " / ".join(node.path),
                node.depth,
                node.totals.calls,
                node.totals.answered,
                node.totals.seconds,
                *(node.totals.cost_in(currency) for currency in currencies),
                node.subtotal.calls,
                node.subtotal.seconds,
                *(node.subtotal.cost_in(currency) for currency in currencies),
                node.totals.unrated,
                node.subtotal.unrated,
                *(personal(node, currency) for currency in currencies),
                *(_fixed_cells(node.totals, node.subtotal, currencies) if with_fixed else ()),
            ]
        )
    total = report.total
    total_row = [
        "",
        _("Total"),
        "",
        None,
        total.calls,
        total.answered,
        total.seconds,
        *(total.cost_in(currency) for currency in currencies),
        total.calls,
        total.seconds,
        *(total.cost_in(currency) for currency in currencies),
        total.unrated,
        total.unrated,
        *(
            sum((personal(node, currency) for node in report.nodes()), Decimal(0))
            for currency in currencies
        ),
        *(_fixed_cells(total, total, currencies) if with_fixed else ()),
    ]
    return columns, rows, total_row


def _fixed_cells(own: Totals, subtotal: Totals, currencies) -> list[Decimal]:
    return [
        amount
        for currency in currencies
        for amount in (
            own.fixed_in(currency),
            subtotal.fixed_in(currency),
            subtotal.total_in(currency),
        )
    ]


def _department_personal(report: DepartmentReport):
    """``personal(node, currency)``: the personal cost of a line's own calls (from the
    calls: ``reports.personal``); "No department" counts departments gone too."""
    costs = personal_costs_by_department(month=report.month, scope=report.scope)
    known = {node.id for node in report.nodes() if node.id is not None}
    orphans = [None, *(key for key in costs if key is not None and key not in known)]

    def personal(node: DepartmentNode, currency: str) -> Decimal:
        return personal_cost_of(costs, [node.id] if node.id is not None else orphans, currency)

    return personal


def _with_currency(title, currency: str):
    """``Cost ARS``: a column title and a currency code, lazily."""
    return format_lazy("{} {}", title, currency)


EXTENSION_COLUMNS = [
    Column(gettext_lazy("Site"), width=14),
    Column(gettext_lazy("Extension"), width=10),
    Column(gettext_lazy("Holder"), width=28),
    Column(gettext_lazy("Department code"), width=10),
    Column(gettext_lazy("Department"), width=28),
    Column(gettext_lazy("Calls"), "int", 10),
    Column(gettext_lazy("Answered"), "int", 10),
    Column(gettext_lazy("Seconds"), "int", 12),
    Column(gettext_lazy("Outgoing"), "int", 10),
    Column(gettext_lazy("Incoming"), "int", 10),
    Column(gettext_lazy("Internal"), "int", 10),
    Column(gettext_lazy("Cost"), "money", 14),
    Column(gettext_lazy("Currency"), width=9),
    Column(gettext_lazy("Unrated"), "int", 10),
]


def _extension_row(line: ExtensionLine) -> list:
    return [
        line.site_slug,
        line.number,
        line.holder,
        line.department_code,
        line.department_name,
        line.calls,
        line.answered,
        line.seconds,
        line.outgoing,
        line.incoming,
        line.internal,
        line.cost,
        line.currency,
        line.unrated,
    ]


def _extension_total_rows(lines: Sequence[ExtensionLine]) -> list[list]:
    """One total row per currency (a single one when the sites share a currency)."""
    currencies = sorted({line.currency for line in lines}) or [""]
    rows = []
    for currency in currencies:
        group = [line for line in lines if line.currency == currency]
        totals = extension_totals(group)
        rows.append(
            [
                "",
                "",
                _("Total") if len(currencies) == 1 else f"{_('Total')} {currency}",
                "",
                "",
                totals.calls,
                totals.answered,
                totals.seconds,
                sum(line.outgoing for line in group),
                sum(line.incoming for line in group),
                sum(line.internal for line in group),
                totals.cost_in(currency),
                currency,
                totals.unrated,
            ]
        )
    return rows


def _fixed_total(lines: Sequence[ExtensionLine], currency: str) -> Decimal:
    return sum((line.fixed for line in lines if line.currency == currency), Decimal(0))


@dataclass(frozen=True)
class CsvStyle:
    """How a CSV writes its fields: the machine format (commas, dot decimals), or with
    ``?excel=1`` the active language's decimal mark and a separator that does not
    clash with it (``;`` where the decimal mark is a comma), as Excel reads a CSV in
    that locale. Both start with a UTF-8 byte-order mark, for accents."""

    delimiter: str = ","
    decimal_mark: str = "."

    @classmethod
    def for_excel(cls, excel: bool) -> CsvStyle:
        if not excel:
            return cls()
        decimal_mark = str(get_format("DECIMAL_SEPARATOR"))
        return cls(delimiter=";" if decimal_mark == "," else ",", decimal_mark=decimal_mark)

    def decimal(self, value: Decimal) -> str:
        return f"{value:f}".replace(".", self.decimal_mark)

    def writer(self, out):
        return csv.writer(out, delimiter=self.delimiter, lineterminator="\r\n")


MACHINE_CSV = CsvStyle()


# ---------------------------------------------------------------- entry points


def department_report_file(
    report: DepartmentReport,
    fmt: str,
    *,
    extensions: Sequence[ExtensionLine] | None = None,
    csv_style: CsvStyle = MACHINE_CSV,
) -> ReportFile:
    """The department report as a file of ``fmt`` (``csv``, ``xlsx`` or ``pdf``).

    The PDF has a page per department listing its extensions; they are read for the
    report's scope unless the caller passes ``extensions`` it already holds.
    """
    _check_format(fmt)
    name = f"departments-{report.month:%Y-%m}.{fmt}"
    title = _("Departments, %(month)s") % {"month": _month_text(report.month)}
    unrated = None
    if fmt != "csv":  # the CSV counts them in its column, with no words
        unrated = unrated_calls(month=report.month, scope=report.scope, count=report.total.unrated)
    if fmt == "pdf":
        if extensions is None:
            extensions = extension_report_for_scope(month=report.month, scope=report.scope)
        content = _department_pdf(report, extensions, unrated)
    else:
        columns, rows, total_row = _department_table(report)
        if fmt == "csv":
            content = _csv(columns, [*rows, total_row], csv_style)
        else:
            indents = [node.depth for node in report.nodes()]
            content = _xlsx(
                title,
                columns,
                rows,
                [total_row],
                indents=indents,
                indent_column=1,
                notes=_notes(unrated),
            )
    return ReportFile(content=content, content_type=CONTENT_TYPES[fmt], filename=name)


def extension_report_file(
    lines: Sequence[ExtensionLine],
    *,
    month: dt.date,
    fmt: str,
    department: Department | DepartmentNode | None = None,
    unrated: UnratedCalls | None = None,
    csv_style: CsvStyle = MACHINE_CSV,
) -> ReportFile:
    """The extension report (``lines`` from ``extension_report``) as a file of ``fmt``.

    ``department``, when the lines were narrowed to one, names it in the title and
    the file name (its code and name are used). ``unrated`` says why calls of the
    lines have no price; without it the XLSX and PDF give only how many.
    """
    _check_format(fmt)
    suffix = f"-{department.code}" if department and department.code else ""
    name = f"extensions-{month:%Y-%m}{suffix}.{fmt}"
    title = _("Extensions, %(month)s") % {"month": _month_text(month)}
    if department is not None:
        title += f", {department.name}"
    lines = list(lines)
    rows = [_extension_row(line) for line in lines]
    totals = _extension_total_rows(lines)
    columns = EXTENSION_COLUMNS
    if any(line.fixed for line in lines):  # last, so the CSV's machine format only grows
        columns = [*columns, Column(gettext_lazy("Fixed charges"), "money", 16)]
        rows = [[*row, line.fixed] for row, line in zip(rows, lines, strict=True)]
        totals = [[*row, _fixed_total(lines, row[12])] for row in totals]
    count = sum(line.unrated for line in lines)
    if unrated is None and count:
        unrated = UnratedCalls(count=count)
    if fmt == "csv":
        content = _csv(columns, [*rows, *totals], csv_style)
    elif fmt == "xlsx":
        content = _xlsx(title, columns, rows, totals, notes=_notes(unrated))
    else:
        content = _extension_pdf(lines, month=month, title=title, unrated=unrated)
    return ReportFile(content=content, content_type=CONTENT_TYPES[fmt], filename=name)


def _month_text(month: dt.date) -> str:
    """``December 2026``, ``diciembre de 2026``: the month in the active language."""
    return date_format(month, "YEAR_MONTH_FORMAT")


def _day_text(day: dt.date) -> str:
    """``01 October 2026``; the format is the translators' (a PHP-style date format)."""
    return date_format(day, pgettext("PDF period date, in Django's date format", "d F Y"))


def _notes(unrated: UnratedCalls | None) -> list[str]:
    return [unrated.text()] if unrated else []


# ---------------------------------------------------------------- CSV


def _csv_value(value, style: CsvStyle):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return style.decimal(value)
    return neutralize(value)


def _csv(columns: Sequence[Column], rows: Iterable[Sequence], style: CsvStyle) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheets open accents correctly."""
    buffer = io.StringIO()
    writer = style.writer(buffer)
    with translation.override(None):  # the English titles: the CSV's machine format
        writer.writerow([str(column.title) for column in columns])
    for row in rows:
        writer.writerow([_csv_value(value, style) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# ---------------------------------------------------------------- XLSX


def _xlsx(
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence],
    total_rows: Sequence[Sequence],
    *,
    indents: Sequence[int] | None = None,
    indent_column: int | None = None,
    notes: Sequence[str] = (),
) -> bytes:
    """A sheet of ``rows`` under a bold header, ``total_rows`` in bold, then each of
    ``notes`` in the first cell of a row of its own, a row below the table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title.split(",")[0][:31]
    sheet.append([str(column.title) for column in columns])
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    sheet.freeze_panes = "A2"  # the header row stays in view
    for index, row in enumerate(rows):
        sheet.append([neutralize(value) for value in row])
        if indents is not None and indent_column is not None and indents[index]:
            cell = sheet.cell(row=sheet.max_row, column=indent_column + 1)
            cell.alignment = Alignment(indent=indents[index] * 2)
    for row in total_rows:
        sheet.append([neutralize(value) for value in row])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
    table_end = sheet.max_row
    for position, column in enumerate(columns, start=1):
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = column.width
        number_format = {"money": MONEY_FORMAT, "int": INTEGER_FORMAT}.get(column.kind)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                cell.number_format = number_format
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, table_end)}"
    if notes:
        sheet.append([])  # a blank row keeps the notes out of the table's filter and sums
        for note in notes:
            sheet.append([neutralize(note)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- PDF


def _money_text(amount: Decimal | None, currency: str | None = None) -> str:
    if amount is None:
        return "—"
    text = grouped(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN), 2)
    return f"{text} {currency}" if currency else text


def _costs_text(totals: Totals) -> str:
    return _amounts_text(totals.costs)


def _amounts_text(amounts: Sequence[tuple[str, Decimal]]) -> str:
    if not amounts:
        return _money_text(Decimal(0))
    return "; ".join(_money_text(amount, currency) for currency, amount in amounts)


def _duration_text(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{grouped(hours)}:{rest // 60:02d}:{rest % 60:02d}"


class _Pdf:
    """The building blocks shared by the PDFs (reportlab's platypus): a header with the
    organization's logo and name on every page, "Page n of m" at the foot, tables whose
    columns are as wide as their content, and a bar chart."""

    def __init__(self, title: str, month: dt.date) -> None:
        from reportlab.lib import colors
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.styles import getSampleStyleSheet
        from reportlab.lib.units import mm

        self.colors, self.mm = colors, mm
        self.styles = getSampleStyleSheet()
        self.title = title
        self.month = month
        self.organization = settings.TARIFICADOR_ORGANIZATION_NAME
        self.pagesize = A4
        self.story: list = []
        self._indented: dict[int, Any] = {}

    @property
    def width(self) -> float:
        """The width the story flows in: the page less its margins and the frame's
        padding (platypus's 6 points a side)."""
        return self.pagesize[0] - 2 * PDF_MARGIN_MM * self.mm - 12

    def paragraph(self, text: str, style: str = "Normal"):
        from xml.sax.saxutils import escape

        from reportlab.platypus import Paragraph

        return Paragraph(escape(text), self.styles[style])

    def indented(self, text: str, depth: int):
        """A table cell's text set in by ``depth`` steps (a department under another)."""
        from xml.sax.saxutils import escape

        from reportlab.lib.styles import ParagraphStyle
        from reportlab.platypus import Paragraph

        if depth not in self._indented:
            self._indented[depth] = ParagraphStyle(
                f"Indented{depth}", parent=self.styles["BodyText"], leftIndent=depth * 4 * self.mm
            )
        return Paragraph(escape(text), self._indented[depth])

    def heading(self, text: str, level: int = 1) -> None:
        self.story.append(self.paragraph(text, f"Heading{level}"))

    def text(self, text: str) -> None:
        self.story.append(self.paragraph(text))

    def landscape_if_wider(self, width: float) -> None:
        """Turn the pages when a table ``width`` points wide would not fit across them."""
        from reportlab.lib.pagesizes import landscape

        if width > self.width:
            self.pagesize = landscape(self.pagesize)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence],
        numeric_from: int,
        *,
        fit: int | None = None,
        total_rows: int = 0,
    ) -> None:
        """A table with a bold header repeated on each page. Cells before
        ``numeric_from`` wrap (paragraphs) unless ``fit`` is given: then every cell
        stays on one line, each column as wide as its widest text, and column ``fit``
        (the holder) takes what the others leave when that is not enough, a text too
        long for it ending in "…". The last ``total_rows`` are totals, in bold."""
        from reportlab.platypus import Flowable, LongTable, Spacer, TableStyle

        widths = None
        if fit is not None:
            widths, rows = self._fitted(header, rows, fit, total_rows)
            cells = [list(header)] + [list(row) for row in rows]
        else:
            cells = [list(header)] + [
                [
                    v
                    if isinstance(v, Flowable)
                    else self.paragraph(str(v), "BodyText")
                    if i < numeric_from
                    else str(v)
                    for i, v in enumerate(row)
                ]
                for row in rows
            ]
        table = LongTable(cells, colWidths=widths, repeatRows=1, hAlign="LEFT" if widths else None)
        style = [
            ("FONT", (0, 0), (-1, 0), PDF_FONT_BOLD, PDF_FONT_SIZE),
            ("FONTSIZE", (0, 1), (-1, -1), PDF_FONT_SIZE),
            ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, self.colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        for index in range(2, len(cells) - total_rows, 2):
            style.append(("BACKGROUND", (0, index), (-1, index), self.colors.whitesmoke))
        if total_rows:
            first = len(cells) - total_rows
            style.append(("FONT", (0, first), (-1, -1), PDF_FONT_BOLD, PDF_FONT_SIZE))
            style.append(("LINEABOVE", (0, first), (-1, first), 0.5, self.colors.black))
        table.setStyle(TableStyle(style))
        self.story.append(table)
        self.story.append(Spacer(1, 4 * self.mm))

    def _fitted(
        self, header: Sequence[str], rows: Sequence[Sequence], fit: int, total_rows: int
    ) -> tuple[list[float], list[list[str]]]:
        """The columns' widths, and the rows with column ``fit`` cut to its width."""
        widths = _natural_widths(header, rows, total_rows)
        room = self.width - (sum(widths) - widths[fit])
        if widths[fit] <= room:
            return widths, [list(map(str, row)) for row in rows]
        widths[fit] = max(room, 20 * self.mm)  # a holder column too narrow to read helps no one
        text_width = widths[fit] - PDF_CELL_PADDING
        fitted = []
        for row in rows:
            row = list(map(str, row))
            row[fit] = _truncated(row[fit], text_width)
            fitted.append(row)
        return widths, fitted

    def chart(self, title: str, bars: Sequence[tuple[str, Decimal, str]]) -> None:
        """A horizontal bar chart of ``(label, amount, amount's text)``, in that order
        from the top, under ``title``."""
        from reportlab.graphics.charts.barcharts import HorizontalBarChart
        from reportlab.graphics.shapes import Drawing
        from reportlab.pdfbase.pdfmetrics import stringWidth

        size, bar = 7, 5 * self.mm
        labels = [_truncated(label, 70 * self.mm, size) for label, _amount, _text in bars]
        label_width = max(stringWidth(label, PDF_FONT, size) for label in labels) + 4
        value_width = max(stringWidth(text, PDF_FONT, size) for *_rest, text in bars) + 6
        drawing = Drawing(self.width, len(bars) * bar + 4 * self.mm)
        chart = HorizontalBarChart()
        chart.x, chart.y = label_width, 2 * self.mm
        chart.width = self.width - label_width - value_width
        chart.height = len(bars) * bar
        # The chart draws its first category at the bottom: reversed, the largest is on top.
        chart.data = [[float(amount) for _label, amount, _text in reversed(bars)]]
        chart.categoryAxis.categoryNames = list(reversed(labels))
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.categoryAxis.labels.dx = -3
        chart.categoryAxis.labels.fontName = PDF_FONT
        chart.categoryAxis.labels.fontSize = size
        chart.valueAxis.valueMin = 0
        chart.valueAxis.visible = False  # each bar says its amount (and an axis costs time)
        chart.bars[0].fillColor = self.colors.HexColor("#4f81bd")
        chart.bars[0].strokeColor = None
        chart.barLabelFormat = "values"
        chart.barLabelArray = [[text for *_rest, text in reversed(bars)]]
        chart.barLabels.boxAnchor = "w"
        chart.barLabels.dx = 3
        chart.barLabels.fontName = PDF_FONT
        chart.barLabels.fontSize = size
        drawing.add(chart)
        self.heading(title, 3)
        self.story.append(drawing)

    def page_break(self) -> None:
        from reportlab.platypus import PageBreak

        self.story.append(PageBreak())

    def build(self) -> bytes:
        from reportlab.platypus import SimpleDocTemplate

        buffer = io.BytesIO()
        margin = PDF_MARGIN_MM * self.mm
        logo = _organization_logo(settings.TARIFICADOR_ORGANIZATION_LOGO)

        image = None
        if logo is not None:
            from reportlab.lib.utils import ImageReader

            image = ImageReader(io.BytesIO(logo[0]))  # one per document: embedded once

        def decorate(canvas, document):
            """The header: the logo, the organization's name and the report's title."""
            width, height = self.pagesize
            bottom = height - (PDF_HEADER_MM - 5) * self.mm
            canvas.saveState()
            left = margin
            if logo is not None:
                _data, pixels_wide, pixels_high = logo
                logo_high = PDF_LOGO_HEIGHT_MM * self.mm
                logo_wide = min(logo_high * pixels_wide / pixels_high, 50 * self.mm)
                canvas.drawImage(
                    image,
                    left,
                    bottom,
                    logo_wide,
                    logo_high,
                    preserveAspectRatio=True,
                    anchor="sw",
                    mask="auto",
                )
                left += logo_wide + 3 * self.mm
            canvas.setFont(PDF_FONT_BOLD, 9)
            canvas.drawString(left, bottom + 1 * self.mm, self.organization)
            canvas.setFont(PDF_FONT, 7)
            canvas.drawRightString(width - margin, bottom + 1 * self.mm, self.title)
            canvas.setLineWidth(0.5)
            canvas.line(margin, bottom - 1.5 * self.mm, width - margin, bottom - 1.5 * self.mm)
            canvas.restoreState()

        document = SimpleDocTemplate(
            buffer,
            pagesize=self.pagesize,
            title=self.title,
            author=self.organization,
            leftMargin=margin,
            rightMargin=margin,
            topMargin=PDF_HEADER_MM * self.mm,
            bottomMargin=18 * self.mm,
        )
        canvasmaker = _numbered_canvas(_("Page %(number)s of %(count)s"), margin)
        document.build(
            self.story, onFirstPage=decorate, onLaterPages=decorate, canvasmaker=canvasmaker
        )
        return buffer.getvalue()


def _numbered_canvas(text: str, margin: float):
    """A canvas class that writes ``text`` ("Page 3 of 7") at the foot of each page:
    reportlab's two-pass "NumberedCanvas" pattern, each page's state kept until the
    document ends and the count is known."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._page_states: list[dict] = []

        def showPage(self) -> None:
            self._page_states.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            count = len(self._page_states)
            for state in self._page_states:
                self.__dict__.update(state)
                self.setFont(PDF_FONT, 7)
                self.drawRightString(
                    self._pagesize[0] - margin,
                    10 * mm,
                    text % {"number": self._pageNumber, "count": count},
                )
                super().showPage()
            super().save()

    return NumberedCanvas


@functools.lru_cache(maxsize=8)
def _organization_logo(path: str) -> tuple[bytes, int, int] | None:
    """The logo's bytes and size in pixels, read once per process; ``None`` when the
    setting is empty, or, with one warning, when the file is not a readable PNG or JPEG
    (a PDF without a logo beats no PDF)."""
    if not path:
        return None
    from PIL import Image

    try:
        with open(path, "rb") as file:
            data = file.read()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # a truncated file fails here, not in the middle of a PDF
            if image.format not in ("PNG", "JPEG"):
                raise ValueError(f"a {image.format} image, not a PNG or JPEG")
            return data, image.width, image.height
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        logger.warning(
            "TARIFICADOR_ORGANIZATION_LOGO=%r cannot be read as a PNG or JPEG image (%s); "
            "the PDF reports are drawn without a logo. Point it to a PNG or JPEG file "
            "the server may read, or leave it empty.",
            path,
            error,
        )
        return None


def _natural_widths(
    header: Sequence[str], rows: Sequence[Sequence], total_rows: int = 0
) -> list[float]:
    """Each column's width when no cell wraps: its widest text (the header and the
    last ``total_rows`` in bold) and the cell padding."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines = [(header, PDF_FONT_BOLD)] + [
        (row, PDF_FONT_BOLD if index >= len(rows) - total_rows else PDF_FONT)
        for index, row in enumerate(rows)
    ]
    widths = [0.0] * len(header)
    for row, font in lines:
        for column, value in enumerate(row):
            widths[column] = max(widths[column], stringWidth(str(value), font, PDF_FONT_SIZE))
    return [width + PDF_CELL_PADDING for width in widths]


def _truncated(text: str, width: float, size: float = PDF_FONT_SIZE) -> str:
    """``text`` as it fits in ``width`` points, ending in "…" when cut."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, PDF_FONT, size) <= width:
        return text
    while text and stringWidth(text + "…", PDF_FONT, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _totals_rows(totals: Totals, with_fixed: bool | None = None) -> list[list[str]]:
    """Label and value rows; the fixed-charge rows when there are fixed charges (or
    ``with_fixed`` says so, to line up with another department's rows)."""
    if with_fixed is None:
        with_fixed = bool(totals.fixed)
    return [
        [_("Calls"), grouped(totals.calls)],
        [_("Answered"), grouped(totals.answered)],
        [_("Time talking (h:mm:ss)"), _duration_text(totals.seconds)],
        [_("Cost"), _costs_text(totals)],
        [_("Calls not priced (not in the cost)"), grouped(totals.unrated)],
        *(
            [
                [_("Fixed charges"), _amounts_text(totals.fixed)],
                [
                    _("Total with fixed charges"),
                    _amounts_text(
                        tuple(
                            (currency, totals.total_in(currency))
                            for currency in sorted(dict((*totals.costs, *totals.fixed)))
                        )
                    ),
                ],
            ]
            if with_fixed
            else []
        ),
    ]


def _category_rows(totals: Totals) -> list[list[str]]:
    return [
        [
            category_label(c.category) or _("not rated"),
            grouped(c.calls),
            _duration_text(c.seconds),
            _money_text(c.cost, c.currency),
        ]
        for c in totals.categories
    ]


def _extension_pdf_header() -> list[str]:
    return [_("Extension"), _("Holder"), _("Calls"), _("Answered"), _("Time"), _("Cost")]


def _extension_pdf_rows(lines: Sequence[ExtensionLine]) -> list[list[str]]:
    """A row per line, then the lines' total (its amounts a currency apart)."""
    totals = extension_totals(lines)
    return [
        *(
            [
                f"{line.number or _('(none)')} ({line.site_slug})",
                " ".join(line.holder.splitlines()),  # a table breaks a cell at a newline
                grouped(line.calls),
                grouped(line.answered),
                _duration_text(line.seconds),
                _money_text(line.cost, line.currency),
            ]
            for line in lines
        ),
        [
            _("Total"),
            "",
            grouped(totals.calls),
            grouped(totals.answered),
            _duration_text(totals.seconds),
            _costs_text(totals),
        ],
    ]


def _extension_pdf_tables(
    pdf: _Pdf, groups: Sequence[Sequence[ExtensionLine]]
) -> list[list[list[str]] | None]:
    """The rows of each group's extension table (``None`` for a group of no lines), the
    pages turned to landscape when the widest would not fit across a portrait page
    with no holder cut."""
    header = _extension_pdf_header()
    tables = [_extension_pdf_rows(lines) if lines else None for lines in groups]
    widths = [_natural_widths(header, rows, total_rows=1) for rows in tables if rows]
    pdf.landscape_if_wider(max((sum(w) for w in widths), default=0))
    return tables


def _department_label(node: DepartmentNode) -> str:
    return f"{node.code} {node.name}" if node.code else node.name


def _department_chart(pdf: _Pdf, report: DepartmentReport) -> None:
    """Bars of the departments that cost most (each its own calls, so that the bars add
    up to the total), a chart per currency: amounts in two currencies do not add."""
    for currency in report.currencies:
        costs = [(node, node.totals.cost_in(currency)) for node in report.nodes()]
        largest = sorted(
            ((node, cost) for node, cost in costs if cost > 0), key=lambda pair: -pair[1]
        )[:PDF_CHART_DEPARTMENTS]
        if not largest:
            continue
        pdf.chart(
            _("The departments that cost most, in %(currency)s (each its own calls)")
            % {"currency": currency},
            [
                (_department_label(node), cost, _money_text(cost, currency))
                for node, cost in largest
            ],
        )


def _department_pdf(
    report: DepartmentReport,
    extensions: Sequence[ExtensionLine],
    unrated: UnratedCalls | None = None,
) -> bytes:
    title = _("Telephone costs by department, %(month)s") % {"month": _month_text(report.month)}
    pdf = _Pdf(title, report.month)
    by_department: dict[int | None, list[ExtensionLine]] = {}
    for line in extensions:
        by_department.setdefault(line.department_id, []).append(line)
    nodes = list(report.nodes())
    tables = _extension_pdf_tables(pdf, [by_department.get(node.id, []) for node in nodes])
    pdf.heading(pdf.organization, 1)
    pdf.heading(title, 2)
    last_day = month_following(report.month) - dt.timedelta(days=1)
    pdf.text(
        _("Period: %(first)s to %(last)s (each site's local dates).")
        % {"first": _day_text(report.month), "last": _day_text(last_day)}
    )
    pdf.table([_("Total"), ""], _totals_rows(report.total), numeric_from=1)
    if unrated:
        pdf.text(unrated.text())
    personal_text = _personal_total_text(report)
    if personal_text:
        pdf.text(personal_text)
    _department_chart(pdf, report)
    summary = [
        [
            pdf.indented(_department_label(node), node.depth),
            grouped(node.subtotal.calls),
            _duration_text(node.subtotal.seconds),
            _costs_text(node.subtotal),
        ]
        for node in nodes
    ]
    pdf.heading(_("Departments (including the departments below each)"), 3)
    pdf.table([_("Department"), _("Calls"), _("Time"), _("Cost")], summary, numeric_from=1)

    for node, extension_rows in zip(nodes, tables, strict=True):
        pdf.page_break()
        pdf.heading(f"{node.code} {node.name}".strip(), 2)
        if len(node.path) > 1:
            pdf.text(" / ".join(node.path))
        rows = [
            ["", _("This department"), _("With those below")],
            *[
                [label, own, sub]
                for (label, own), (__, sub) in zip(
                    _totals_rows(node.totals, with_fixed=bool(node.subtotal.fixed)),
                    _totals_rows(node.subtotal),
                    strict=True,
                )
            ],
        ]
        pdf.table(rows[0], rows[1:], numeric_from=1)
        if node.totals.categories:
            pdf.heading(_("By destination category (this department)"), 4)
            header = [pgettext("destination", "Category"), _("Calls"), _("Time"), _("Cost")]
            pdf.table(header, _category_rows(node.totals), 1)
        pdf.heading(_("Extensions (calls charged to this department)"), 4)
        if extension_rows:
            pdf.table(_extension_pdf_header(), extension_rows, 2, fit=1, total_rows=1)
        else:
            pdf.text(_("No calls."))
    return pdf.build()


def _extension_pdf(
    lines: Sequence[ExtensionLine],
    *,
    month: dt.date,
    title: str,
    unrated: UnratedCalls | None = None,
) -> bytes:
    pdf = _Pdf(title, month)
    by_department: dict[tuple, list[ExtensionLine]] = {}
    for line in lines:
        key = (line.department_code, line.department_name or str(NO_DEPARTMENT_NAME))
        by_department.setdefault(key, []).append(line)
    tables = _extension_pdf_tables(pdf, list(by_department.values()))
    pdf.heading(pdf.organization, 1)
    pdf.heading(title, 2)
    pdf.table([_("Total"), ""], _totals_rows(extension_totals(lines)), numeric_from=1)
    if unrated:
        pdf.text(unrated.text())
    for (code, name), rows in zip(by_department, tables, strict=True):
        pdf.heading(f"{code} {name}".strip(), 3)
        pdf.table(_extension_pdf_header(), rows or [], 2, fit=1, total_rows=1)
    if not lines:
        pdf.text(_("No calls in this period."))
    return pdf.build()


# ---------------------------------------------------------------- personal calls


def _personal_total_text(report: DepartmentReport) -> str:
    """ "Of the cost, X was marked personal ...; business cost: Y." (empty when none)."""
    personal = _department_personal(report)
    parts = []
    for currency in report.currencies:
        amount = sum((personal(node, currency) for node in report.nodes()), Decimal(0))
        if amount:
            business = report.total.cost_in(currency) - amount
            parts.append((_money_text(amount, currency), _money_text(business, currency)))
    if not parts:
        return ""
    return _(
        "Of the cost, %(personal)s was marked personal by the extensions' holders (to "
        "charge back); business cost: %(business)s."
    ) % {
        "personal": " + ".join(p for p, _b in parts),
        "business": " + ".join(b for _p, b in parts),
    }


PERSONAL_COLUMNS = [
    Column(gettext_lazy("Person"), width=28),
    Column(gettext_lazy("E-mail"), width=30),
    Column(gettext_lazy("Extensions"), width=16),
    Column(gettext_lazy("Departments"), width=16),
    Column(gettext_lazy("Personal calls"), "int", 14),
    Column(gettext_lazy("Seconds"), "int", 12),
    Column(gettext_lazy("Cost"), "money", 14),
    Column(gettext_lazy("Currency"), width=9),
    Column(gettext_lazy("Unrated"), "int", 10),
]


def _personal_row(line: ChargebackLine) -> list:
    return [
        line.person,
        line.email,
        ", ".join(line.extensions),
        ", ".join(line.departments),
        line.calls,
        line.seconds,
        line.cost,
        line.currency,
        line.unrated,
    ]


def personal_report_file(
    lines: Sequence[ChargebackLine],
    *,
    month: dt.date,
    fmt: str,
    csv_style: CsvStyle = MACHINE_CSV,
) -> ReportFile:
    """The personal-calls chargeback (``lines`` from ``reports.personal``) as a file of
    ``fmt``: a line per person and currency, then a total per currency."""
    _check_format(fmt)
    name = f"personal-{month:%Y-%m}.{fmt}"
    title = _("Personal calls, %(month)s") % {"month": _month_text(month)}
    lines = list(lines)
    rows = [_personal_row(line) for line in lines]
    totals = []
    currencies = sorted({line.currency for line in lines})
    for currency in currencies:
        group = [line for line in lines if line.currency == currency]
        label = _("Total") if len(currencies) == 1 else f"{_('Total')} {currency}"
        totals.append(
            [
                label,
                "",
                "",
                "",
                sum(line.calls for line in group),
                sum(line.seconds for line in group),
                sum((line.cost for line in group), Decimal(0)),
                currency,
                sum(line.unrated for line in group),
            ]
        )
    if fmt == "csv":
        content = _csv(PERSONAL_COLUMNS, [*rows, *totals], csv_style)
    elif fmt == "xlsx":
        content = _xlsx(title, PERSONAL_COLUMNS, rows, totals)
    else:
        pdf = _Pdf(title, month)
        pdf.heading(title)
        if not lines:
            pdf.text(_("No call was marked personal this month."))
        else:
            header = [str(column.title) for column in PERSONAL_COLUMNS[:5]] + [
                str(gettext_lazy("Duration")),
                str(gettext_lazy("Cost")),
            ]
            table = [
                [
                    line.person,
                    line.email,
                    ", ".join(line.extensions),
                    ", ".join(line.departments),
                    grouped(line.calls),
                    _duration_text(line.seconds),
                    _money_text(line.cost, line.currency),
                ]
                for line in lines
            ]
            table += [
                [
                    row[0],
                    "",
                    "",
                    "",
                    grouped(row[4]),
                    _duration_text(row[5]),
                    _money_text(row[6], row[7]),
                ]
                for row in totals
            ]
            pdf.table(header, table, numeric_from=4)
        content = pdf.build()
    return ReportFile(content=content, content_type=CONTENT_TYPES[fmt], filename=name)


# ---------------------------------------------------------------- top-N and ad-hoc reports

TOP_COLUMN_KINDS = {"money": "money", "int": "int", "seconds": "int"}


def _top_value(value, kind: str):
    """A value as the CSV and XLSX keep it: local times without their offset (the
    site's zone, as shown), ``None`` for nothing."""
    if kind == "datetime" and value is not None:
        return value.replace(tzinfo=None)
    return value


def _top_text(value, kind: str) -> str:
    """A value as the PDF prints it."""
    if value is None or value == "":
        return "—" if kind != "text" else ""
    if kind == "money":
        return _money_text(value)
    if kind == "seconds":
        return _duration_text(value)
    if kind == "int":
        return grouped(value)
    if kind == "percent":
        return f"{grouped(value, 1)} %"
    if kind == "datetime":
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if kind == "category":
        return str(category_label(value))
    return str(value)


def top_report_file(report, fmt: str, *, csv_style: CsvStyle = MACHINE_CSV) -> ReportFile:
    """A ``reports.topn.TopReport`` as a file of ``fmt``: its columns in its order."""
    _check_format(fmt)
    name = f"{report.kind}-{report.params.month:%Y-%m}.{fmt}"
    title = f"{report.title}, {_month_text(report.params.month)}"
    kinds = [column.kind for column in report.columns]
    rows = [
        [_top_value(value, kind) for value, kind in zip(cells, kinds, strict=True)]
        for cells in report.cells()
    ]
    notes = [report.note] if report.note else []
    if fmt == "pdf":
        pdf = _Pdf(title, report.params.month)
        if len(kinds) > 8:  # a wide table: landscape, so that names do not wrap
            from reportlab.lib.pagesizes import landscape

            pdf.pagesize = landscape(pdf.pagesize)
        pdf.heading(pdf.organization, 1)
        pdf.heading(title, 2)
        pdf.text(report.description)
        text_rows = [
            [_top_text(value, kind) for value, kind in zip(cells, kinds, strict=True)]
            for cells in report.cells()
        ]
        numeric_from = next(
            (i for i, kind in enumerate(kinds) if kind not in ("text", "datetime", "category")),
            len(kinds),
        )
        if text_rows:
            header = [str(column.title) for column in report.columns]
            pdf.table(header, text_rows, numeric_from=numeric_from)
        else:
            pdf.text(_("No calls in this period."))
        for note in notes:
            pdf.text(note)
        content = pdf.build()
    else:
        columns = [
            Column(column.title, TOP_COLUMN_KINDS.get(column.kind, "text"), 14)
            for column in report.columns
        ]
        if fmt == "csv":
            content = _csv(columns, rows, csv_style)
        else:
            content = _xlsx(title, columns, rows, [], notes=notes)
    return ReportFile(content=content, content_type=CONTENT_TYPES[fmt], filename=name)


# ---------------------------------------------------------------- the call search's result

CALL_XLSX_COLUMNS = [
    Column(gettext_lazy("Call"), "int", 10),
    Column(gettext_lazy("Site"), "text", 12),
    Column(gettext_lazy("Source"), "text", 14),
    Column(gettext_lazy("Start (site time)"), "datetime", 19),
    Column(gettext_lazy("Start (UTC)"), "text", 21),
    Column(gettext_lazy("Duration (s)"), "int", 11),
    Column(gettext_lazy("Ring (s)"), "int", 9),
    Column(gettext_lazy("Answered"), "text", 9),
    Column(gettext_lazy("Direction"), "text", 10),
    Column(gettext_lazy("Extension"), "text", 10),
    Column(gettext_lazy("Holder"), "text", 20),
    Column(gettext_lazy("Department code"), "text", 12),
    Column(gettext_lazy("Department"), "text", 20),
    Column(gettext_lazy("Trunk"), "text", 10),
    Column(gettext_lazy("Number"), "text", 16),
    Column(gettext_lazy("Normalized number"), "text", 16),
    Column(gettext_lazy("Destination"), "text", 18),
    Column(gettext_lazy("Category"), "text", 12),
    Column(gettext_lazy("Cost"), "money", 12),
    Column(gettext_lazy("Currency"), "text", 8),
    Column(gettext_lazy("Account code"), "text", 12),
    Column(gettext_lazy("PBX call id"), "text", 14),
]


def calls_xlsx(rows: Iterable[Sequence]) -> ReportFile:
    """The call search's result (the calls CSV's values, in its column order) as one
    sheet written row by row (openpyxl's write-only mode), local starts as dates."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_("Calls"))[:31])
    for position, column in enumerate(CALL_XLSX_COLUMNS, start=1):
        sheet.column_dimensions[_column_letter(position)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in CALL_XLSX_COLUMNS:
        cell = WriteOnlyCell(sheet, value=str(column.title))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    yes, no = _("yes"), _("no")
    for values in rows:
        values = list(values)
        values[3] = dt.datetime.fromisoformat(values[3]).replace(tzinfo=None) if values[3] else None
        values[7] = yes if values[7] else no
        values[17] = category_label(values[17])
        sheet.append([neutralize(value) for value in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return ReportFile(
        content=buffer.getvalue(), content_type=CONTENT_TYPES["xlsx"], filename="calls.xlsx"
    )


def _column_letter(position: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(position)
