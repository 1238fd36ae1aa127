"""Records that are rows of a PBX's CDR table (the ``database`` transport stores each
row as a JSON object of column name to text, ``null`` for NULL): read by name.

Shared by the parsers that read such rows (``asterisk-csv``: Asterisk's ``cdr`` table;
``freeswitch-csv``: FreeSWITCH's ``cdr_pg_csv`` table).
"""

from __future__ import annotations

import datetime as dt
import json
import re

from .base import RecordError

_FIELD_NUMBER_RE = re.compile(r"field \d+ \((\w+)\)")


def is_row(text: str) -> bool:
    """Whether ``text`` is a table row rather than a line of a file."""
    return text[:1] == "{"


def row_values(text: str, table: str) -> dict[str, str]:
    """The row's values by column (NULL read as empty); RecordError when ``text`` is
    not a JSON object (``table`` names what it should have been)."""
    try:
        row = json.loads(text)
    except ValueError as error:
        raise RecordError(f"record is not a JSON object of {table} columns: {error}") from None
    if not isinstance(row, dict):
        raise RecordError(f"record is not a JSON object of {table} columns")
    return {str(name): "" if value is None else str(value) for name, value in row.items()}


def stamp_in_zone(value: str, zone: dt.tzinfo) -> str:
    """A database time as ``YYYY-MM-DD HH:MM:SS`` in ``zone``: one with a UTC offset
    (PostgreSQL's ``timestamp with time zone``: ``2026-12-07 10:00:00.25+00``) is that
    instant; fractions of a second go. Left alone when it is not a time."""
    if len(value) <= 19:
        return value
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(zone)
    return stamp.strftime("%Y-%m-%d %H:%M:%S")


def row_error(error: RecordError, renamed: dict[str, str] | None = None) -> RecordError:
    """``error`` with a file's ``field 10 (start)`` as the table's ``column calldate``."""
    names = renamed or {}
    message = _FIELD_NUMBER_RE.sub(
        lambda match: f"column {names.get(match[1], match[1])}", str(error)
    )
    return RecordError(message)
