"""A PBX's CDR database, for the ``database`` transport's tests and benchmark: a
scratch database on a real MariaDB with FreePBX's ``asteriskcdrdb.cdr`` table, or on
a real PostgreSQL with Asterisk's ``cdr_pgsql`` table, and rows to write to it.

Each helper creates its own database (by default ``tarif<suffix>_cdr``, the suffix of
``TARIFICADOR_TEST_DB_SUFFIX``) and drops it afterwards; no other database is touched.
"""

from __future__ import annotations

import datetime as dt
import os

MARIADB = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}
POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def scratch_name() -> str:
    return f"tarif{os.environ.get('TARIFICADOR_TEST_DB_SUFFIX', '')}_cdr"


# FreePBX 16's asteriskcdrdb.cdr (cdr_adaptive_odbc writes it): no key of its own;
# sequence is Asterisk's CDR counter.
FREEPBX_CDR = """
CREATE TABLE cdr (
  calldate datetime NOT NULL DEFAULT '1000-01-01 00:00:00',
  clid varchar(80) NOT NULL DEFAULT '',
  src varchar(80) NOT NULL DEFAULT '',
  dst varchar(80) NOT NULL DEFAULT '',
  dcontext varchar(80) NOT NULL DEFAULT '',
  channel varchar(80) NOT NULL DEFAULT '',
  dstchannel varchar(80) NOT NULL DEFAULT '',
  lastapp varchar(80) NOT NULL DEFAULT '',
  lastdata varchar(80) NOT NULL DEFAULT '',
  duration int(11) NOT NULL DEFAULT 0,
  billsec int(11) NOT NULL DEFAULT 0,
  disposition varchar(45) NOT NULL DEFAULT '',
  amaflags int(11) NOT NULL DEFAULT 0,
  accountcode varchar(20) NOT NULL DEFAULT '',
  uniqueid varchar(32) NOT NULL DEFAULT '',
  userfield varchar(255) NOT NULL DEFAULT '',
  did varchar(50) NOT NULL DEFAULT '',
  recordingfile varchar(255) NOT NULL DEFAULT '',
  cnum varchar(80) NOT NULL DEFAULT '',
  cnam varchar(80) NOT NULL DEFAULT '',
  outbound_cnum varchar(80) NOT NULL DEFAULT '',
  outbound_cnam varchar(80) NOT NULL DEFAULT '',
  dst_cnam varchar(80) NOT NULL DEFAULT '',
  linkedid varchar(32) NOT NULL DEFAULT '',
  peeraccount varchar(80) NOT NULL DEFAULT '',
  sequence int(11) NOT NULL DEFAULT 0,
  KEY calldate (calldate),
  KEY dst (dst),
  KEY accountcode (accountcode),
  KEY uniqueid (uniqueid),
  KEY did (did),
  KEY recordingfile (recordingfile(191))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
"""

# Asterisk's PostgreSQL cdr table (cdr_pgsql), with the newer columns; nullable here so
# that a NULL shows as null in the record.
POSTGRES_CDR = """
CREATE TABLE cdr (
  calldate timestamp with time zone NOT NULL DEFAULT now(),
  clid varchar(80), src varchar(80), dst varchar(80), dcontext varchar(80),
  channel varchar(80), dstchannel varchar(80), lastapp varchar(80), lastdata varchar(80),
  duration integer, billsec integer, disposition varchar(45), amaflags integer,
  accountcode varchar(20), uniqueid varchar(150), userfield varchar(255),
  peeraccount varchar(20), linkedid varchar(150), sequence integer
)
"""

COLUMNS = (
    "calldate",
    "clid",
    "src",
    "dst",
    "dcontext",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "accountcode",
    "uniqueid",
    "userfield",
    "linkedid",
    "sequence",
)
START = dt.datetime(2026, 12, 7, 10, 0, 0, tzinfo=dt.UTC)  # written without its zone


def cdr_row(sequence: int, *, extension: str = "2001") -> tuple:
    """One outgoing call from ``extension`` through trunk ``claro``, in COLUMNS' order."""
    calldate = START + dt.timedelta(seconds=sequence)
    uniqueid = f"{1796637600 + sequence}.{sequence}"
    return (
        calldate.strftime("%Y-%m-%d %H:%M:%S"),
        f'"Ana" <{extension}>',
        extension,
        f"0351155{sequence:06d}",
        "from-internal",
        f"PJSIP/{extension}-{sequence:08x}",
        f"PJSIP/claro-{sequence:08x}",
        "Dial",
        "PJSIP/claro,300",
        65,
        60,
        "ANSWERED",
        3,
        "",
        uniqueid,
        "",
        uniqueid,
        sequence,
    )


class MariaDB:
    """A scratch database on the local MariaDB, with FreePBX's cdr table."""

    def __init__(self, name: str = "") -> None:
        import pymysql

        self.name = name or scratch_name()
        self.admin = pymysql.connect(**MARIADB, autocommit=True, connect_timeout=3)
        with self.admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{self.name}`")
            cursor.execute(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4")
            cursor.execute(f"USE `{self.name}`")
            cursor.execute(FREEPBX_CDR)

    @property
    def url(self) -> str:
        return f"mysql://root@127.0.0.1:3306/{self.name}"

    def insert(self, rows: list[tuple]) -> None:
        marks = ", ".join(["%s"] * len(COLUMNS))
        with self.admin.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO cdr ({', '.join(COLUMNS)}) VALUES ({marks})",  # noqa: S608
                rows,
            )

    def drop(self) -> None:
        with self.admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{self.name}`")
        self.admin.close()


class PostgresCDR:
    """A scratch database on the local PostgreSQL, with Asterisk's cdr table."""

    def __init__(self, name: str = "") -> None:
        import psycopg

        self.name = name or scratch_name()
        self.admin = psycopg.connect(**POSTGRES, dbname="postgres", autocommit=True)
        self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.execute(f'CREATE DATABASE "{self.name}"')
        self.connection = psycopg.connect(**POSTGRES, dbname=self.name, autocommit=True)
        self.connection.execute("SET TIME ZONE 'UTC'")
        self.connection.execute(POSTGRES_CDR)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:5432/{self.name}"

    def insert(self, rows: list[tuple]) -> None:
        marks = ", ".join(["%s"] * len(COLUMNS))
        with self.connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO cdr ({', '.join(COLUMNS)}) VALUES ({marks})",  # noqa: S608
                rows,
            )

    def drop(self) -> None:
        self.connection.close()
        self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.close()
