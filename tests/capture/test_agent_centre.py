"""The centre's view of agents: last seen, upload lag and gaps in the sequence, in the
admin and in ``/healthz``."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from capture.models import CaptureHeartbeat
from capture.selectors import SeqGap, source_seq_gaps, sources_with_health, upload_lag
from capture.services import IncomingRecord, raw_records_store
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def store_seqs(source, seqs, *, received_at=None):
    received_at = received_at or timezone.now()
    raw_records_store(
        source=source,
        records=[IncomingRecord(seq=seq, received_at=received_at, line=f"r{seq}") for seq in seqs],
    )


@pytest.fixture
def agent_source():
    return SourceFactory(slug="remote-mitel", transport="agent")


def test_gaps_are_the_missing_ranges_newest_first(agent_source):
    store_seqs(agent_source, [1, 2, 3, 4, 5, 8, 9, 20])

    gaps = source_seq_gaps(source_id=agent_source.id)

    assert gaps == [SeqGap(10, 19), SeqGap(6, 7)]
    assert [gap.missing for gap in gaps] == [10, 2]


def test_no_gaps_in_an_unbroken_sequence(agent_source):
    store_seqs(agent_source, range(1_795_000_000_000_000, 1_795_000_000_000_500))

    assert source_seq_gaps(source_id=agent_source.id) == []


def test_gap_search_is_bounded_by_the_newest_records_and_the_limit(agent_source):
    store_seqs(agent_source, [1, 3, 5, 7, 9, 11])

    newest_three = source_seq_gaps(source_id=agent_source.id, scan=3)
    first_two = source_seq_gaps(source_id=agent_source.id, limit=2)

    assert newest_three == [SeqGap(10, 10), SeqGap(8, 8)]
    assert first_two == [SeqGap(10, 10), SeqGap(8, 8)]


def test_gaps_of_one_source_ignore_the_others(agent_source):
    other = SourceFactory(transport="agent")
    store_seqs(agent_source, [1, 2, 3])
    store_seqs(other, [2])

    assert source_seq_gaps(source_id=agent_source.id) == []


def test_gap_query_walks_the_source_seq_index(agent_source):
    """The newest records come from the (source, seq) unique index, read backwards,
    never from a scan of the table."""
    store_seqs(agent_source, range(1, 2000))
    newest = "SELECT seq FROM capture_rawrecord WHERE source_id = %s ORDER BY seq DESC LIMIT 100000"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE capture_rawrecord")
            # As on a large table, where reading a source's newest 100,000 records any
            # other way costs a scan and a sort: on 2,000 rows the planner's choice
            # otherwise turns on what earlier tests left in the table's statistics
            # (full runs chose a bitmap scan, or another index, and a sort).
            cursor.execute("SET LOCAL enable_seqscan TO off")
            cursor.execute("SET LOCAL enable_bitmapscan TO off")
            cursor.execute("SET LOCAL enable_sort TO off")
            cursor.execute(f"EXPLAIN {newest}", [agent_source.id])
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {newest}", [agent_source.id])
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())

    if connection.vendor == "postgresql":
        assert "Scan Backward using raw_record_unique_seq" in plan  # index (only) scan
        assert "Sort" not in plan
    else:
        assert "USING COVERING INDEX sqlite_autoindex_capture_rawrecord_1" in plan
        assert "TEMP B-TREE" not in plan  # no sort: the index gives the order


def test_upload_lag_is_from_receipt_at_the_site_to_storage(agent_source):
    store_seqs(agent_source, [1], received_at=timezone.now() - dt.timedelta(minutes=10))
    store_seqs(agent_source, [2], received_at=timezone.now() - dt.timedelta(seconds=90))

    source = sources_with_health().get(pk=agent_source.pk)
    never = sources_with_health().get(pk=SourceFactory().pk)

    assert dt.timedelta(seconds=90) <= upload_lag(source) < dt.timedelta(minutes=10)
    assert upload_lag(never) is None


def test_healthz_shows_last_seen_lag_and_gaps_of_agent_sources(admin_client_session, agent_source):
    store_seqs(agent_source, [1, 2, 5], received_at=timezone.now() - dt.timedelta(seconds=30))
    SourceFactory(slug="hq-capture", transport="tcp-client")
    # A live source needs a capture process beating for health to be ok.
    now = timezone.now()
    CaptureHeartbeat.objects.create(process="host:1", started_at=now, beat_at=now)

    response = admin_client_session.get("/healthz")

    by_slug = {entry["source"]: entry for entry in response.json()["sources"]}
    agent = by_slug["remote-mitel"]
    assert response.status_code == 200
    assert agent["last_seen_at"] is not None
    assert agent["upload_lag_seconds"] >= 30
    assert agent["seq_gaps"] == [{"first": 3, "last": 4, "missing": 2}]
    assert agent["missing_records"] == 2
    assert agent["missing_capped"] is False
    assert "seq_gaps" not in by_slug["hq-capture"]
    assert by_slug["hq-capture"]["upload_lag_seconds"] is None


def test_admin_shows_lag_and_gaps(admin_client_session, agent_source):
    store_seqs(agent_source, [1, 2, 3, 7])

    listing = admin_client_session.get("/admin/capture/source/")
    detail = admin_client_session.get(f"/admin/capture/source/{agent_source.pk}/change/")

    assert listing.status_code == 200
    assert "3 missing: 4..6" in listing.content.decode()
    assert detail.status_code == 200
    assert "4..6 (3 missing)" in detail.content.decode()


def test_admin_caps_the_count_of_a_jump_in_the_sequence(admin_client_session, agent_source):
    """A seq of 2**63 - 1 is one range, not 9 x 10^18 missing records."""
    store_seqs(agent_source, [1, 2**63 - 1])

    listing = admin_client_session.get("/admin/capture/source/")
    detail = admin_client_session.get(f"/admin/capture/source/{agent_source.pk}/change/")

    assert f"1000000+ missing: 2..{2**63 - 2}" in listing.content.decode()
    assert f"2..{2**63 - 2} (1000000+ missing)" in detail.content.decode()


@pytest.fixture
def admin_client_session(client, admin_user):
    client.force_login(admin_user)
    return client
