"""Spikes per trunk, on cost, and of a category ("international calls from an
extension that made none in the 4 weeks before")."""

import datetime as dt

import pytest

from alerts.models import Alert, AlertRule
from billing.models import Call
from billing.pipeline import raw_records_ingest
from capture.services import IncomingRecord
from tests.alerts.conftest import MOBILE, UK, avaya_line

pytestmark = pytest.mark.django_db(transaction=True)

TUESDAY_3AM = dt.datetime(2026, 11, 3, 3, 0)  # noqa: DTZ001 (Córdoba's wall clock)
WEEK = dt.timedelta(weeks=1)
MINUTE = dt.timedelta(minutes=1)
SEQ = iter(range(1, 100_000))


def ingest(source, lines):
    received = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    raw_records_ingest(
        source=source,
        records=[IncomingRecord(seq=next(SEQ), received_at=received, line=line) for line in lines],
    )


def through(trunk, line):
    return line.replace(",T9161,", f",T{trunk},")


def spike(name, **params):
    return AlertRule.objects.create(name=name, kind="spike", params=params, channels=[])


def alerted(name):
    alert = Alert.objects.filter(rule__name=name).first()
    if alert is None:
        return []
    return list(Call.objects.filter(raw_record_id__in=alert.alert_calls.values("raw_record_id")))


def test_a_trunk_spike_from_many_extensions_that_each_call_once(source):
    """30 extensions, one call each, all through trunk 9300 at 3 a.m.: no extension
    spikes, the trunk does; trunk 9200, as busy every week, does not."""
    history = [
        through(9200, avaya_line(TUESDAY_3AM - week * WEEK + n * MINUTE, UK, call_id=n))
        for week in range(1, 5)
        for n in range(12)
    ]
    ingest(source, history)
    spike("per trunk", window_minutes=60, factor=3, min_calls=10, per="trunk")
    spike("per extension", window_minutes=60, factor=3, min_calls=10)
    tonight = [
        through(9300, avaya_line(TUESDAY_3AM + n * MINUTE, UK, extension=str(5000 + n)))
        for n in range(30)
    ] + [through(9200, avaya_line(TUESDAY_3AM + n * MINUTE, UK, call_id=n)) for n in range(12)]
    ingest(source, tonight)

    calls = alerted("per trunk")
    assert len(calls) == 30
    assert {call.trunk.name for call in calls} == {"9300"}
    assert alerted("per extension") == []


def test_a_cost_spike_with_as_many_calls_as_every_week(source):
    """Two one-minute calls every Tuesday at 3 a.m.; tonight two of an hour: the count
    is as usual, the cost 60 times it."""
    history = [
        avaya_line(TUESDAY_3AM - week * WEEK + n * MINUTE, UK, seconds=60)
        for week in range(1, 5)
        for n in range(2)
    ]
    ingest(source, history)
    spike("on cost", window_minutes=60, factor=3, min_calls=1, measure="cost")
    spike("on count", window_minutes=60, factor=3, min_calls=1)
    ingest(source, [avaya_line(TUESDAY_3AM + n * MINUTE, UK, seconds=3600) for n in range(2)])

    assert [call.duration_seconds for call in alerted("on cost")] == [3600, 3600]
    assert alerted("on count") == []


def test_international_calls_from_an_extension_that_made_none_in_four_weeks(source):
    history = [
        avaya_line(TUESDAY_3AM - week * WEEK, MOBILE, extension="4001") for week in range(1, 5)
    ] + [avaya_line(TUESDAY_3AM - week * WEEK, UK, extension="4002") for week in range(1, 5)]
    ingest(source, history)
    spike(
        "first international",
        window_minutes=7 * 24 * 60,
        factor=1,
        min_calls=1,
        categories=["international"],
    )
    ingest(
        source,
        [
            avaya_line(TUESDAY_3AM, UK, extension="4001"),
            avaya_line(TUESDAY_3AM, MOBILE, extension="4001"),
            avaya_line(TUESDAY_3AM, UK, extension="4002"),
        ],
    )

    calls = alerted("first international")
    assert [(call.extension.number, call.category) for call in calls] == [("4001", "international")]
