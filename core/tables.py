"""Spreadsheets people upload (rate decks, directories, carrier invoices): the rows of
a CSV or of an XLSX's first sheet, as lists of cells, and the error that names every
line at fault."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

MAX_REPORTED_ERRORS = 50


class TableErrors(ValueError):
    """A file that cannot be used: ``errors`` names each line (or entry) at fault, and
    the message lists the first of them."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        shown = errors[:MAX_REPORTED_ERRORS]
        more = ""
        if len(errors) > len(shown):
            more = "\n" + _("... and %(count)d more") % {"count": len(errors) - len(shown)}
        super().__init__("\n".join(shown) + more)


def table_records(name: str, content: bytes | None = None) -> Iterator[list | tuple]:
    """The rows of the file ``name`` (or of ``content``, uploaded under that name):
    an ``.xlsx``'s first sheet, else a CSV with ``,``, ``;`` or tab between cells."""
    if name.lower().endswith(".xlsx"):
        return _xlsx_records(content, name)
    return _csv_records(content, name)


def _csv_records(content: bytes | None, name: str) -> Iterator[list]:
    data = content if content is not None else Path(name).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's "CSV" on Windows in Spanish or Portuguese: Windows-1252, not UTF-8.
        text = data.decode("cp1252", errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(io.StringIO(text), dialect)


def _xlsx_records(content: bytes | None, name: str) -> Iterator[tuple]:
    import openpyxl

    source = io.BytesIO(content) if content is not None else name
    workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def cell_text(value) -> str:
    """A cell as text: an XLSX date cell (a datetime) as its ISO date."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value if value is not None else "").strip()
