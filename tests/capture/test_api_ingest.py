"""The ingest contract (DESIGN.md): POST /api/v1/ingest/ with a source key."""

import base64
import datetime as dt
import threading
from pathlib import Path

import pytest
import requests
from django.utils import timezone

from billing.models import Call
from capture.models import RawRecord
from capture.services import source_rotate_key
from tests.conftest import token_client
from tests.factories import SourceFactory

SAMPLES = Path(__file__).parent.parent / "data" / "avaya-ipoffice"
LINES = (SAMPLES / "official-examples.txt").read_text(encoding="utf-8").splitlines()
URL = "/api/v1/ingest/"


def batch(source_slug, lines, first_seq=1):
    return {
        "source": source_slug,
        "records": [
            {"seq": first_seq + index, "received_at": "2026-11-02T13:05:09Z", "line": line}
            for index, line in enumerate(lines)
        ],
    }


pytestmark = pytest.mark.django_db(transaction=True)


def test_batch_is_stored_and_parsed_into_calls(agent_client, source):
    """200 with stored/duplicates/last_seq; every record becomes a call (in-process tasks)."""
    response = agent_client.post(URL, batch(source.slug, LINES), format="json")

    assert response.status_code == 200, response.content
    assert response.json() == {"stored": len(LINES), "duplicates": 0, "last_seq": len(LINES)}
    assert RawRecord.objects.filter(source=source).count() == len(LINES)
    assert Call.objects.filter(source=source).count() == len(LINES)
    assert not RawRecord.objects.exclude(state=RawRecord.State.PARSED).exists()


def test_retried_batch_stores_nothing_twice(agent_client, source):
    """A batch sent again is acknowledged as duplicates and adds no record or call."""
    agent_client.post(URL, batch(source.slug, LINES), format="json")
    response = agent_client.post(URL, batch(source.slug, LINES), format="json")

    assert response.status_code == 200
    assert response.json() == {"stored": 0, "duplicates": len(LINES), "last_seq": len(LINES)}
    assert Call.objects.filter(source=source).count() == len(LINES)


def test_partly_new_batch_stores_only_the_new_records(agent_client, source):
    agent_client.post(URL, batch(source.slug, LINES[:3]), format="json")
    response = agent_client.post(URL, batch(source.slug, LINES), format="json")

    assert response.json() == {
        "stored": len(LINES) - 3,
        "duplicates": 3,
        "last_seq": len(LINES),
    }
    assert RawRecord.objects.filter(source=source).count() == len(LINES)


def test_malformed_batch_is_rejected_whole_with_a_message_per_record(agent_client, source):
    """400: nothing is stored, and each bad record is named with its field."""
    payload = batch(source.slug, LINES[:4])
    payload["records"][1]["seq"] = "two"
    payload["records"][2]["received_at"] = "2026-11-02 13:05:09"  # no zone
    del payload["records"][3]["line"]

    response = agent_client.post(URL, payload, format="json")

    assert response.status_code == 400
    body = response.json()
    assert "nothing was stored" in body["detail"]
    assert [(error["index"], error["field"]) for error in body["errors"]] == [
        (1, "seq"),
        (2, "received_at"),
        (3, "line"),
    ]
    assert "time zone" in body["errors"][1]["message"]
    assert not RawRecord.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not valid JSON"),
        (b"[]", "JSON object"),
        (b'{"records": []}', '"source" is required'),
        (b'{"source": "cordoba-ipoffice"}', '"records" is required'),
    ],
)
def test_unreadable_body_is_rejected(agent_client, source, body, message):
    response = agent_client.post(URL, body, content_type="application/json")

    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_repeated_seq_in_one_batch_is_rejected(agent_client, source):
    payload = batch(source.slug, LINES[:2])
    payload["records"][1]["seq"] = 1

    response = agent_client.post(URL, payload, format="json")

    assert response.status_code == 400
    assert "more than once" in response.json()["errors"][0]["message"]


def test_no_key_is_401(client, source):
    response = client.post(URL, batch(source.slug, LINES), content_type="application/json")

    assert response.status_code == 401
    assert not RawRecord.objects.exists()


def test_unknown_key_is_401(source):
    response = token_client("not-a-key").post(URL, batch(source.slug, LINES), format="json")

    assert response.status_code == 401


def test_key_of_another_source_is_403(agent_client, source):
    other = SourceFactory(slug="rosario-ipoffice")

    response = agent_client.post(URL, batch(other.slug, LINES), format="json")

    assert response.status_code == 403
    assert "cordoba-ipoffice" in response.json()["detail"]
    assert not RawRecord.objects.exists()


def test_user_token_cannot_ingest(user_token, source):
    response = token_client(user_token).post(URL, batch(source.slug, LINES), format="json")

    assert response.status_code == 403
    assert "source key" in response.json()["detail"]


def test_rotated_key_replaces_the_old_one(source, source_key):
    new_key = source_rotate_key(source=source)

    old = token_client(source_key).post(URL, batch(source.slug, LINES[:1]), format="json")
    new = token_client(new_key).post(URL, batch(source.slug, LINES[:1]), format="json")

    assert old.status_code == 401
    assert new.status_code == 200


def test_disabled_source_is_403(agent_client, source):
    source.enabled = False
    source.save()

    response = agent_client.post(URL, batch(source.slug, LINES), format="json")

    assert response.status_code == 403
    assert "disabled" in response.json()["detail"]


def test_oversized_batch_is_413(agent_client, source):
    payload = batch(source.slug, [LINES[0]] * 5001)

    response = agent_client.post(URL, payload, format="json")

    assert response.status_code == 413
    assert "5000" in response.json()["detail"]
    assert not RawRecord.objects.exists()


def test_batch_of_exactly_5000_is_accepted(agent_client, source):
    response = agent_client.post(URL, batch(source.slug, [LINES[0]] * 5000), format="json")

    assert response.status_code == 200
    assert response.json()["stored"] == 5000


def test_bytes_that_are_not_utf8_are_kept_exactly(agent_client, source):
    """A line sent as base64 "data" is stored byte for byte, and its failure is shown."""
    raw = b"\xff\xfe broken \x00 record"
    payload = {
        "source": source.slug,
        "records": [
            {
                "seq": 7,
                "received_at": "2026-11-02T13:05:09Z",
                "data": base64.b64encode(raw).decode(),
            }
        ],
    }

    response = agent_client.post(URL, payload, format="json")

    assert response.status_code == 200
    record = RawRecord.objects.get(source=source, seq=7)
    assert bytes(record.data) == raw
    assert record.state == RawRecord.State.ERROR
    assert record.error


def test_utf8_data_and_nul_bytes_are_kept(agent_client, source):
    """UTF-8 sent as data is stored as text; a line with NUL is kept as bytes."""
    payload = {
        "source": source.slug,
        "records": [
            {
                "seq": 1,
                "received_at": "2026-11-02T13:05:09Z",
                "data": base64.b64encode(LINES[0].encode()).decode(),
            },
            {"seq": 2, "received_at": "2026-11-02T13:05:09Z", "line": "\x00\x00" + LINES[1]},
        ],
    }

    assert agent_client.post(URL, payload, format="json").status_code == 200

    first, second = RawRecord.objects.filter(source=source).order_by("seq")
    assert first.line == LINES[0] and first.data is None
    assert bytes(second.data) == ("\x00\x00" + LINES[1]).encode()
    assert first.state == second.state == RawRecord.State.PARSED


def test_identical_batches_sent_at_the_same_moment_store_once(live_server, source, source_key):
    """Two clients racing with the same batch: every record is stored and parsed once."""
    payload = batch(source.slug, LINES * 50)
    count = len(payload["records"])
    barrier = threading.Barrier(2)
    answers = []

    def send():
        barrier.wait()
        answers.append(
            requests.post(
                live_server.url + URL,
                json=payload,
                headers={"Authorization": f"Token {source_key}"},
                timeout=60,
            )
        )

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [answer.status_code for answer in answers] == [200, 200]
    assert sum(answer.json()["stored"] for answer in answers) == count
    assert sum(answer.json()["duplicates"] for answer in answers) == count
    assert RawRecord.objects.filter(source=source).count() == count
    assert Call.objects.filter(source=source).count() == count


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_received_at_beyond_the_calendar_in_utc_is_400_naming_the_record(
    agent_client, source, value
):
    """A moment that has no UTC equivalent (before year 1, after 9999) is a bad field."""
    payload = batch(source.slug, LINES[:2], first_seq=40)
    payload["records"][1]["received_at"] = value

    response = agent_client.post(URL, payload, format="json")

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["index"], error["seq"], error["field"]) == (1, 41, "received_at")
    assert value in error["message"]
    assert not RawRecord.objects.exists()


def test_received_at_more_than_a_day_ahead_is_refused_naming_the_record(agent_client, source):
    """A sender whose clock runs days ahead would date its calls in the future."""
    ahead = (timezone.now() + dt.timedelta(days=6)).isoformat()
    payload = batch(source.slug, LINES[:3], first_seq=7)
    payload["records"][2]["received_at"] = ahead

    response = agent_client.post(URL, payload, format="json")

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["index"], error["seq"], error["field"]) == (2, 9, "received_at")
    assert ahead in error["message"] and "ahead" in error["message"]
    assert not RawRecord.objects.exists()


def test_received_at_within_a_day_ahead_or_months_old_is_accepted(agent_client, source):
    """Clocks drift and spools lag: hours ahead and months behind are both stored."""
    soon = timezone.now() + dt.timedelta(hours=23)
    long_ago = timezone.now() - dt.timedelta(days=200)
    payload = batch(source.slug, LINES[:2])
    payload["records"][0]["received_at"] = soon.isoformat()
    payload["records"][1]["received_at"] = long_ago.isoformat()

    response = agent_client.post(URL, payload, format="json")

    assert response.status_code == 200, response.content
    first, second = RawRecord.objects.filter(source=source).order_by("seq")
    assert (first.received_at, second.received_at) == (soon, long_ago)
