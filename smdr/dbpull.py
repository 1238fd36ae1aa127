"""The ``database`` transport: pull new CDR rows from the PBX's own database.

For PBXs that write their call records to a table rather than a port or a file:
FreePBX and Issabel (Asterisk's ``cdr_mysql`` / ``cdr_adaptive_odbc`` into
``asteriskcdrdb.cdr`` on MariaDB), FreeSWITCH's ``mod_cdr_pg_csv`` (PostgreSQL).

Every ``poll_seconds`` the table is read in the order of its ``cursor_column``, from
a little before the highest cursor of the rows the centre stored (``stored``, read
again at every poll from what is committed: never from this process's memory) up to
its end, in pages of ``batch_rows``. Each row is one record: a JSON object of column
name to the value as the database writes it as text (``NULL`` is JSON ``null``), on
one line, so a page is a chunk of JSON lines for the capture loop's line framer.

Why the "little before" (``overlap_rows`` rows below the cursor, read again each
poll): Asterisk numbers a record (``sequence``, ``uniqueid``) when the call starts
and writes it when the call ends, and a transaction may commit after a later one,
so a row can appear below a cursor already passed. The centre recognises the rows
it has already stored by their content (their fingerprint) and stores them once.

The safety net (``time_column``, ``overlap_minutes``): Asterisk's ``sequence`` starts
again from 0 when Asterisk restarts (``global_cdr_sequence`` in main/cdr.c), so rows
written after a restart fall below the cursor. Each poll therefore also reads the
rows whose ``time_column`` (``calldate``) is at or after the newest stored row's time
less ``overlap_minutes``, on the table's index of that column; those already stored
are skipped by their fingerprint as above. A new row newer than every stored one
but with a lower cursor is the counter going back: reported once (``on_warning``).

Pure Python and no Django: PyMySQL (pure Python) for MySQL and MariaDB, psycopg 3
for PostgreSQL, both imported only when a source uses them. Blocking driver calls
run in a thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urlsplit

from .schema import SettingsError, gettext_noop
from .transports import LinkError

DIALECTS = {"mysql": "mysql", "mariadb": "mysql", "postgres": "postgres", "postgresql": "postgres"}
DEFAULT_PORTS = {"mysql": 3306, "postgres": 5432}
DEFAULT_TABLE = "cdr"
# The cursor when ``cursor_column`` is not set: the first of these the table has.
DEFAULT_CURSORS = ("sequence", "uniqueid")
# The safety net's time column when ``time_column`` is not set: the first of these the
# table has, other than the cursor (Asterisk's calldate; FreeSWITCH's stamps).
DEFAULT_TIME_COLUMNS = ("calldate", "end_stamp", "start_stamp")
NO_TIME_COLUMN = "none"  # time_column: none turns the safety net off
# How many of the newest stored records say where the stored rows end (Stored).
RECENT_RECORDS = 1000

NOT_DATABASE_URL = gettext_noop(
    "%(key)s: %(value)s is not a database URL: give mysql://user:password@host:port/database"
    " or postgres://user:password@host:port/database (%(problem)s)"
)


@dataclass(frozen=True)
class DatabaseURL:
    """A ``url`` setting taken apart; ``describe()`` leaves the password out."""

    dialect: str  # "mysql" or "postgres"
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    database: str

    def describe(self) -> str:
        return f"{self.dialect}://{self.user}@{self.host}:{self.port}/{self.database}"


def database_url(url: object, key: str = "url") -> DatabaseURL:
    """``url`` as a :class:`DatabaseURL`; :class:`SettingsError` naming ``key`` if it is not one."""

    def refuse(problem: str) -> SettingsError:
        shown = repr(url) if not isinstance(url, str) else repr(_masked(url))
        return SettingsError(
            key, NOT_DATABASE_URL, {"key": key, "value": shown, "problem": problem}
        )

    if not isinstance(url, str) or not url:
        raise refuse("empty")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise refuse(str(error)) from None
    dialect = DIALECTS.get(parts.scheme.lower())
    if dialect is None:
        raise refuse(f"unknown scheme {parts.scheme!r}")
    database = unquote(parts.path.lstrip("/"))
    if not parts.hostname:
        raise refuse("no host")
    if not database or "/" in database:
        raise refuse("no database name after the host")
    if not parts.username:
        raise refuse("no user")
    return DatabaseURL(
        dialect=dialect,
        host=parts.hostname,
        port=port or DEFAULT_PORTS[dialect],
        user=unquote(parts.username),
        password=unquote(parts.password or ""),
        database=database,
    )


def _masked(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for error messages)."""
    with contextlib.suppress(ValueError):
        parts = urlsplit(url)
        if parts.password:
            return url.replace(f":{parts.password}@", ":***@", 1)
    return url


class _Dialect:
    """What differs between MySQL and PostgreSQL: connecting, quoting, reading as text."""

    errors: tuple[type[Exception], ...] = ()

    def connect(self, url: DatabaseURL, timeout: float) -> Any:
        raise NotImplementedError

    def quote(self, name: str) -> str:
        raise NotImplementedError

    def as_text(self, column: str) -> str:
        """The select-list item giving ``column``'s value as the database writes it."""
        return self.quote(column)

    def columns_sql(self) -> str:
        raise NotImplementedError


class _MySQL(_Dialect):
    def __init__(self) -> None:
        import pymysql

        self.errors = (pymysql.err.Error,)

    def connect(self, url: DatabaseURL, timeout: float) -> Any:
        import pymysql
        from pymysql.converters import conversions

        # No decoders: every value comes back as the server's own text (bytes for
        # binary columns); the encoders still quote the parameters.
        encoders = {key: value for key, value in conversions.items() if not isinstance(key, int)}
        return pymysql.connect(
            host=url.host,
            port=url.port,
            user=url.user,
            password=url.password,
            database=url.database,
            charset="utf8mb4",
            connect_timeout=timeout,
            read_timeout=300,  # a first page of a large table without an index on the cursor
            autocommit=True,  # each SELECT sees what committed since (no held snapshot)
            conv=encoders,
        )

    def quote(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def columns_sql(self) -> str:
        return (
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = DATABASE() AND table_name = %s ORDER BY ordinal_position"
        )


class _Postgres(_Dialect):
    def __init__(self) -> None:
        import psycopg

        self.errors = (psycopg.Error,)

    def connect(self, url: DatabaseURL, timeout: float) -> Any:
        import psycopg

        return psycopg.connect(
            host=url.host,
            port=url.port,
            user=url.user,
            password=url.password,
            dbname=url.database,
            connect_timeout=max(1, round(timeout)),
            autocommit=True,
            application_name="tarificador-pull",
        )

    def quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def as_text(self, column: str) -> str:
        return f"{self.quote(column)}::text"

    def columns_sql(self) -> str:
        return (
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s"
            " ORDER BY ordinal_position"
        )


def _dialect(name: str) -> _Dialect:
    return _MySQL() if name == "mysql" else _Postgres()


def row_record(columns: Sequence[str], row: Sequence[object]) -> bytes:
    """One row as its record: a JSON object on one line (``null`` for NULL)."""
    values = {
        column: value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        for column, value in zip(columns, row, strict=True)
    }
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Stored:
    """Where a source's stored rows end, from its newest committed records."""

    cursor: str | None = None  # the highest cursor value among them: where polls resume
    time: str | None = None  # the newest time_column value among them
    time_cursor: str | None = None  # the cursor value of the row of that time


def stored_position(lines: Iterable[str], column: str, time_column: str) -> Stored:
    """:class:`Stored` of the newest records' ``lines`` (JSON rows), for the cursor
    ``column`` and ``time_column`` (empty: none). Lines that are not pulled rows (the
    source had another transport before) are left out.

    The highest cursor, not the last one: a row caught by the time net after a
    restart has a low sequence, and resuming from it would read the whole table again.
    """
    cursor: str | None = None
    newest: tuple[dt.datetime, str, str | None] | None = None
    for line in lines:
        try:
            row = json.loads(line)
            value, when = row.get(column), row.get(time_column) if time_column else None
        except (ValueError, AttributeError):
            continue
        if value is not None and (cursor is None or _order(str(value)) > _order(cursor)):
            cursor = str(value)
        instant = _instant(when)
        if instant is not None and (newest is None or _later(instant, newest[0])):
            newest = (instant, str(when), None if value is None else str(value))
    if newest is None:
        return Stored(cursor=cursor)
    return Stored(cursor=cursor, time=newest[1], time_cursor=newest[2])


def _order(value: str) -> tuple[int, Decimal, str]:
    """A cursor value's order: numbers as numbers (``sequence`` 999 < 1000), else text."""
    try:
        number = Decimal(value)
    except ArithmeticError:
        return (1, Decimal(0), value)
    return (0, number, "") if number.is_finite() else (1, Decimal(0), value)


def _instant(value: object) -> dt.datetime | None:
    """A time column's text (``2026-12-07 10:00:01``, ``...+00``) as a datetime."""
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _later(instant: dt.datetime, than: dt.datetime) -> bool:
    try:
        return instant > than
    except TypeError:  # naive beside aware: a column of mixed texts; keep the first
        return False


@dataclass
class DatabasePull:
    """Polls a CDR table for new rows; see the module docstring.

    ``stored(column, time_column)`` gives where the rows stored for this source end
    (:class:`Stored`; empty: none yet, read the table from its start); the capture
    reads it from its committed records at every poll. ``on_warning`` hears of the
    cursor going back (an Asterisk restart), once.
    """

    url: str
    table: str = DEFAULT_TABLE
    cursor_column: str = ""  # empty: "sequence" where the table has it, else "uniqueid"
    poll_seconds: float = 30.0
    overlap_rows: int = 1000
    batch_rows: int = 1000
    time_column: str = ""  # empty: calldate, end_stamp or start_stamp; "none": no net
    overlap_minutes: int = 60
    connect_timeout: float = 10.0
    stored: Callable[[str, str], Stored] = field(default=lambda *columns: Stored(), repr=False)
    on_warning: Callable[[str], None] = field(default=lambda message: None, repr=False)
    column: str = ""  # the cursor column in use, once open
    net_column: str = ""  # the safety net's time column in use, once open ("": none)
    columns: list[str] = field(default_factory=list)  # the table's, once open

    def __post_init__(self) -> None:
        self.address = database_url(self.url)  # SettingsError (a ValueError) naming url

    def describe(self) -> str:
        return f"database {self.address.describe()} table {self.table}"

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[AsyncIterator[bytes]]:
        dialect = _dialect(self.address.dialect)
        try:
            connection = await asyncio.to_thread(
                dialect.connect, self.address, self.connect_timeout
            )
        except dialect.errors as error:
            raise LinkError(
                f"url: cannot connect to {self.address.describe()}: {_reason(error)}"
                " (check the host, port, user, password and database in url)"
            ) from None
        try:
            columns = self.columns = await asyncio.to_thread(self._columns, connection, dialect)
            yield self._chunks(connection, dialect, columns)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(connection.close)

    def _columns(self, connection: Any, dialect: _Dialect) -> list[str]:
        """The table's columns; picks the cursor column. LinkError names the setting."""
        try:
            with connection.cursor() as cursor:
                cursor.execute(dialect.columns_sql(), (self.table,))
                columns = [str(row[0]) for row in cursor.fetchall()]
        except dialect.errors as error:
            raise LinkError(
                f"table: cannot read the columns of {self.table!r}: {_reason(error)}"
            ) from None
        if not columns:
            raise LinkError(
                f"table: no table {self.table!r} in database {self.address.database!r}"
                " (or the user may not read it: GRANT SELECT on it)"
            )
        if self.cursor_column:
            if self.cursor_column not in columns:
                raise LinkError(
                    f"cursor_column: table {self.table!r} has no column {self.cursor_column!r};"
                    f" it has {', '.join(columns)}"
                )
            self.column = self.cursor_column
        else:
            found = [name for name in DEFAULT_CURSORS if name in columns]
            if not found:
                raise LinkError(
                    f"cursor_column: table {self.table!r} has neither sequence nor uniqueid;"
                    " set cursor_column to a column that only grows"
                    f" (one of {', '.join(columns)})"
                )
            self.column = found[0]
        self.net_column = self._time_column(columns)
        return columns

    def _time_column(self, columns: list[str]) -> str:
        if self.time_column.lower() == NO_TIME_COLUMN:
            return ""
        if self.time_column:
            if self.time_column not in columns:
                raise LinkError(
                    f"time_column: table {self.table!r} has no column {self.time_column!r};"
                    f" it has {', '.join(columns)} (or set it to none: no net by time)"
                )
            return self.time_column
        found = [name for name in DEFAULT_TIME_COLUMNS if name in columns and name != self.column]
        return found[0] if found else ""

    async def _chunks(
        self, connection: Any, dialect: _Dialect, columns: list[str]
    ) -> AsyncIterator[bytes]:
        while True:
            stored = await asyncio.to_thread(self.stored, self.column, self.net_column)
            start = await asyncio.to_thread(self._overlap_start, connection, dialect, stored.cursor)
            async for page in self._pages(connection, dialect, columns, self.column, start):
                yield page
            since = self._net_start(stored)
            if since is not None:
                # The safety net: one more (paged) query, on the time column's index.
                warned = False
                pages = self._pages(connection, dialect, columns, self.net_column, since)
                async for page in pages:
                    warning = "" if warned else self._went_back(page, stored)
                    if warning:
                        warned = True
                        await asyncio.to_thread(self.on_warning, warning)
                    yield page
            await asyncio.sleep(self.poll_seconds)

    async def _pages(
        self,
        connection: Any,
        dialect: _Dialect,
        columns: list[str],
        order: str,
        start: tuple[str | None, bool],
    ) -> AsyncIterator[bytes]:
        """The rows from ``start`` (value, inclusive) on in the order of ``order``, as
        chunks of JSON lines, a page at a time."""
        after, inclusive = start
        while True:
            page, after = await asyncio.to_thread(
                self._page, connection, dialect, columns, order, after, inclusive
            )
            inclusive = False
            if page:
                yield b"".join(row_record(columns, row) + b"\n" for row in page)
            if after is None:
                break

    def _net_start(self, stored: Stored) -> tuple[str | None, bool] | None:
        """Where the safety net starts: ``overlap_minutes`` before the newest stored
        row's time; None: no net (no time column, nothing stored yet)."""
        newest = _instant(stored.time)
        if not self.net_column or newest is None:
            return None
        since = newest - dt.timedelta(minutes=self.overlap_minutes)
        return since.isoformat(sep=" "), True

    def _went_back(self, page: bytes, stored: Stored) -> str:
        """The warning when a row of ``page`` is newer than every stored row but below
        the cursor of the newest one (the counter went back); empty: none is."""
        newest = _instant(stored.time)
        if newest is None or stored.time_cursor is None:
            return ""
        for line in page.splitlines():
            row = json.loads(line)
            when, value = row.get(self.net_column), row.get(self.column)
            instant = _instant(when)
            if (
                instant is not None
                and value is not None
                and _later(instant, newest)
                and _order(str(value)) < _order(stored.time_cursor)
            ):
                return (
                    f"the PBX's {self.column} counter went back: a row of {when} has"
                    f" {self.column} {value}, below the {stored.time_cursor} of the newest"
                    f" row stored ({stored.time}); Asterisk restarted? Rows since are"
                    f" caught by {self.net_column} (time_column, overlap_minutes)"
                )
        return ""

    def _execute(
        self, connection: Any, dialect: _Dialect, sql: str, params: tuple[object, ...]
    ) -> list[Sequence[object]]:
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return list(cursor.fetchall())
        except dialect.errors as error:
            raise LinkError(f"{self.describe()}: {_reason(error)}") from None

    def _overlap_start(
        self, connection: Any, dialect: _Dialect, saved: str | None
    ) -> tuple[str | None, bool]:
        """Where this poll's cursor read starts: (value, inclusive); ``None``: the
        table's start."""
        if saved is None:
            return None, True
        if self.overlap_rows <= 0:
            return saved, False
        column = dialect.quote(self.column)
        rows = self._execute(
            connection,
            dialect,
            f"SELECT {dialect.as_text(self.column)} FROM {dialect.quote(self.table)}"  # noqa: S608 (quoted names of the table's own columns)
            f" WHERE {column} <= %s ORDER BY {column} DESC LIMIT 1 OFFSET %s",
            (saved, self.overlap_rows),
        )
        if not rows or rows[0][0] is None:
            return None, True  # fewer rows than the overlap below the cursor: all of them
        return str(rows[0][0]), True

    def _page(
        self,
        connection: Any,
        dialect: _Dialect,
        columns: list[str],
        order: str,
        after: str | None,
        inclusive: bool,
    ) -> tuple[list[Sequence[object]], str | None]:
        """Rows from ``after`` on, in the order of the column ``order``, and where the
        next page starts (``None``: this was the last). Rows sharing the page's last
        value are all taken, so that no page boundary splits them."""
        column = dialect.quote(order)
        select = ", ".join(dialect.as_text(name) for name in columns)
        table = dialect.quote(self.table)
        where = ""
        params: tuple[object, ...] = ()
        if after is not None:
            where, params = f" WHERE {column} {'>=' if inclusive else '>'} %s", (after,)
        rows = self._execute(
            connection,
            dialect,
            f"SELECT {select} FROM {table}{where} ORDER BY {column} LIMIT %s",  # noqa: S608 (quoted names)
            (*params, self.batch_rows),
        )
        if len(rows) < self.batch_rows:
            return rows, None
        position = columns.index(order)
        boundary = rows[-1][position]
        if boundary is None:  # a page of NULL cursors: nothing to page on; take it and stop
            return rows, None
        rows = [row for row in rows if row[position] != boundary]
        rows += self._execute(
            connection,
            dialect,
            f"SELECT {select} FROM {table} WHERE {column} = %s",  # noqa: S608 (quoted names)
            (boundary,),
        )
        # A collation may call "ABC" and "abc" equal where Python does not: a row in both
        # lists is kept once (identical rows are one record anyway).
        return list(dict.fromkeys(tuple(row) for row in rows)), str(boundary)


def _reason(error: Exception) -> str:
    """A driver error in one line: PyMySQL's (1045, "Access denied ...") and psycopg's text."""
    arguments: tuple[object, ...] = tuple(getattr(error, "args", ()))
    if len(arguments) == 2 and isinstance(arguments[0], int):
        return f"({arguments[0]}) {arguments[1]}"
    return " ".join(str(error).split()) or type(error).__name__
