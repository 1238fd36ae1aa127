"""The dashboard's alerts panel: recent unacknowledged alerts in the reader's scope
(as ``GET /api/v1/alerts/``), at the site's local time, with an acknowledge button."""

import datetime as dt

import pytest
from django.test import Client

from alerts.models import Alert, AlertRule
from billing.pipeline import raw_records_ingest
from capture.services import IncomingRecord
from tests.alerts.conftest import avaya_line
from tests.factories import AdminFactory, DepartmentFactory, ExtensionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

NIGHT = dt.datetime(2026, 11, 3, 3, 0)  # noqa: DTZ001 (Córdoba's wall clock)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def two_alerts(source):
    """Two emergency calls, one from Security (Joe's), one from Press."""
    security, press = DepartmentFactory(name="Security"), DepartmentFactory(name="Press")
    ExtensionFactory(site=source.site, number="4001", department=security)
    ExtensionFactory(site=source.site, number="4002", department=press)
    AlertRule.objects.create(name="Desk", kind="emergency", params={}, channels=[])
    lines = [
        avaya_line(NIGHT, "0911", extension="4001", seconds=0, call_id=1),
        avaya_line(NIGHT, "0107", extension="4002", seconds=0, call_id=2),
    ]
    raw_records_ingest(
        source=source,
        records=[
            IncomingRecord(seq=n, received_at=dt.datetime(2026, 11, 30, tzinfo=dt.UTC), line=line)
            for n, line in enumerate(lines, start=1)
        ],
    )
    Alert.objects.update(raised_at=dt.datetime(2026, 11, 3, 6, 0, 1, tzinfo=dt.UTC))
    return security, press


def test_administrators_see_every_unacknowledged_alert_at_the_sites_time(two_alerts):
    page = signed_in(AdminFactory()).get("/reports/").content.decode()

    assert "data-alerts-panel" in page
    assert "Emergency number 0911 dialled (Desk)" in page
    assert "Emergency number 0107 dialled (Desk)" in page
    assert "2026-11-03 03:00" in page  # 06:00 UTC in Córdoba
    assert "America/Argentina/Cordoba" in page
    assert "/admin/alerts/alert/" in page


def test_a_manager_sees_their_branchs_alerts_and_acknowledges_one(two_alerts):
    security, _press = two_alerts
    manager = UserFactory(username="chief")
    security.managers.add(manager)
    client = signed_in(manager)

    page = client.get("/reports/").content.decode()
    assert "0911" in page and "0107" not in page
    assert "/admin/alerts/" not in page
    mine = Alert.objects.get(summary__contains="0911")
    theirs = Alert.objects.get(summary__contains="0107")

    assert client.post(f"/alerts/{theirs.pk}/acknowledge/").status_code == 404
    done = client.post(f"/alerts/{mine.pk}/acknowledge/", {"next": "/reports/"})
    assert done.status_code == 302 and done["Location"] == "/reports/"
    mine.refresh_from_db()
    assert mine.acknowledged_by == manager
    assert "data-alerts-panel" not in client.get("/reports/").content.decode()
    outside = client.post(f"/alerts/{mine.pk}/acknowledge/", {"next": "https://evil.example/"})
    assert outside["Location"] == "/"


def test_no_panel_for_someone_without_alerts(two_alerts):
    page = signed_in(UserFactory(username="clerk")).get("/reports/").content.decode()
    assert "data-alerts-panel" not in page
