"""The database transport's settings, without a database: URLs and the settings schema."""

import pytest

from smdr.dbpull import DatabasePull, database_url
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
    assert pull.describe() == "database mysql://reader@db:3306/asteriskcdrdb table cdr"
