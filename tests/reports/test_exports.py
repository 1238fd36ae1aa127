"""Report files: totals equal the calls, formulas are neutralized, numbers stay numbers."""

import base64
import csv
import io
import re
import zlib
from decimal import Decimal

import openpyxl
import pytest

from billing.models import Call
from billing.rollups import rollups_rebuild
from reports.exports import (
    UnknownFormat,
    department_report_file,
    extension_report_file,
    neutralize,
)
from reports.selectors import department_report, extension_report

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


def pdf_pages(content: bytes) -> list[str]:
    """The text of each page of a reportlab PDF (one content stream per page, in
    order; ASCII85 and Flate encoded), enough to check what a page says."""
    assert content.startswith(b"%PDF")
    pages = []
    for stream in re.findall(
        rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)endstream",
        content,
        re.S,
    ):
        data = zlib.decompress(base64.a85decode(b"<~" + stream.strip(), adobe=True))
        strings = re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", data)
        texts = []
        for raw in strings:
            raw = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), raw)
            raw = re.sub(rb"\\(.)", rb"\1", raw)
            texts.append(raw.decode("cp1252"))
        pages.append("\n".join(texts))
    return pages


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
