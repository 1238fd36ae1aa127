"""``GET /healthz``: strangers get the status alone; staff (a session or an administrator's
token) get the detail: database, broker, pending records and each source.

Unhealthy (503) when the database or a configured broker is down, or a record has been
waiting to be parsed for more than 5 minutes.
"""

import datetime as dt

import pytest
import requests
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from capture.models import RawRecord
from capture.selectors import MISSING_COUNT_CAP, raw_records_pending
from capture.services import IncomingRecord, raw_records_store
from tests.billing.test_api_ingest import serving
from tests.factories import AdminFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/healthz"


def store_seqs(source, seqs):
    # Stored, not ingested: left pending, as after a crash between commit and parse.
    raw_records_store(
        source=source,
        records=[
            IncomingRecord(seq=seq, received_at=timezone.now(), line=f"r{seq}") for seq in seqs
        ],
    )


def as_json(moment: dt.datetime) -> str:
    return DjangoJSONEncoder().default(moment)  # ISO 8601, milliseconds, Z


def staff_get(client):
    client.force_login(AdminFactory())
    return client.get(URL)


@pytest.fixture
def agent_source():
    return SourceFactory(slug="remote-mitel", transport="agent")


def test_a_stranger_sees_only_the_status(client, agent_source):
    """No source names, gaps or errors without credentials."""
    store_seqs(agent_source, [1, 2, 5])

    response = client.get(URL)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_stranger_sees_unhealthy_with_503_and_no_reason(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get(URL)

    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy"}


def test_a_staff_session_sees_the_detail(client, agent_source):
    response = staff_get(client)

    body = response.json()
    assert response.status_code == 200
    assert (body["status"], body["database"], body["broker"]) == ("ok", "ok", "none (in-process)")
    assert body["pending"] == {"count": 0, "oldest": None, "oldest_age_seconds": None}
    assert [source["source"] for source in body["sources"]] == ["remote-mitel"]


def test_an_administrators_token_sees_the_detail(client, agent_source):
    key = Token.objects.create(user=AdminFactory()).key

    response = client.get(URL, HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200
    assert response.json()["sources"][0]["source"] == "remote-mitel"


@pytest.mark.parametrize("credentials", ["user token", "source key", "unknown token"])
def test_other_credentials_see_only_the_status(client, agent_source, credentials):
    from capture.services import source_rotate_key

    key = {
        "user token": lambda: Token.objects.create(user=UserFactory()).key,
        "source key": lambda: source_rotate_key(source=agent_source),
        "unknown token": lambda: "not-a-key",
    }[credentials]()

    response = client.get(URL, HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_non_staff_session_sees_only_the_status(client, agent_source):
    client.force_login(UserFactory())

    assert client.get(URL).json() == {"status": "ok"}


def test_fresh_pending_records_are_counted_and_healthy(client, agent_source):
    store_seqs(agent_source, [1, 2, 3])
    oldest = RawRecord.objects.order_by("created_at").first().created_at

    response = staff_get(client)

    pending = response.json()["pending"]
    assert response.status_code == 200
    assert (pending["count"], pending["oldest"]) == (3, as_json(oldest))
    assert 0 <= pending["oldest_age_seconds"] < 300


def test_a_record_pending_for_more_than_5_minutes_is_unhealthy(client, agent_source):
    """Records stuck pending (a crash between commit and parse) are calls missing from
    the reports: a monitor must see it from the status alone."""
    store_seqs(agent_source, [1, 2, 3])
    stuck_since = timezone.now() - dt.timedelta(minutes=6)
    RawRecord.objects.filter(seq=1).update(created_at=stuck_since)
    RawRecord.objects.filter(seq=3).update(state=RawRecord.State.PARSED)

    stranger = client.get(URL)
    staff = staff_get(client)

    assert (stranger.status_code, stranger.json()) == (503, {"status": "unhealthy"})
    body = staff.json()
    assert staff.status_code == 503 and body["status"] == "unhealthy"
    assert body["database"] == "ok" and body["broker"] == "none (in-process)"
    assert body["pending"]["count"] == 2
    assert body["pending"]["oldest"] == as_json(stuck_since)
    assert body["pending"]["oldest_age_seconds"] >= 360


def test_the_pending_count_is_one_query_on_the_pending_index(agent_source):
    """Count and age of the pending records come from a partial index of the pending
    ones, never from a scan of the (large) table of parsed records."""
    store_seqs(agent_source, range(1, 500))
    RawRecord.objects.filter(seq__lt=400).update(state=RawRecord.State.PARSED)
    with CaptureQueriesContext(connection) as queries:
        pending = raw_records_pending()
    [query] = queries.captured_queries

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE capture_rawrecord")
            cursor.execute("SET enable_seqscan TO off")  # as on a large table
            cursor.execute(f"EXPLAIN {query['sql']}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())

    assert pending.count == 100
    assert "raw_record_pending" in plan, plan


def test_a_seq_jump_to_the_largest_number_is_a_range_with_a_capped_count(client, agent_source):
    """A sender that jumped to seq 2**63 - 1 has not lost 9 x 10^18 records: the range is
    shown as it is, the count stops at the cap and says so."""
    store_seqs(agent_source, [1, 2, 3, 2**63 - 1])

    source = staff_get(client).json()["sources"][0]

    assert source["seq_gaps"] == [{"first": 4, "last": 2**63 - 2, "missing": MISSING_COUNT_CAP}]
    assert source["missing_records"] == MISSING_COUNT_CAP
    assert source["missing_capped"] is True


def test_small_gaps_are_counted_exactly(client, agent_source):
    store_seqs(agent_source, [1, 2, 5, 9])

    source = staff_get(client).json()["sources"][0]

    assert source["seq_gaps"] == [
        {"first": 6, "last": 8, "missing": 3},
        {"first": 3, "last": 4, "missing": 2},
    ]
    assert (source["missing_records"], source["missing_capped"]) == (5, False)


def test_more_gaps_than_are_listed_make_the_count_a_lower_bound(client, agent_source):
    store_seqs(agent_source, range(1, 60, 2))  # 29 gaps of one; the newest 20 are listed

    source = staff_get(client).json()["sources"][0]

    assert len(source["seq_gaps"]) == 20
    assert source["seq_gaps"][0] == {"first": 58, "last": 58, "missing": 1}
    assert (source["missing_records"], source["missing_capped"]) == (20, True)


def test_a_database_down_is_503_even_to_a_caller_with_a_token(tmp_path):
    """gunicorn on a database that refuses connections: no one can be recognized, so
    everyone gets the status, and never a 500."""
    unreachable = "postgres://postgres@127.0.0.1:1/tarificador"
    command = ["-m", "gunicorn", "config.wsgi", "-b"]
    with serving(command, tmp_path, DATABASE_URL=unreachable) as port:
        stranger = requests.get(f"http://127.0.0.1:{port}{URL}", timeout=30)
        with_token = requests.get(
            f"http://127.0.0.1:{port}{URL}",
            headers={"Authorization": "Token 0123456789abcdef0123456789abcdef01234567"},
            timeout=30,
        )

    assert (stranger.status_code, stranger.json()) == (503, {"status": "unhealthy"})
    assert (with_token.status_code, with_token.json()) == (503, {"status": "unhealthy"})
