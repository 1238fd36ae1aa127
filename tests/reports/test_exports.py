"""Report files: totals equal the calls, formulas are neutralized, numbers stay numbers."""

import base64
import csv
import io
import logging
import re
import zlib
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation
from PIL import Image
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from billing.models import Call
from billing.rollups import rollups_rebuild
from reports.exports import (
    UnknownFormat,
    department_report_file,
    extension_report_file,
    neutralize,
)
from reports.selectors import department_report, extension_report
from tests.factories import SiteFactory, SourceFactory

from .conftest import OCTOBER, call_make, local, month_call_sums


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # a BOM, for spreadsheets
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(content: bytes) -> list[tuple]:
    """The sheet's table: its rows down to the first blank one (notes come after)."""
    rows = []
    for row in xlsx_rows(content):
        if all(value is None for value in row):
            break
        rows.append(row)
    return rows


def xlsx_rows(content: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return list(sheet.iter_rows(values_only=True))


def xlsx_notes(content: bytes) -> list[str]:
    """The notes under the table: the first cell of each row after the blank one."""
    rows = xlsx_rows(content)
    return [row[0] for row in rows[len(read_xlsx(content)) + 1 :] if row and row[0]]


def pdf_streams(content: bytes) -> list[bytes]:
    """The content stream of each page of a reportlab PDF, decoded (one per page, in
    order; ASCII85 and Flate encoded, as images are, which are left out)."""
    assert content.startswith(b"%PDF")
    return [
        zlib.decompress(base64.a85decode(b"<~" + stream.strip(), adobe=True))
        for rest, stream in re.findall(
            rb"/Filter \[ /ASCII85Decode /FlateDecode \]([^>]*)>>\s*stream\r?\n(.*?)endstream",
            content,
            re.S,
        )
        if b"/Subtype /Image" not in rest
    ]


def _pdf_string(raw: bytes) -> str:
    raw = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), raw)
    return re.sub(rb"\\(.)", rb"\1", raw).decode("cp1252")


def pdf_pages(content: bytes) -> list[str]:
    """The text of each page of a reportlab PDF, a line per string drawn, enough to
    check what a page says (a cell that wraps is two lines)."""
    return [
        "\n".join(_pdf_string(raw) for raw in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", data))
        for data in pdf_streams(content)
    ]


def pdf_positions(content: bytes) -> list[list[tuple[float, str]]]:
    """Each page's strings with the x at which each starts, as its text matrix sets it
    (relative to the cell a table draws it in)."""
    return [
        [
            (float(x), _pdf_string(raw))
            for x, raw in re.findall(
                rb"1 0 0 1 (-?[\d.]+) -?[\d.]+ Tm (?:/F\d+ [\d.]+ Tf [\d.]+ TL )?"
                rb"\(((?:\\.|[^\\)])*)\) Tj",
                data,
            )
        ]
        for data in pdf_streams(content)
    ]


@pytest.mark.parametrize("value", ["=1+1", "+54", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_neutralize_quotes_text_that_would_start_a_formula(value):
    assert neutralize(value) == "'" + value


def test_neutralize_leaves_numbers_and_plain_text():
    assert neutralize(Decimal("-3.5")) == Decimal("-3.5")
    assert neutralize(-4) == -4
    assert neutralize("Sales") == "Sales"
    assert neutralize(None) is None


def test_department_csv_totals_equal_the_calls(org):
    report = department_report(month=OCTOBER, user=org.admin)
    file = department_report_file(report, "csv")
    assert file.filename == "departments-2026-10.csv"
    assert file.content_type.startswith("text/csv")
    header, *rows = read_csv(file.content)
    total = rows.pop()
    assert total[1] == "Total"
    cost, calls = header.index("Cost ARS"), header.index("Calls")
    sums = month_call_sums(OCTOBER)
    assert sum(Decimal(row[cost]) for row in rows) == sums["cost"]
    assert Decimal(total[cost]) == sums["cost"]
    assert sum(int(row[calls]) for row in rows) == int(total[calls]) == sums["calls"]
    assert [row[0] for row in rows] == ["ADM", "FIN", "PAY", "SAL", "SLN", "SUP", ""]


def test_extension_xlsx_has_numbers_a_money_format_and_a_frozen_header(org):
    lines = extension_report(month=OCTOBER, user=org.admin)
    file = extension_report_file(lines, month=OCTOBER, fmt="xlsx")
    assert file.filename == "extensions-2026-10.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(file.content))
    sheet = workbook.active
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    cost_column = header.index("Cost") + 1
    table_end = len(read_xlsx(file.content))  # the total row; notes follow a blank row
    costs = [sheet.cell(row=r, column=cost_column) for r in range(2, table_end)]
    assert all(isinstance(cell.value, (int, float)) for cell in costs)
    assert costs[0].number_format == "#,##0.00"
    assert sheet.column_dimensions["C"].width > 10
    total = sheet.cell(row=table_end, column=cost_column).value
    assert Decimal(str(total)) == month_call_sums(OCTOBER)["cost"]
    calls = sum(
        sheet.cell(row=r, column=header.index("Calls") + 1).value for r in range(2, table_end)
    )
    assert (
        calls
        == Call.objects.filter(start__gte=local(1, 0), start__lt=local(1, 0, month=11)).count()
    )


def test_department_xlsx_totals_equal_the_calls(org):
    report = department_report(month=OCTOBER, user=org.admin)
    header, *rows = read_xlsx(department_report_file(report, "xlsx").content)
    total = rows.pop()
    cost = header.index("Cost ARS")
    assert Decimal(str(total[cost])) == month_call_sums(OCTOBER)["cost"]
    assert sum(Decimal(str(row[cost])) for row in rows) == month_call_sums(OCTOBER)["cost"]


def test_text_that_looks_like_a_formula_is_neutralized_in_csv_and_xlsx(org):
    extension = org.extensions["4004"]
    extension.holder = '=HYPERLINK("http://evil.example","x")'
    extension.save()
    department = org.departments["SUP"]
    department.name = "@SUM(1)"
    department.save()
    # A re-rating credit: a negative cost stays a plain number.
    call_make(source=org.source, extension=extension, start=local(20), cost="-7.5000")
    rollups_rebuild([OCTOBER])
    lines = extension_report(month=OCTOBER, user=org.admin)
    rows = read_csv(extension_report_file(lines, month=OCTOBER, fmt="csv").content)
    texts = [value for row in rows for value in row]
    assert '\'=HYPERLINK("http://evil.example","x")' in texts
    assert "'@SUM(1)" in texts
    assert not any(value.startswith(("=", "@", "+")) for value in texts)
    sales = next(row for row in rows if row[1] == "4004")
    assert sales[11] == "4.5000"  # 3 + 4 + 5 + 0 - 7.5, written as a number
    xlsx = read_xlsx(extension_report_file(lines, month=OCTOBER, fmt="xlsx").content)
    cells = [value for row in xlsx for value in row if isinstance(value, str)]
    assert "'@SUM(1)" in cells and not any(value.startswith("=") for value in cells)
    report = department_report(month=OCTOBER, user=org.admin)
    department_rows = read_xlsx(department_report_file(report, "xlsx").content)
    assert any(row[1] == "'@SUM(1)" for row in department_rows)


def test_negative_cost_is_a_number_cell_in_xlsx(org):
    call_make(source=org.source, extension=org.extensions["4005"], start=local(20), cost="-1.0000")
    rollups_rebuild([OCTOBER])
    lines = extension_report(month=OCTOBER, user=org.admin)
    rows = read_xlsx(extension_report_file(lines, month=OCTOBER, fmt="xlsx").content)
    north = next(row for row in rows if row[1] == "4005")
    assert north[11] == pytest.approx(-0.99)


def test_department_pdf_names_the_organization_period_totals_and_a_page_per_department(
    org, settings
):
    settings.TARIFICADOR_ORGANIZATION_NAME = "Hospital Córdoba"
    report = department_report(month=OCTOBER, user=org.admin)
    file = department_report_file(report, "pdf")
    assert file.content.startswith(b"%PDF") and file.content_type == "application/pdf"
    pages = pdf_pages(file.content)
    first = pages[0]
    assert "Hospital Córdoba" in first
    assert "October 2026" in first and "01 October 2026 to 31 October 2026" in first
    assert f"{report.total.cost:,.2f}" in first
    assert len(pages) >= 1 + 7  # a summary, then a page per line of the report
    finance = next(
        text
        for text in pages[1:]
        if "FIN Finance" in text.splitlines() and "This department" in text
    )
    assert "4002" in finance and "Ana Contable" in finance and "4003" not in finance


def test_manager_pdf_holds_only_their_departments(org):
    report = department_report(month=OCTOBER, user=org.finance)
    text = "".join(pdf_pages(department_report_file(report, "pdf").content))
    assert "Payroll" in text and "Sales" not in text and "4004" not in text


def test_extension_pdf_and_unknown_format(org):
    lines = extension_report(month=OCTOBER, user=org.sales)
    file = extension_report_file(lines, month=OCTOBER, fmt="pdf")
    text = pdf_pages(file.content)[0]
    assert "4004" in text and "4005" in text and "4002" not in text
    with pytest.raises(UnknownFormat, match="csv, xlsx, pdf"):
        extension_report_file(lines, month=OCTOBER, fmt="docx")


LANDSCAPE_A4 = b"/MediaBox [ 0 0 841.8898 595.2756 ]"


def test_every_page_says_page_n_of_the_count(org):
    """Page numbers are "n of m": the count is the document's own."""
    report = department_report(month=OCTOBER, user=org.admin)
    pages = pdf_pages(department_report_file(report, "pdf").content)
    assert len(pages) == 8  # the summary and a page per line of the report
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of 8" in text.splitlines()


def test_page_numbers_are_in_the_readers_language(org):
    with translation.override("es-ar"):
        report = department_report(month=OCTOBER, user=org.admin)
        pages = pdf_pages(department_report_file(report, "pdf").content)
    assert "Página 1 de 8" in pages[0].splitlines()
    assert "Página 8 de 8" in pages[-1].splitlines()
    assert not any("Page" in text for text in pages)


def test_the_department_pdf_opens_with_a_chart_of_the_largest_departments(org):
    """Bars of each department's own cost, the largest on top, a label and an amount
    each; no bar for a department that cost nothing."""
    report = department_report(month=OCTOBER, user=org.admin)
    first = pdf_pages(department_report_file(report, "pdf").content)[0].splitlines()
    title = first.index("The departments that cost most, in ARS (each its own calls)")
    table = first.index("Departments (including the departments below each)")
    chart = first[title + 1 : table]
    # The chart draws from the bottom bar up: amounts, then the departments' names.
    assert chart[:7] == [
        "0.01 ARS",
        "1.58 ARS",
        "8.78 ARS",
        "10.50 ARS",
        "12.00 ARS",
        "12.50 ARS",
        "100.00 ARS",
    ]
    assert chart[7:14] == [
        "SLN North",
        "ADM Administration",
        "PAY Payroll",
        "No department",
        "SAL Sales",
        "FIN Finance",
        "SUP Support",
    ]


def test_the_chart_keeps_currencies_apart(org):
    usd = SourceFactory(site=SiteFactory(slug="miami", currency="USD", time_zone="UTC"))
    call_make(source=usd, extension=None, start=local(12), cost="2.5000")
    rollups_rebuild([OCTOBER])
    report = department_report(month=OCTOBER, user=org.admin)
    first = pdf_pages(department_report_file(report, "pdf").content)[0].splitlines()
    ars = first.index("The departments that cost most, in ARS (each its own calls)")
    usd_chart = first.index("The departments that cost most, in USD (each its own calls)")
    assert "100.00 ARS" in first[ars:usd_chart]
    # One bar in dollars, its own: "No department" (the call of no extension).
    assert first[usd_chart + 1 : usd_chart + 3] == ["2.50 USD", "No department"]


def test_the_departments_are_in_tree_order_and_set_in_by_depth(org):
    report = department_report(month=OCTOBER, user=org.admin)
    first = pdf_positions(department_report_file(report, "pdf").content)[0]
    table = [text for _x, text in first].index("Departments (including the departments below each)")
    names = [(x, text) for x, text in first[table:] if text.split(" ")[0] in org.departments]
    assert [text for _x, text in names] == [
        "ADM Administration",
        "FIN Finance",
        "PAY Payroll",
        "SAL Sales",
        "SLN North",
        "SUP Support",
    ]
    x = {text.split(" ")[0]: x for x, text in names}
    assert x["ADM"] == x["SAL"] == x["SUP"] < x["FIN"] == x["SLN"] < x["PAY"]


def test_a_long_holder_stays_on_one_line_and_the_pages_turn(org):
    """A holder too wide for a portrait page turns the pages to landscape, where it fits
    whole on one line."""
    holder = "María de los Ángeles Fernández Ocampo, Jefa de Compras y Contrataciones (interina)"
    org.extensions["4002"].holder = holder
    org.extensions["4002"].save()
    lines = extension_report(month=OCTOBER, user=org.admin)
    content = extension_report_file(lines, month=OCTOBER, fmt="pdf").content
    assert LANDSCAPE_A4 in content
    assert holder in pdf_pages(content)[0].splitlines()
    report = department_report(month=OCTOBER, user=org.admin)
    content = department_report_file(report, "pdf").content
    assert LANDSCAPE_A4 in content
    assert any(holder in text.splitlines() for text in pdf_pages(content))


def test_a_holder_too_long_for_any_page_is_cut_with_an_ellipsis(org):
    holder = "Comisión " * 22  # 198 characters: the field holds 200
    org.extensions["4002"].holder = holder
    org.extensions["4002"].save()
    lines = extension_report(month=OCTOBER, user=org.admin)
    content = extension_report_file(lines, month=OCTOBER, fmt="pdf").content
    text = "\n".join(pdf_pages(content))
    [cut] = [line for line in text.splitlines() if line.startswith("Comisión Comisión")]
    assert cut.endswith("…") and holder.startswith(cut[:-1]) and len(cut) < len(holder)
    assert LANDSCAPE_A4 in content  # cut only past the widest column there is
    assert "Ana Contable" not in text and "Payroll desk" in text  # the others untouched
    # The row fits across the page: its last cell (the cost, set right) ends inside.
    [page] = [p for p in pdf_positions(content) if any(t == cut for _x, t in p)]
    texts = [t for _x, t in page]
    x, cost = page[texts.index(cut) + 4]
    assert cost == "12.50 ARS"
    assert x + stringWidth(cost, "Helvetica", 8) + 6 <= 841.8898 - 2 * 15 * mm - 12 + 0.01


def test_a_short_holder_keeps_the_page_upright(org):
    lines = extension_report(month=OCTOBER, user=org.admin)
    content = extension_report_file(lines, month=OCTOBER, fmt="pdf").content
    assert LANDSCAPE_A4 not in content and b"/MediaBox [ 0 0 595.2756 841.8898 ]" in content


def test_each_department_section_ends_with_its_total(org):
    lines = extension_report(month=OCTOBER, user=org.admin)
    text = pdf_pages(extension_report_file(lines, month=OCTOBER, fmt="pdf").content)[0]
    finance = text.splitlines()
    section = finance[finance.index("FIN Finance") :]
    total = section.index("Total")
    # Ana's line, then the total of the department: 4 calls, 3 answered, 12.50 ARS.
    ana = ["4002 (cordoba)", "Ana Contable", "4", "3", "0:03:21", "12.50 ARS"]
    assert section[total - 6 : total] == ana
    assert section[total : total + 5] == ["Total", "4", "3", "0:03:21", "12.50 ARS"]


def test_the_logo_is_drawn_on_every_page(org, settings, tmp_path):
    path = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), (200, 30, 30)).save(path)
    settings.TARIFICADOR_ORGANIZATION_LOGO = str(path)
    report = department_report(month=OCTOBER, user=org.admin)
    content = department_report_file(report, "pdf").content
    assert content.count(b"/Subtype /Image") == 1  # embedded once
    streams = pdf_streams(content)
    assert len(streams) == 8
    assert all(re.search(rb"/FormXob\.\w+ Do", stream) for stream in streams)


@pytest.mark.parametrize("name", ["missing.png", "not-an-image.png"])
def test_a_logo_that_cannot_be_read_leaves_it_out_with_one_warning(
    org, settings, tmp_path, caplog, name
):
    path = tmp_path / name
    if name == "not-an-image.png":
        path.write_text("not a picture")
    settings.TARIFICADOR_ORGANIZATION_LOGO = str(path)
    report = department_report(month=OCTOBER, user=org.admin)
    with caplog.at_level(logging.WARNING, logger="reports.exports"):
        first = department_report_file(report, "pdf").content
        second = department_report_file(report, "pdf").content
    assert b"/Subtype /Image" not in first and b"/Subtype /Image" not in second
    assert pdf_pages(first)[0].startswith("Tarificador")
    [warning] = [r.getMessage() for r in caplog.records if "ORGANIZATION_LOGO" in r.getMessage()]
    assert str(path) in warning and "without a logo" in warning
