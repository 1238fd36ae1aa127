"""``silence`` rules: real sources fall silent (or their capture fails), the health
check runs at times given by its ``now`` argument, and a loopback receiver gets one
webhook per source and episode."""

import datetime as dt

import pytest
from django.utils import timezone

from alerts.models import Alert, AlertRule, SourceSilence
from capture.models import CaptureState, Transport
from capture.services import IncomingRecord, raw_records_store, sources_health_notify
from tests.alerts.conftest import avaya_line, body_of
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db(transaction=True)

MINUTE = dt.timedelta(minutes=1)


def store_one(source, seq):
    """A record arrives: the source's ``last_seen_at`` is now."""
    line = avaya_line(dt.datetime(2026, 11, 3, 10, 0), "0155123456", call_id=seq)  # noqa: DTZ001
    raw_records_store(
        source=source, records=[IncomingRecord(seq=seq, received_at=timezone.now(), line=line)]
    )
    source.refresh_from_db()
    return source.last_seen_at


def test_a_silent_source_raises_one_alert_per_episode(source, receiver):
    """Silent for the rule's minutes: one alert; not again while silent; again after
    a record came and it fell silent again. The body is the contract's, no calls."""
    source.silent_after = source.silent_after_working = 30 * MINUTE
    source.save()
    other = SourceFactory(site__slug="rosario")  # another site: out of the rule's scope
    AlertRule.objects.create(
        name="PBX watch",
        kind="silence",
        params={"minutes": 60},
        site=source.site,
        channels=[{"type": "webhook", "url": receiver.url}],
    )
    last = store_one(source, 1)
    other.last_seen_at = last
    other.save()

    sources_health_notify(now=last + 45 * MINUTE)  # silent, but not for 60 minutes
    assert Alert.objects.count() == 0
    sources_health_notify(now=last + 61 * MINUTE)
    requests = receiver.wait_for(1)
    sources_health_notify(now=last + 120 * MINUTE)  # still silent: nothing more

    assert len(requests) == 1
    body = body_of(requests[0])
    assert body["source"] == "cordoba-ipoffice"
    assert body["calls"] == []
    assert body["alert"]["kind"] == "silence"
    assert "cordoba-ipoffice" in body["alert"]["summary"]
    assert "silent" in body["alert"]["summary"]
    assert "Last record:" in body["text"]
    assert Alert.objects.get().source == source

    again = store_one(source, 2)  # it recovers...
    sources_health_notify(now=again + MINUTE)
    assert SourceSilence.objects.filter(ended_at__isnull=True).count() == 0
    sources_health_notify(now=again + 61 * MINUTE)  # ...and falls silent again

    assert len(receiver.wait_for(2)) == 2
    assert Alert.objects.count() == 2
    assert SourceSilence.objects.count() == 2
    assert not Alert.objects.filter(source=other).exists()


def test_a_capture_in_error_raises_once_even_while_it_keeps_retrying(plan, receiver):
    """error, connecting (retrying is not recovering), error: one alert."""
    live = SourceFactory(
        transport=Transport.TCP_CLIENT,
        settings={"host": "127.0.0.1", "port": 9},
        site__rate_plan=plan,
        slug="hq-ipo",
    )
    AlertRule.objects.create(
        name="Capture down",
        kind="silence",
        params={"minutes": 5},
        channels=[{"type": "webhook", "url": receiver.url}],
    )
    failed = timezone.now()
    live.capture_state, live.capture_state_at = CaptureState.ERROR, failed
    live.capture_error, live.last_seen_at = "Connection refused", failed
    live.save()

    sources_health_notify(now=failed + 2 * MINUTE)
    assert Alert.objects.count() == 0
    sources_health_notify(now=failed + 6 * MINUTE)
    live.capture_state = CaptureState.CONNECTING
    live.save()
    sources_health_notify(now=failed + 7 * MINUTE)
    live.capture_state = CaptureState.ERROR
    live.save()
    sources_health_notify(now=failed + 20 * MINUTE)

    requests = receiver.wait_for(1)
    assert len(requests) == 1 and Alert.objects.count() == 1
    body = body_of(requests[0])
    assert body["source"] == "hq-ipo" and body["calls"] == []
    assert "Connection refused" in body["text"]
