"""The ingest contract (DESIGN.md): POST /api/v1/ingest/ with a source key."""

import base64
import contextlib
import datetime as dt
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.utils import timezone

from billing.models import Call
from capture.models import RawRecord
from capture.services import source_rotate_key
from tests.conftest import token_client
from tests.factories import SourceFactory
from tests.test_celery_worker import database_url, free_port

ROOT = Path(__file__).resolve().parent.parent.parent
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


# Chunked bodies (Transfer-Encoding: chunked, no Content-Length) need a real server:
# the test client always sends a Content-Length.
UPLOAD_LIMIT = 1_000_000


@contextlib.contextmanager
def serving(command: list[str], tmp_path: Path, **settings: str):
    """A web server process on the test database (parsing in-process), its port;
    ``settings`` are more environment variables."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": "",
        "TARIFICADOR_VAR_DIR": str(tmp_path),
        "TARIFICADOR_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT),
        "DJANGO_LOG_LEVEL": "WARNING",
        **settings,
    }
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, *command, f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    deadline = time.monotonic() + 90  # a loaded machine starts servers slowly
    try:  # stopped even when it fails to start: a stray server keeps the test database
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(f"{command} did not start: {log_path.read_text()}")
                time.sleep(0.1)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    """gunicorn as deployed (sync workers), with a 1 MB body limit."""
    with serving(["-m", "gunicorn", "config.wsgi", "-b"], tmp_path) as port:
        yield port


@pytest.fixture
def runserver(transactional_db, tmp_path):
    """Django's development server, which cannot read chunked bodies."""
    with serving(["manage.py", "runserver", "--noreload"], tmp_path) as port:
        yield port


def chunked_post(port: int, key: str, body: bytes, *, chunk: int = 8192) -> tuple[int, dict]:
    """POST ``body`` to ingest in chunks over a plain socket; the status and JSON answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(
            (
                f"POST {URL} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Token {key}\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            ).encode()
        )
        try:
            for start in range(0, len(body), chunk):
                part = body[start : start + chunk]
                connection.sendall(b"%x\r\n%s\r\n" % (len(part), part))
            connection.sendall(b"0\r\n\r\n")
        except OSError:  # the server answered before reading it all (413), and closed
            pass
        response = http.client.HTTPResponse(connection)
        response.begin()
        return response.status, json.loads(response.read())


def test_chunked_batch_is_read_whole_and_stored(gunicorn, source, source_key):
    """A client that streams its body (requests with a generator) is stored like any other."""
    body = json.dumps(batch(source.slug, LINES)).encode()

    response = requests.post(
        f"http://127.0.0.1:{gunicorn}{URL}",
        data=(body[start : start + 100] for start in range(0, len(body), 100)),
        headers={"Authorization": f"Token {source_key}", "Content-Type": "application/json"},
        timeout=60,
    )

    assert response.request.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in response.request.headers
    assert response.status_code == 200, response.text
    assert response.json() == {"stored": len(LINES), "duplicates": 0, "last_seq": len(LINES)}
    assert RawRecord.objects.filter(source=source).count() == len(LINES)


def test_chunked_raw_socket_batch_is_stored(gunicorn, source, source_key):
    body = json.dumps(batch(source.slug, LINES[:3])).encode()

    status, answer = chunked_post(gunicorn, source_key, body, chunk=7)

    assert (status, answer) == (200, {"stored": 3, "duplicates": 0, "last_seq": 3})


def test_chunked_body_over_the_size_limit_is_413(gunicorn, source, source_key):
    """Streaming does not get round the body limit: 413, and nothing stored."""
    padding = "x" * 1000
    records = batch(source.slug, [padding] * 1100)  # about 1.1 MB

    status, answer = chunked_post(gunicorn, source_key, json.dumps(records).encode())

    assert status == 413
    assert "too large" in answer["detail"]
    assert not RawRecord.objects.exists()


def test_chunked_batch_over_the_record_limit_is_413(gunicorn, source, source_key):
    records = batch(source.slug, ["x"] * 5001)  # about 300 kB: within the size limit

    status, answer = chunked_post(gunicorn, source_key, json.dumps(records).encode())

    assert status == 413
    assert "5001 records" in answer["detail"]
    assert not RawRecord.objects.exists()


def test_chunked_batch_to_a_server_that_cannot_read_it_is_411(runserver, source, source_key):
    """Django's development server hands on no chunked body: say so, never "empty JSON"."""
    body = json.dumps(batch(source.slug, LINES[:3])).encode()

    status, answer = chunked_post(runserver, source_key, body)

    assert status == 411
    assert "Content-Length" in answer["detail"]
    assert not RawRecord.objects.exists()
