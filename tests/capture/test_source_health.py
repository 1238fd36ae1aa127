"""Each source's health state, ``/healthz`` on it, and the e-mails of its changes.

A source is ``disabled``, ``error``, ``silent`` (no record for longer than its limit:
the working-hours one on weekdays 08:00-18:00 of its clock, the overall one always),
``connecting`` or ``capturing``.
"""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from capture.models import CaptureHeartbeat, CaptureState, Source
from capture.selectors import in_working_hours, source_health_state
from capture.services import sources_health_notify
from tests.factories import AdminFactory, SiteFactory, SourceFactory

pytestmark = pytest.mark.django_db
CORDOBA = ZoneInfo("America/Argentina/Cordoba")  # UTC-3, no DST
MADRID = ZoneInfo("Europe/Madrid")
# Wednesday 2026-12-02, 10:00 in Cordoba.
WEDNESDAY_10 = dt.datetime(2026, 12, 2, 10, 0, tzinfo=CORDOBA)


def utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def live_source(**fields):
    return SourceFactory(
        transport="tcp-client",
        settings={"host": "127.0.0.1", "port": 1},
        capture_state=fields.pop("capture_state", CaptureState.CAPTURING),
        **fields,
    )


def heartbeat(now=None):
    now = now or timezone.now()
    return CaptureHeartbeat.objects.create(process="host:1", started_at=now, beat_at=now)


@pytest.mark.parametrize(
    ("day", "time", "working"),
    [
        (2, dt.time(7, 59, 59), False),
        (2, dt.time(8, 0), True),
        (2, dt.time(17, 59, 59), True),
        (2, dt.time(18, 0), False),
        (4, dt.time(12, 0), True),  # Friday
        (5, dt.time(12, 0), False),  # Saturday
        (6, dt.time(12, 0), False),  # Sunday
    ],
)
def test_working_hours_are_weekdays_from_8_to_18_on_the_sites_clock(day, time, working):
    source = SourceFactory()
    local = dt.datetime.combine(dt.date(2026, 12, day), time, CORDOBA)
    assert in_working_hours(source, utc(local)) is working


def test_working_hours_follow_daylight_saving_time():
    """08:00 in Madrid is 07:00 UTC in winter and 06:00 UTC in summer."""
    source = SourceFactory(site=SiteFactory(time_zone="Europe/Madrid"))
    winter, summer = dt.date(2026, 12, 2), dt.date(2026, 7, 1)

    assert in_working_hours(source, dt.datetime.combine(winter, dt.time(7), dt.UTC))
    assert not in_working_hours(source, dt.datetime.combine(winter, dt.time(6, 59), dt.UTC))
    assert in_working_hours(source, dt.datetime.combine(summer, dt.time(6), dt.UTC))
    assert not in_working_hours(source, dt.datetime.combine(summer, dt.time(16), dt.UTC))


def test_the_sources_own_time_zone_overrides_the_sites():
    source = SourceFactory(settings={"time_zone": "Europe/Madrid"})
    # 10:00 in Cordoba is 14:00 in Madrid: both working; 16:00 Cordoba is 20:00 Madrid.
    assert not in_working_hours(source, utc(WEDNESDAY_10 + dt.timedelta(hours=6)))


def test_silent_after_the_working_hours_limit_during_working_hours():
    now = utc(WEDNESDAY_10)
    source = live_source(last_seen_at=now - dt.timedelta(hours=2))

    assert source_health_state(source, now) == "capturing"  # exactly at the limit
    source.last_seen_at -= dt.timedelta(seconds=1)
    assert source_health_state(source, now) == "silent"


def test_outside_working_hours_only_the_overall_limit_counts():
    saturday = utc(dt.datetime(2026, 12, 5, 12, tzinfo=CORDOBA))
    source = live_source(last_seen_at=saturday - dt.timedelta(hours=23))

    assert source_health_state(source, saturday) == "capturing"
    source.last_seen_at = saturday - dt.timedelta(hours=24, seconds=1)
    assert source_health_state(source, saturday) == "silent"


def test_a_source_that_never_sent_is_silent_from_when_its_capture_began():
    now = utc(WEDNESDAY_10)
    source = live_source(
        capture_state=CaptureState.CONNECTING, capture_state_at=now - dt.timedelta(hours=1)
    )
    assert source_health_state(source, now) == "connecting"
    source.capture_state_at = now - dt.timedelta(hours=3)
    assert source_health_state(source, now) == "silent"


def test_an_agent_is_connecting_until_its_first_upload_then_capturing():
    now = timezone.now()
    agent = SourceFactory(transport="agent", key_created_at=now)

    assert source_health_state(agent, now) == "connecting"
    agent.last_seen_at = now
    assert source_health_state(agent, now) == "capturing"
    assert source_health_state(agent, now + dt.timedelta(hours=25)) == "silent"


def test_error_disabled_and_import_only_sources():
    now = timezone.now()
    long_ago = now - dt.timedelta(days=30)
    failing = live_source(capture_state=CaptureState.ERROR, capture_error="refused")
    disabled = live_source(enabled=False, last_seen_at=long_ago)
    import_only = SourceFactory(transport="file", last_seen_at=long_ago)
    followed = SourceFactory(
        transport="file", settings={"path": "/var/log/pbx/smdr.log"}, last_seen_at=long_ago
    )

    assert source_health_state(failing, now) == "error"
    assert source_health_state(disabled, now) == "disabled"
    assert source_health_state(import_only, now) == "capturing"  # imports have no schedule
    assert source_health_state(followed, now) == "silent"


# /healthz


def staff_health(client):
    client.force_login(AdminFactory())
    return client.get("/healthz")


def test_healthz_shows_each_sources_state_last_record_and_error(client):
    heartbeat()
    live_source(slug="failing", capture_state=CaptureState.ERROR, capture_error="refused")

    response = staff_health(client)

    (source,) = response.json()["sources"]
    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
    assert (source["state"], source["error"], source["last_record_at"]) == (
        "error",
        "refused",
        None,
    )


def test_healthz_is_unhealthy_while_a_source_is_silent_and_recovers(client):
    heartbeat()
    source = live_source(last_seen_at=timezone.now() - dt.timedelta(days=2))

    assert client.get("/healthz").status_code == 503
    Source.objects.filter(pk=source.pk).update(last_seen_at=timezone.now())
    assert client.get("/healthz").status_code == 200


def test_a_disabled_source_in_error_is_no_alarm(client):
    live_source(enabled=False, capture_state=CaptureState.ERROR)

    assert client.get("/healthz").status_code == 200


def test_healthz_is_unhealthy_when_no_capture_process_beats(client):
    live_source(last_seen_at=timezone.now())
    stale = heartbeat(timezone.now() - dt.timedelta(seconds=61))

    response = staff_health(client)

    assert response.status_code == 503
    assert response.json()["capture_heartbeat"] == "stale"
    CaptureHeartbeat.objects.filter(pk=stale.pk).update(beat_at=timezone.now())
    assert client.get("/healthz").status_code == 200


def test_no_heartbeat_is_needed_without_live_sources(client):
    SourceFactory(transport="agent")
    SourceFactory(transport="file")

    response = staff_health(client)

    assert response.status_code == 200
    assert response.json()["capture_heartbeat"] == "not needed"


# E-mails


@pytest.fixture
def administrator():
    return AdminFactory(email="admin@example.com")


def test_one_email_per_change_and_one_on_recovery(administrator):
    source = live_source(slug="hq", capture_state=CaptureState.ERROR, capture_error="refused")

    assert sources_health_notify() == 1
    assert sources_health_notify() == 0  # unchanged: nothing more
    Source.objects.filter(pk=source.pk).update(
        capture_state=CaptureState.CAPTURING, last_seen_at=timezone.now()
    )
    assert sources_health_notify(timezone.now() + dt.timedelta(minutes=16)) == 1

    failed, recovered = mail.outbox
    assert failed.to == ["admin@example.com"]
    assert "hq" in failed.subject and "error" in failed.subject
    assert "refused" in failed.body
    assert "recovered" in recovered.subject
    assert Source.objects.get(pk=source.pk).health_notified == "capturing"


def test_a_source_that_retries_after_an_error_has_not_recovered(administrator):
    source = live_source(slug="hq", capture_state=CaptureState.ERROR, capture_error="refused")
    assert sources_health_notify() == 1
    later = timezone.now() + dt.timedelta(minutes=20)

    Source.objects.filter(pk=source.pk).update(capture_state=CaptureState.CONNECTING)
    assert sources_health_notify(later) == 0
    assert Source.objects.get(pk=source.pk).health_notified == "error"

    Source.objects.filter(pk=source.pk).update(
        capture_state=CaptureState.CAPTURING, last_seen_at=later
    )
    assert sources_health_notify(later) == 1
    assert "recovered" in mail.outbox[-1].subject and "capturing" in mail.outbox[-1].subject


def link(source, state, at):
    """``source``'s link in ``state`` at ``at``, its last record just then."""
    Source.objects.filter(pk=source.pk).update(
        capture_state=state, capture_error="refused" if state == "error" else "", last_seen_at=at
    )


FLAP = [CaptureState.ERROR, CaptureState.CONNECTING, CaptureState.CAPTURING]


def test_a_flapping_pbx_sends_one_email_per_period_at_most(administrator, settings):
    """error, connecting, capturing, error, ... a minute each for two hours."""
    settings.TARIFICADOR_HEALTH_MAIL_MIN_SECONDS = 900
    source = live_source(slug="hq")
    start = timezone.now()
    sent_at = []

    for minute in range(120):
        now = start + dt.timedelta(minutes=minute)
        link(source, FLAP[minute % 3], now)
        if sources_health_notify(now):
            sent_at.append(now)

    assert 1 <= len(sent_at) <= 120 // 15
    assert len(mail.outbox) == len(sent_at)
    gaps = [later - earlier for earlier, later in itertools.pairwise(sent_at)]
    assert all(gap >= dt.timedelta(minutes=15) for gap in gaps)


def test_a_flap_that_ends_where_it_was_announced_sends_nothing_more(administrator):
    source = live_source(slug="hq")
    start = timezone.now()
    link(source, CaptureState.ERROR, start)
    assert sources_health_notify(start) == 1

    for minute in range(1, 15):  # within the quiet period: nothing sent, nothing claimed
        now = start + dt.timedelta(minutes=minute)
        link(source, FLAP[minute % 3], now)
        assert sources_health_notify(now) == 0
    later = start + dt.timedelta(minutes=16)
    link(source, CaptureState.ERROR, later)

    assert sources_health_notify(later) == 0  # error again, as announced
    assert len(mail.outbox) == 1
    source.refresh_from_db()
    assert (source.health_notified, source.health_notified_at) == ("error", start)


def test_a_lasting_change_after_the_quiet_period_is_sent_once(administrator):
    source = live_source(slug="hq")
    start = timezone.now()
    link(source, CaptureState.ERROR, start)
    assert sources_health_notify(start) == 1
    link(source, CaptureState.CAPTURING, start + dt.timedelta(minutes=1))
    assert sources_health_notify(start + dt.timedelta(minutes=1)) == 0  # too soon

    sent = []
    for minute in range(15, 25):  # recovered for good: told once the period is over
        now = start + dt.timedelta(minutes=minute)
        link(source, CaptureState.CAPTURING, now)
        sent.append(sources_health_notify(now))
    assert sent == [1] + [0] * 9
    assert "recovered" in mail.outbox[-1].subject

    sent = []
    for minute in range(26, 60):  # a lasting error, from 11 minutes after the recovery
        now = start + dt.timedelta(minutes=minute)
        link(source, CaptureState.ERROR, now)
        sent.append(sources_health_notify(now))
    assert sum(sent) == 1
    assert sent.index(1) == 30 - 26  # 15 minutes after the recovery's e-mail
    assert [message.subject for message in mail.outbox] == [
        "Tarificador: source hq is error",
        "Tarificador: source hq recovered (capturing)",
        "Tarificador: source hq is error",
    ]


def test_a_silent_source_is_announced_once(administrator):
    live_source(last_seen_at=timezone.now() - dt.timedelta(days=2))

    assert sources_health_notify() == 1
    assert sources_health_notify() == 0
    assert "silent" in mail.outbox[0].subject


def test_healthy_sources_send_nothing(administrator):
    live_source(last_seen_at=timezone.now())
    SourceFactory(transport="agent")

    assert sources_health_notify() == 0
    assert mail.outbox == []


def test_a_state_another_runner_announced_is_not_sent_again(administrator):
    source = live_source(capture_state=CaptureState.ERROR)
    Source.objects.filter(pk=source.pk).update(health_notified="error")

    assert sources_health_notify() == 0
    assert mail.outbox == []


def test_the_admin_list_shows_each_state_and_the_age_of_the_last_record(client):
    live_source(slug="hushed", last_seen_at=timezone.now() - dt.timedelta(days=2))
    live_source(slug="lively", last_seen_at=timezone.now() - dt.timedelta(minutes=3))
    client.force_login(AdminFactory())

    page = client.get("/admin/capture/source/").content.decode()

    assert '<span class="status-bad" title="">&#9679; Silent</span>' in page
    assert "last record 2\xa0days ago" in page
    assert "&#9679; Capturing" in page and "last record 3\xa0minutes ago" in page


@pytest.mark.django_db(transaction=True)  # the sweep closes its connection
def test_the_sweeper_sends_the_health_emails_once_a_minute(administrator, monkeypatch, settings):
    from billing import sweeper

    settings.TARIFICADOR_HEALTH_MAIL_MIN_SECONDS = 0
    monkeypatch.setattr(sweeper, "_health_notified_at", None)
    source = live_source(capture_state=CaptureState.ERROR)

    sweeper.sweep_once()
    Source.objects.filter(pk=source.pk).update(capture_state=CaptureState.CAPTURING)
    sweeper.sweep_once()  # within the minute: the recovery waits

    assert len(mail.outbox) == 1
    monkeypatch.setattr(sweeper, "_health_notified_at", None)
    sweeper.sweep_once()
    assert len(mail.outbox) == 2
