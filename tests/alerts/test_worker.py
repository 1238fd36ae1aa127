"""An emergency call posted to the ingest API of a real gunicorn, with a real Celery
worker on Redis: the webhook goes out from the store, ahead of the batch's parse."""

import datetime as dt
import time

import requests

from alerts.models import AlertRule
from billing.models import Call
from capture.services import source_rotate_key
from tests.alerts.conftest import UK, avaya_line, body_of
from tests.test_celery_worker import servers  # noqa: F401 (the fixture)

NIGHT = dt.datetime(2026, 11, 3, 3, 0)  # noqa: DTZ001 (Córdoba's wall clock)
RECORDS = 5000


def test_the_webhook_goes_out_before_the_worker_parses_the_batch(servers, source, receiver):  # noqa: F811
    AlertRule.objects.create(
        name="Security desk",
        kind="emergency",
        params={},
        channels=[{"type": "webhook", "url": receiver.url}],
    )
    key = source_rotate_key(source=source)
    lines = [avaya_line(NIGHT, UK, call_id=n) for n in range(RECORDS - 1)]
    lines.append(avaya_line(NIGHT, "0911", seconds=0, call_id=RECORDS))
    payload = {
        "source": source.slug,
        "records": [
            {"seq": n, "received_at": "2026-11-30T12:00:00Z", "line": line}
            for n, line in enumerate(lines, start=1)
        ],
    }

    sent = time.monotonic()
    response = requests.post(
        f"{servers}/api/v1/ingest/",
        json=payload,
        headers={"Authorization": f"Token {key}"},
        timeout=60,
    )
    answered = time.monotonic()
    arrived = receiver.wait_for(1, timeout=60)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and Call.objects.count() < RECORDS:
        time.sleep(0.05)
    parsed = time.monotonic()

    assert response.status_code == 200, response.text
    assert len(arrived) == 1
    body = body_of(arrived[0])
    assert body["alert"]["kind"] == "emergency"
    assert body["calls"] == []  # out before the worker parsed the batch
    assert "0911" in body["text"]
    assert Call.objects.count() == RECORDS
    print(
        f"\n{RECORDS:,} records, a Celery worker: answered in {(answered - sent) * 1000:.0f} ms, "
        f"webhook {(arrived[0]['arrived'] - sent) * 1000:.0f} ms, "
        f"batch parsed {(parsed - sent) * 1000:.0f} ms after the POST"
    )
