"""The emergency check on the raw records as they are stored, before any parse: the
alert goes out once the records commit; the parse later raises nothing again."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from alerts.models import Alert, AlertCall, AlertRule
from billing.models import Call
from billing.pipeline import raw_records_process
from capture.services import IncomingRecord, raw_records_store
from tests.alerts.conftest import UK, avaya_line, body_of
from tests.factories import AdminFactory

pytestmark = pytest.mark.django_db(transaction=True)

NIGHT = dt.datetime(2026, 11, 3, 3, 0)  # noqa: DTZ001 (Córdoba's wall clock)
RECEIVED = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)


def store(source, lines, first_seq=1):
    return raw_records_store(
        source=source,
        records=[
            IncomingRecord(seq=first_seq + n, received_at=RECEIVED, line=line)
            for n, line in enumerate(lines)
        ],
    )


def incoming_line(number):
    """An incoming Avaya IP Office record: the caller ``number`` rang extension 4324."""
    return (
        f"{NIGHT:%Y/%m/%d %H:%M:%S},00:01:00,5,{number},I,4324,4324,,0,1000000777,0,"
        "E4324,Joe Bloggs,T9161,LINE 5.1,0,0,,,,,,,,,,,,,"
    )


def test_the_alert_goes_out_on_arrival_and_the_parse_links_the_call(source, receiver):
    AlertRule.objects.create(
        name="Desk",
        kind="emergency",
        params={"numbers": ["5555"]},
        channels=[{"type": "webhook", "url": receiver.url}],
    )
    store(
        source,
        [
            avaya_line(NIGHT, "0911", seconds=0, call_id=1),
            avaya_line(NIGHT, "05555", call_id=2),  # the rule's own number, outside line 0
            avaya_line(NIGHT, UK, seconds=100, call_id=3),  # 100 s: not a number dialled
            avaya_line(NIGHT, "0351100", call_id=4),  # ends in 100: a local number
            incoming_line("911"),  # incoming: never
        ],
    )

    requests = receiver.wait_for(2)  # no parse yet: capture's store only
    assert Call.objects.count() == 0
    assert len(requests) == 2
    assert sorted(Alert.objects.values_list("summary", flat=True)) == [
        "Emergency number 05555 dialled (Desk)",
        "Emergency number 0911 dialled (Desk)",
    ]
    assert all(body_of(request)["calls"] == [] for request in requests)

    raw_records_process(source_id=source.id)

    assert Call.objects.count() == 5 and Alert.objects.count() == 2
    alert = Alert.objects.get(summary__contains="0911")
    call = Call.objects.get(number="0911")
    assert AlertCall.objects.get(alert=alert).raw_record_id == call.raw_record_id
    admin = APIClient()
    admin.force_authenticate(AdminFactory())
    listed = admin.get("/api/v1/alerts/").json()["results"]
    assert [item["calls"] for item in listed if item["id"] == alert.id] == [[call.raw_record_id]]
    assert len(receiver.requests) == 2  # nothing sent again


def test_the_check_costs_no_query_per_record(source):
    """The queries of a store with the rule do not grow with the records, with or
    without emergency calls among them."""
    AlertRule.objects.create(name="Desk", kind="emergency", params={}, channels=[])

    def queries(lines, first_seq):
        with CaptureQueriesContext(connection) as captured:
            store(source, lines, first_seq)
        return len(captured)

    plain = [avaya_line(NIGHT, UK, call_id=n) for n in range(301)]
    store(source, plain[:1])  # the rule set is compiled once
    assert queries(plain[1:2], 2) == queries(plain[2:], 3)
    few = [avaya_line(NIGHT, "0911", call_id=n) for n in range(2)]
    many = [avaya_line(NIGHT, "0911", call_id=n) for n in range(40)]
    assert queries(few, 1000) == queries(many, 2000)
    assert Alert.objects.count() == 42
