"""The ``database`` transport against a real MariaDB (FreePBX's cdr table) and a real
PostgreSQL: rows become calls, once each, across restarts, crashes and late commits;
a source whose database is wrong shows its own error while the others capture."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.core.exceptions import ValidationError

from billing.models import Call
from capture.models import CaptureState, RawRecord, Source, Transport
from capture.selectors import HealthState, source_health_state
from pbxsim.cdr_database import MariaDB, PostgresCDR, cdr_row
from tests.capture.test_capture_lease import ROOT, wait_for
from tests.capture.test_live_capture import capture_until
from tests.conftest import service_unavailable
from tests.factories import SiteFactory, SourceFactory
from tests.test_celery_worker import database_url

pytestmark = pytest.mark.django_db(transaction=True)
FAST = {"poll_seconds": 0.05, "reconnect_initial": 0.05, "reconnect_max": 0.2}


@pytest.fixture
def mariadb():
    try:
        database = MariaDB()
    except Exception as error:  # not installed or not running
        service_unavailable(f"MariaDB is not reachable at 127.0.0.1:3306: {error}")
    yield database
    database.drop()


@pytest.fixture
def postgres_cdr():
    try:
        database = PostgresCDR()
    except Exception as error:
        service_unavailable(f"PostgreSQL is not reachable at 127.0.0.1:5432: {error}")
    yield database
    database.drop()


def pulled_source(url, **settings):
    return SourceFactory(
        family="asterisk-csv",
        transport=Transport.DATABASE,
        settings={"url": url, **FAST, **settings},
    )


def stored(source):
    return RawRecord.objects.filter(source=source).count()


def rows(first, last):
    return [cdr_row(sequence) for sequence in range(first, last + 1)]


def sequences(source):
    return sorted(
        int(json.loads(line)["sequence"])
        for line in RawRecord.objects.filter(source=source).values_list("line", flat=True)
    )


def restarted(first, last, *, calls_before=50):
    """Rows written after Asterisk restarted: new calls (later calldates, their own
    uniqueids) whose sequence starts again from ``first``."""
    return [(*cdr_row(calls_before + n)[:-1], n) for n in range(first, last + 1)]


def stored_calls(source):
    """(sequence, calldate) of every stored row, sorted; a row stored twice shows twice."""
    return sorted(
        (int(values["sequence"]), values["calldate"][:19])
        for values in map(
            json.loads, RawRecord.objects.filter(source=source).values_list("line", flat=True)
        )
    )


def expected_calls(written):
    return sorted((row[-1], row[0]) for row in written)


def test_rows_of_freepbx_cdr_become_calls_with_their_exact_values(mariadb):
    mariadb.insert(rows(1, 30))
    source = pulled_source(mariadb.url)

    capture_until([source], lambda: Call.objects.filter(source=source).count() >= 30)

    assert Call.objects.filter(source=source).count() == 30
    record = RawRecord.objects.get(source=source, seq=1)
    values = json.loads(record.line)
    assert values["calldate"] == "2026-12-07 10:00:01"
    assert values["sequence"] == "1"  # the database's own text, not a number
    assert values["amaflags"] == "3"
    assert values["did"] == ""
    call = Call.objects.get(raw_record=record)
    assert call.start == dt.datetime(2026, 12, 7, 13, 0, 1, tzinfo=dt.UTC)  # Córdoba time
    assert (call.extension.number, call.number, call.trunk.name) == (
        "2001",
        "0351155000001",
        "claro",
    )
    assert (call.direction, call.duration_seconds, call.ring_seconds) == ("outgoing", 60, 5)


def test_a_restart_stores_no_row_twice(mariadb):
    mariadb.insert(rows(1, 20))
    source = pulled_source(mariadb.url)
    capture_until([source], lambda: stored(source) >= 20)
    mariadb.insert(rows(21, 30))

    capture_until([source], lambda: stored(source) >= 30)
    capture_until([source], lambda: False, timeout=0.5)  # and once more with nothing new

    assert sequences(source) == list(range(1, 31))
    assert Call.objects.filter(source=source).count() == 30


def test_polls_that_find_nothing_new_leave_the_last_record_time(mariadb):
    """The overlap reads stored rows again: they are no sign of life, so health can
    turn the source silent when the PBX stops writing."""
    mariadb.insert(rows(1, 5))
    source = pulled_source(mariadb.url)
    capture_until([source], lambda: stored(source) >= 5)
    long_ago = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    Source.objects.filter(pk=source.pk).update(last_seen_at=long_ago)

    capture_until([source], lambda: False, timeout=0.5)  # polls reading the 5 rows again

    assert Source.objects.get(pk=source.pk).last_seen_at == long_ago
    assert stored(source) == 5


def test_rows_committed_late_within_the_overlap_are_caught(mariadb):
    """Sequence 11 (a long call: numbered at its start) is written after 12 to 20."""
    mariadb.insert(rows(1, 10) + rows(12, 20))
    source = pulled_source(mariadb.url, overlap_rows=50)
    capture_until([source], lambda: stored(source) >= 19)
    mariadb.insert(rows(11, 11))

    capture_until([source], lambda: stored(source) >= 20)
    capture_until([source], lambda: False, timeout=0.5)

    assert sequences(source) == list(range(1, 21))


@pytest.mark.parametrize("database", ["mariadb", "postgres_cdr"])
def test_rows_after_an_asterisk_restart_are_caught_once_across_our_restart(
    database, request, caplog
):
    """Asterisk restarts: its sequence starts again from 1, far below the stored
    cursor (50, overlap 5). The rows are caught by their calldate, each once, through
    a restart of our capture process too; the counter going back is reported once."""
    cdr = request.getfixturevalue(database)
    before = rows(1, 50)
    cdr.insert(before)
    source = pulled_source(cdr.url, overlap_rows=5, batch_rows=7)
    capture_until([source], lambda: stored(source) >= 50)
    cdr.insert(restarted(1, 12))

    with caplog.at_level("WARNING", logger="capture.live"):
        capture_until([source], lambda: stored(source) >= 62)
    warned = Source.objects.get(pk=source.pk).capture_error
    cdr.insert(restarted(13, 20))
    process = capture_process(source.slug)  # our capture restarts: a new process
    try:
        assert wait_for(lambda: stored(source) >= 70, 60), f"{stored(source)} stored"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    capture_until([source], lambda: False, timeout=0.5)  # more polls, nothing new

    assert stored_calls(source) == expected_calls(before + restarted(1, 20))
    assert Call.objects.filter(source=source).count() == 70
    assert warned.startswith(
        "the PBX's sequence counter went back: a row of 2026-12-07 10:00:51"
    ), warned
    assert "below the 50 of the newest row stored (2026-12-07 10:00:50" in warned
    reported = [
        record.message for record in caplog.records if "counter went back" in record.message
    ]
    assert reported == [f"{source.slug}: {warned}"]  # once


def test_a_pbx_clock_set_back_loses_no_row(mariadb):
    """Rows dated two hours before the stored ones (the clock set back), with higher
    sequences: the cursor read catches them, once."""
    mariadb.insert(rows(1, 30))
    source = pulled_source(mariadb.url, overlap_rows=5)
    capture_until([source], lambda: stored(source) >= 30)
    earlier = [(f"2026-12-07 08:00:{n - 30:02d}", *cdr_row(n)[1:]) for n in range(31, 41)]
    mariadb.insert(earlier)

    capture_until([source], lambda: stored(source) >= 40)
    capture_until([source], lambda: False, timeout=0.5)

    assert stored_calls(source) == expected_calls(rows(1, 30) + earlier)
    assert Source.objects.get(pk=source.pk).capture_error == ""  # no counter went back


def test_uniqueid_cursor_with_equal_values_across_pages(mariadb):
    """uniqueid is not strictly increasing: legs of one call share it, and a page
    boundary must not split them (nor store them twice)."""
    legs = [cdr_row(n) for n in range(1, 13)]
    legs = [(*leg[:14], "1796637600.7", *leg[15:]) for leg in legs]  # all one uniqueid
    mariadb.insert(legs + rows(13, 20))
    source = pulled_source(mariadb.url, cursor_column="uniqueid", batch_rows=5)

    capture_until([source], lambda: stored(source) >= 20)
    capture_until([source], lambda: False, timeout=0.5)

    assert sequences(source) == list(range(1, 21))


def test_a_wrong_password_or_missing_table_is_that_sources_error_only(mariadb):
    mariadb.insert(rows(1, 5))
    good = pulled_source(mariadb.url)
    refused = pulled_source(f"mysql://root:wrong@127.0.0.1:3306/{mariadb.name}")
    missing = pulled_source(mariadb.url, table="cdr_missing")
    no_column = pulled_source(mariadb.url, cursor_column="acctid")
    no_time = pulled_source(mariadb.url, time_column="enddate")

    health: dict[str, str] = {}

    def done():
        states = set(
            Source.objects.filter(
                pk__in=[refused.pk, missing.pk, no_column.pk, no_time.pk]
            ).values_list("capture_state", flat=True)
        )
        # Health, while capture runs: a database source is captured at the centre.
        for source in Source.objects.filter(pk__in=[good.pk, refused.pk, missing.pk]):
            health[source.slug] = source_health_state(source)
        expected = {good.slug: "capturing", refused.slug: "error", missing.slug: "error"}
        return stored(good) >= 5 and states == {CaptureState.ERROR} and health == expected

    capture_until([good, refused, missing, no_column, no_time], done)

    assert stored(good) == 5
    errors = {
        source.slug: source.capture_error
        for source in Source.objects.filter(
            pk__in=[refused.pk, missing.pk, no_column.pk, no_time.pk]
        )
    }
    assert errors[refused.slug].startswith("url: cannot connect to mysql://root@127.0.0.1:3306/")
    assert "Access denied" in errors[refused.slug]
    assert "wrong" not in errors[refused.slug]  # the password is never shown
    assert errors[missing.slug].startswith("table: no table 'cdr_missing' in database")
    assert errors[no_column.slug].startswith("cursor_column: table 'cdr' has no column 'acctid'")
    assert errors[no_time.slug].startswith("time_column: table 'cdr' has no column 'enddate'")
    assert health == {
        good.slug: HealthState.CAPTURING,
        refused.slug: HealthState.ERROR,
        missing.slug: HealthState.ERROR,
    }


def test_postgresql_rows_become_calls_and_null_is_null(postgres_cdr):
    postgres_cdr.insert(rows(1, 5))
    postgres_cdr.connection.execute("UPDATE cdr SET userfield = NULL, accountcode = ''")
    source = pulled_source(postgres_cdr.url)

    capture_until([source], lambda: Call.objects.filter(source=source).count() >= 5)

    values = json.loads(RawRecord.objects.get(source=source, seq=1).line)
    assert values["userfield"] is None
    assert values["accountcode"] == ""
    assert values["calldate"] == "2026-12-07 10:00:01+00"
    call = Call.objects.get(raw_record__source=source, raw_record__seq=1)
    assert call.start == dt.datetime(2026, 12, 7, 10, 0, 1, tzinfo=dt.UTC)  # its offset kept
    assert Call.objects.filter(source=source).count() == 5


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"url": "mysql://root@db/cdr", "pol_seconds": 5}, "unknown key 'pol_seconds'"),
        ({}, "url: required"),
        ({"url": "http://db/cdr"}, "url: 'http://db/cdr' is not a database URL"),
        ({"url": "mysql://root:s3cret@db"}, "url: 'mysql://root:***@db' is not a database URL"),
        ({"url": "postgres://root@db/cdr", "poll_seconds": 0}, "poll_seconds: 0 is not a number"),
        ({"url": "mysql://root@db/cdr", "overlap_rows": -1}, "overlap_rows: -1 is not a whole"),
        ({"url": "mysql://root@db/cdr", "overlap_minute": 5}, "unknown key 'overlap_minute'"),
        (
            {"url": "mysql://root@db/cdr", "overlap_minutes": -1},
            "overlap_minutes: -1 is not a whole",
        ),
        (
            {"url": "mysql://root@db/cdr", "overlap_minutes": "hour"},
            "overlap_minutes: 'hour' is not a whole",
        ),
        ({"url": "mysql://root@db/cdr", "time_column": 5}, "time_column: 5 is not text"),
    ],
)
def test_the_settings_are_refused_when_saved_naming_the_key(settings, message):
    source = Source(
        site=SiteFactory(),
        slug="pbx",
        name="PBX",
        family="asterisk-csv",
        transport=Transport.DATABASE,
        settings=settings,
    )

    with pytest.raises(ValidationError) as refused:
        source.clean()

    (text,) = refused.value.message_dict["settings"]
    assert text.startswith(message)
    assert "s3cret" not in text


def test_the_api_answers_400_for_an_unknown_key(admin_client):
    SiteFactory(slug="rosario")
    body = {
        "site": "rosario",
        "slug": "rosario-freepbx",
        "name": "Rosario FreePBX",
        "family": "asterisk-csv",
        "transport": "database",
        "settings": {"url": "mysql://reader:pw@10.0.0.9/asteriskcdrdb", "tabel": "cdr"},
    }

    response = admin_client.post("/api/v1/sources/", body, format="json")

    assert response.status_code == 400
    assert response.json()["settings"][0].startswith("unknown key 'tabel'; known: url, table,")


def capture_process(slug):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url(),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "capture", "--source", slug],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def test_a_killed_capture_process_loses_and_doubles_nothing(mariadb):
    """SIGKILL while pages of rows are being stored, then a new process: every row once."""
    total = 3000
    mariadb.insert(rows(1, total))
    source = pulled_source(mariadb.url, batch_rows=25)

    first = capture_process(source.slug)
    try:
        assert wait_for(lambda: stored(source) >= 100, 60), "the first process stored nothing"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
    killed_at = stored(source)
    second = capture_process(source.slug)
    try:
        assert wait_for(lambda: stored(source) >= total, 120), f"{stored(source)} stored"
        time.sleep(0.3)  # a few more polls: none may store a row again
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)

    assert killed_at < total  # killed mid-way, not after the end
    assert sequences(source) == list(range(1, total + 1))


def test_test_connection_reads_the_table_and_previews_its_rows(mariadb, admin_client):
    mariadb.insert(rows(1, 3))
    SiteFactory(slug="cordoba", time_zone="America/Argentina/Cordoba")
    probe = "/api/v1/sources/test-connection/"

    tested = admin_client.post(
        probe,
        {"family": "asterisk-csv", "transport": "database", "settings": {"url": mariadb.url}},
        format="json",
    ).json()
    captured = admin_client.post(
        probe,
        {
            "family": "asterisk-csv",
            "transport": "database",
            "settings": {"url": mariadb.url},
            "site": "cordoba",
            "capture_seconds": 5,
        },
        format="json",
    ).json()
    refused = admin_client.post(
        probe,
        {
            "family": "asterisk-csv",
            "transport": "database",
            "settings": {"url": f"mysql://root:wrong@127.0.0.1:3306/{mariadb.name}"},
        },
        format="json",
    ).json()

    assert tested["ok"], tested
    assert tested["steps"][0]["message"] == (
        f"connected to mysql://root@127.0.0.1:3306/{mariadb.name}: table cdr has 26 columns,"
        " read in the order of sequence"
    )
    assert captured["steps"][-1]["message"] == "3 records framed"
    assert [entry["outcome"] for entry in captured["entries"]] == ["call"] * 3
    assert json.loads(captured["lines"][0])["sequence"] == "1"
    assert not refused["ok"]
    assert "url: cannot connect" in refused["steps"][-1]["message"]
    assert not RawRecord.objects.exists()


def test_freeswitch_cdr_pg_csv_rows_by_end_stamp(postgres_cdr):
    """FreeSWITCH's table has no sequence nor uniqueid: its end_stamp is the cursor, a
    timestamp with time zone, paged across rows that end in the same second."""
    postgres_cdr.connection.execute(
        "CREATE TABLE cdr_fs (caller_id_name varchar, caller_id_number varchar,"
        " destination_number varchar, context varchar, start_stamp timestamptz,"
        " answer_stamp timestamptz, end_stamp timestamptz, duration integer, billsec integer,"
        " hangup_cause varchar, uuid uuid, bleg_uuid uuid, accountcode varchar,"
        " read_codec varchar, write_codec varchar)"
    )
    with postgres_cdr.connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO cdr_fs VALUES ('Ana', '1001', %s, 'default',"
            " '2026-12-07 10:00:00+00', '2026-12-07 10:00:05+00', %s, 65, 60,"
            " 'NORMAL_CLEARING', gen_random_uuid(), NULL, NULL, 'PCMA', 'PCMA')",
            [(f"0351155{n:06d}", f"2026-12-07 10:01:{n // 3:02d}+00") for n in range(12)],
        )
    source = SourceFactory(
        family="freeswitch-csv",
        transport=Transport.DATABASE,
        settings={
            "url": postgres_cdr.url,
            "table": "cdr_fs",
            "cursor_column": "end_stamp",
            "batch_rows": 4,
            **FAST,
        },
    )

    capture_until([source], lambda: Call.objects.filter(source=source).count() >= 12)
    capture_until([source], lambda: False, timeout=0.5)

    calls = Call.objects.filter(source=source)
    assert sorted(calls.values_list("number", flat=True)) == [f"0351155{n:06d}" for n in range(12)]
    assert {call.start for call in calls} == {dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)}
    assert stored(source) == 12
