"""The alerts admin: rules edited with their checks, alerts acknowledged by an action,
deliveries as a read-only log."""

import datetime as dt

import pytest
from django.test import Client

from alerts.models import Alert, AlertRule, Delivery
from billing.pipeline import raw_records_ingest
from capture.services import IncomingRecord
from tests.alerts.conftest import UK, avaya_line

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_a_rule_with_bad_params_is_refused_in_the_admin_naming_the_key(staff):
    response = staff.post(
        "/admin/alerts/alertrule/add/",
        {"name": "Long calls", "kind": "threshold", "params": '{"min_sec": 60}', "channels": "[]"},
    )

    assert response.status_code == 200
    assert "min_sec: not a parameter of this kind" in response.content.decode()
    assert not AlertRule.objects.exists()


def test_alerts_are_acknowledged_by_an_action_and_deliveries_listed(staff, admin_user, source):
    AlertRule.objects.create(
        name="Long calls",
        kind="threshold",
        params={"min_seconds": 60},
        channels=[{"type": "email", "to": ["finance@example.org"]}],
    )
    raw_records_ingest(
        source=source,
        records=[
            IncomingRecord(
                seq=1,
                received_at=dt.datetime(2026, 11, 30, tzinfo=dt.UTC),
                line=avaya_line(dt.datetime(2026, 11, 3, 3, 0), UK),  # noqa: DTZ001
            )
        ],
    )
    alert = Alert.objects.get()

    assert staff.get(f"/admin/alerts/alert/{alert.pk}/change/").status_code == 200
    listing = staff.get("/admin/alerts/delivery/")
    assert listing.status_code == 200 and "finance@example.org" in listing.content.decode()
    assert (
        staff.get(f"/admin/alerts/delivery/{Delivery.objects.get().pk}/change/").status_code == 200
    )
    response = staff.post(
        "/admin/alerts/alert/", {"action": "acknowledge", "_selected_action": [alert.pk]}
    )

    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == admin_user and alert.acknowledged_at is not None
