"""Ingest fed random JSON with a valid source key, as a broken or hostile client sends it:
random structures, strings, huge numbers, odd dates and base64 garbage.

Whatever arrives, the answer is never a 500; and a 200 stored exactly what it says:
every record sent, with its seq, receipt time and bytes, and nothing else.
"""

import base64
import datetime as dt
import json

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from capture.models import RawRecord
from tests.conftest import token_client
from tests.properties import utc_datetimes

URL = "/api/v1/ingest/"
SLUG = "cordoba-ipoffice"  # the ``source`` fixture's

pytestmark = pytest.mark.django_db

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
NOW = timezone.now()
OFFSET = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
MOMENT = st.one_of(
    st.sampled_from(
        [
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:59-05:00",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2026-11-02T13:05:09Z",
            "2026-11-02 13:05:09",
            "2026-02-30T10:00:00Z",
            "",
        ]
    ),
    # Any moment in any offset, around the server's clock or anywhere in the calendar.
    st.builds(lambda moment, zone: moment.replace(tzinfo=zone).isoformat(), st.datetimes(), OFFSET),
    st.datetimes(
        min_value=(NOW - dt.timedelta(days=400)).replace(tzinfo=None),
        max_value=(NOW + dt.timedelta(days=3)).replace(tzinfo=None),
    ).map(lambda moment: moment.replace(tzinfo=dt.UTC).isoformat()),
    st.datetimes().map(dt.datetime.isoformat),  # no zone
    st.text(max_size=30),
    JSON,
)
SEQ = st.one_of(
    st.integers(min_value=1, max_value=2**63 - 1),
    st.integers(min_value=2**63 - 3, max_value=2**70),
    st.integers(max_value=0),
    JSON,
)
DATA = st.one_of(
    st.binary(max_size=200).map(lambda raw: base64.b64encode(raw).decode()),
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n", max_size=40),
    JSON,
)
RECORD = st.one_of(
    st.fixed_dictionaries(
        {"seq": SEQ, "received_at": MOMENT},
        optional={"line": st.text(max_size=200) | JSON, "data": DATA, "extra": JSON},
    ),
    JSON,
)
# Records the contract accepts: any seq, any time up to a day ahead in any offset.
GOOD_RECORD = st.fixed_dictionaries(
    {
        "seq": st.integers(min_value=1, max_value=2**63 - 1),
        "received_at": st.builds(
            lambda moment, zone: moment.astimezone(zone).isoformat(),
            utc_datetimes(dt.datetime(1, 1, 2, tzinfo=dt.UTC), NOW + dt.timedelta(hours=23)),
            OFFSET,
        ),
    }
).flatmap(
    lambda record: st.one_of(
        st.builds(lambda line: {**record, "line": line}, st.text(max_size=200)),
        st.builds(
            lambda raw: {**record, "data": base64.b64encode(raw).decode()}, st.binary(max_size=200)
        ),
    )
)
RECORDS = st.lists(RECORD, max_size=6)
# Mostly well-formed at the top, so that the records themselves are reached.
PAYLOAD = st.one_of(
    st.fixed_dictionaries(
        {
            "source": st.just(SLUG),
            "records": st.lists(GOOD_RECORD, max_size=6, unique_by=lambda record: record["seq"]),
        }
    ),
    st.fixed_dictionaries(
        {"source": st.just(SLUG), "records": st.lists(GOOD_RECORD | RECORD, max_size=6)}
    ),
    st.fixed_dictionaries({"source": st.just(SLUG), "records": RECORDS}),
    st.fixed_dictionaries(
        {}, optional={"source": st.just(SLUG) | JSON, "records": RECORDS | JSON, "extra": JSON}
    ),
    JSON,
)
BODY = st.one_of(PAYLOAD.map(lambda payload: json.dumps(payload).encode()), st.binary(max_size=200))


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=BODY)
def test_random_json_is_never_a_500_and_a_200_stored_what_it_says(source, source_key, body):
    client = token_client(source_key)
    with transaction.atomic():  # each example starts from an empty source
        response = client.post(URL, body, content_type="application/json")

        assert response.status_code in (200, 400, 403, 413), response.content
        event(f"answered {response.status_code}")
        if response.status_code == 200:
            records = json.loads(body)["records"]
            assert response.json() == {
                "stored": len(records),
                "duplicates": 0,
                "last_seq": max((record["seq"] for record in records), default=None),
            }
            stored = {row.seq: row for row in RawRecord.objects.filter(source=source)}
            assert sorted(stored) == sorted(record["seq"] for record in records)
            for record in records:
                assert_stored_as_sent(stored[record["seq"]], record)
            again = client.post(URL, body, content_type="application/json")
            assert again.json()["duplicates"] == len(records)
            assert RawRecord.objects.filter(source=source).count() == len(records)
        else:
            assert not RawRecord.objects.filter(source=source).exists()
        transaction.set_rollback(True)


def assert_stored_as_sent(row: RawRecord, record: dict) -> None:
    received_at = dt.datetime.fromisoformat(record["received_at"])
    assert row.received_at == received_at
    assert row.state == RawRecord.State.PENDING
    if record.get("line") is not None:  # "line": null is no line, as ingest reads it
        sent = record["line"].encode()
    else:
        sent = base64.b64decode(record["data"], validate=True)
    kept = row.line.encode() if row.data is None else bytes(row.data)
    assert kept == sent
