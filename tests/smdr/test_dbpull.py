"""The database transport without a database: URLs, the settings schema, and where the
stored rows end."""

import json

import pytest

from smdr.dbpull import DatabasePull, Stored, database_url, stored_position
from smdr.schema import SettingsError
from smdr.source_settings import settings_schema
from smdr.transports import transport_from_settings


def test_a_mysql_url_with_an_escaped_password_and_the_default_port():
    url = database_url("mysql://reader:p%40ss%3Aw0rd@10.0.0.9/asteriskcdrdb")

    assert (url.dialect, url.host, url.port, url.user, url.database) == (
        "mysql",
        "10.0.0.9",
        3306,
        "reader",
        "asteriskcdrdb",
    )
    assert url.password == "p@ss:w0rd"
    assert url.describe() == "mysql://reader@10.0.0.9:3306/asteriskcdrdb"
    assert "p@ss" not in repr(url)


def test_postgres_and_mariadb_schemes():
    assert database_url("postgresql://fs@db:6543/freeswitch").port == 6543
    assert database_url("postgres://fs@db/freeswitch").port == 5432
    assert database_url("mariadb://r@db/cdr").dialect == "mysql"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("sqlite:///cdr.db", "unknown scheme 'sqlite'"),
        ("mysql://reader@db", "no database name"),
        ("mysql://db/asteriskcdrdb", "no user"),
        ("mysql://reader@:3306/cdr", "no host"),
        ("mysql://reader@db:99999/cdr", "Port out of range"),
    ],
)
def test_a_bad_url_names_the_setting_and_what_is_wrong(url, problem):
    with pytest.raises(SettingsError) as refused:
        database_url(url)

    assert refused.value.key == "url"
    assert str(refused.value).startswith("url: ")
    assert problem in str(refused.value)


def test_the_transport_is_built_from_the_settings_with_its_defaults():
    settings = {"url": "mysql://reader:pw@db/asteriskcdrdb"}
    settings_schema("database", "asterisk-csv").validate(settings)

    pull = transport_from_settings("database", "asterisk-csv", settings)

    assert isinstance(pull, DatabasePull)
    assert (pull.table, pull.cursor_column, pull.poll_seconds, pull.overlap_rows) == (
        "cdr",
        "",
        30.0,
        1000,
    )
    assert (pull.time_column, pull.overlap_minutes) == ("", 60)
    assert pull.describe() == "database mysql://reader@db:3306/asteriskcdrdb table cdr"


def row(sequence, calldate):
    return json.dumps({"calldate": calldate, "sequence": str(sequence)})


def test_the_stored_position_is_the_highest_cursor_and_the_newest_time():
    """Newest records first, as the capture reads them: after an Asterisk restart the
    last rows stored have low sequences but the newest times."""
    lines = [
        row(2, "2026-12-07 11:00:02"),
        row(1, "2026-12-07 11:00:01"),
        "not a pulled row",
        row(1000, "2026-12-07 10:59:00"),
        row(999, "2026-12-07 10:58:00"),
    ]

    assert stored_position(lines, "sequence", "calldate") == Stored(
        cursor="1000", time="2026-12-07 11:00:02", time_cursor="2"
    )
    assert stored_position(lines, "sequence", "") == Stored(cursor="1000")
    assert stored_position([], "sequence", "calldate") == Stored()


def test_times_with_their_offsets_are_compared_as_instants():
    lines = [row(1, "2026-12-07 10:30:00-03"), row(2, "2026-12-07 13:00:00+00")]

    assert stored_position(lines, "sequence", "calldate").time == "2026-12-07 10:30:00-03"
