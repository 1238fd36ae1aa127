"""Bulk writes for the hot paths: COPY on PostgreSQL, batched INSERTs on SQLite.

Rows are plain tuples in the order of ``columns`` (no model instances, no per-row
field preparation): these run for every record Tarificador receives. JSON values
must be passed already serialized (``str``); datetimes must be aware.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

from django.db import connection

SQLITE_MAX_VARIABLES = 32766


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def copy_insert(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert ``rows`` into ``table``; must run inside the caller's transaction."""
    if is_postgresql():
        with connection.cursor() as cursor, cursor.cursor.copy(_copy_sql(table, columns)) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        _sqlite_insert(table, columns, rows, on_conflict_ignore=False)


def insert_new_returning_ids(
    table: str, columns: Sequence[str], rows: Sequence[Sequence]
) -> list[int]:
    """Insert the rows that break no unique constraint; return the ids of those inserted.

    On PostgreSQL the rows are copied into a temporary table and moved across with
    ``ON CONFLICT DO NOTHING``, so two transactions sending the same rows at once
    store them once. On SQLite every write transaction holds the database lock
    (``transaction_mode=IMMEDIATE``), so the same statement is race-free too.
    """
    if not rows:
        return []
    column_list = ", ".join(columns)
    if is_postgresql():
        with connection.cursor() as cursor, _staged(cursor, table, columns, rows) as staging:
            cursor.execute(
                f"INSERT INTO {table} ({column_list}) SELECT {column_list} "  # noqa: S608
                f"FROM {staging} ON CONFLICT DO NOTHING RETURNING id"
            )
            return [row[0] for row in cursor.fetchall()]
    return _sqlite_insert(table, columns, rows, on_conflict_ignore=True)


@contextmanager
def _staged(cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence]):
    """A temporary table shaped like ``table``'s ``columns`` holding ``rows`` (COPY).

    Made once per connection; emptied after use and by every commit or rollback, so
    several statements of one transaction can stage rows in turn.
    """
    staging = f"staging_{table}"
    cursor.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS "  # noqa: S608
        f"AS SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
    )
    with cursor.cursor.copy(_copy_sql(staging, columns)) as copy:
        for row in rows:
            copy.write_row(row)
    yield staging
    cursor.execute(f"TRUNCATE {staging}")


def _copy_sql(table: str, columns: Sequence[str]) -> str:
    return f"COPY {table} ({', '.join(columns)}) FROM STDIN"


def _sqlite_value(value):
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _sqlite_insert(table, columns, rows, *, on_conflict_ignore: bool) -> list[int]:
    per_statement = max(1, SQLITE_MAX_VARIABLES // len(columns) // 2)
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    suffix = " ON CONFLICT DO NOTHING RETURNING id" if on_conflict_ignore else ""
    rows = list(rows)
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [_sqlite_value(value) for row in chunk for value in row]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608
                + ", ".join([row_sql] * len(chunk))
                + suffix,
                params,
            )
            if on_conflict_ignore:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def upsert_add(
    table: str, keys: Sequence[str], measures: Sequence[str], rows: Sequence[Sequence]
) -> None:
    """Add each row's ``measures`` to the row with the same ``keys``, inserting it if new.

    Rows are ``(*keys, *measures)`` with each key at most once. They are written in
    key order, so two transactions adding to the same rows take their locks in the
    same order and cannot deadlock; the addition is atomic per row on both backends.
    """
    if not rows:
        return
    rows = sorted(rows, key=lambda row: tuple(row[: len(keys)]))
    columns = (*keys, *measures)
    column_list = ", ".join(columns)
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in measures)
    conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        if is_postgresql():
            with _staged(cursor, table, columns, rows) as staging:
                cursor.execute(
                    f"INSERT INTO {table} ({column_list}) SELECT {column_list} "  # noqa: S608
                    f"FROM {staging} ORDER BY {', '.join(keys)} {conflict}"
                )
            return
        per_statement = max(1, SQLITE_MAX_VARIABLES // len(columns) // 2)
        row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(
                f"INSERT INTO {table} ({column_list}) VALUES "  # noqa: S608
                + ", ".join([row_sql] * len(chunk))
                + f" {conflict}",
                [_sqlite_value(value) for row in chunk for value in row],
            )
