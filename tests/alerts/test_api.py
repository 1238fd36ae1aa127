"""The alerts API (DESIGN.md "Alerts"): rules for administrators, raised alerts in
the caller's scope, acknowledgement."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from alerts.models import AlertRule
from billing.pipeline import raw_records_ingest
from capture.services import IncomingRecord
from tests.alerts.conftest import UK, avaya_line
from tests.factories import DepartmentFactory, ExtensionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

RULES = "/api/v1/alerts/rules/"
ALERTS = "/api/v1/alerts/"
NIGHT = dt.datetime(2026, 11, 3, 3, 0)  # noqa: DTZ001 (the PBX's local time)


def client_of(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_administrator_creates_lists_and_edits_rules(admin_client, source):
    payload = {
        "name": "Security desk",
        "kind": "emergency",
        "params": {"numbers": ["4444"]},
        "site": source.site.slug,
        "channels": [{"type": "webhook", "url": "https://hooks.example.org/x", "secret": "s"}],
    }

    created = admin_client.post(RULES, payload, format="json")

    assert created.status_code == 201, created.content
    assert created.json() == {
        "id": created.json()["id"],
        **payload,
        "department": None,
        "enabled": True,
    }
    url = f"{RULES}{created.json()['id']}/"
    changed = admin_client.patch(url, {"enabled": False}, format="json")
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    assert admin_client.get(RULES).json()["results"][0]["name"] == "Security desk"


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"kind": "threshold", "params": {"min_cost": "lots"}}, "params", "min_cost:"),
        ({"kind": "number", "params": {"prefixes": []}}, "params", "prefixes:"),
        (
            {"kind": "after-hours", "params": {"from": "8", "to": "18:00"}},
            "params",
            "from:",
        ),
        ({"kind": "threshold", "params": {"limit": 3}}, "params", "limit:"),
        (
            {
                "kind": "emergency",
                "channels": [{"type": "webhook", "url": "javascript:alert(1)"}],
            },
            "channels",
            "channel 1, url:",
        ),
        ({"kind": "gossip"}, "kind", ""),
    ],
)
def test_bad_rules_are_refused_with_400_naming_the_key(admin_client, payload, field, words):
    response = admin_client.post(RULES, {"name": "bad", **payload}, format="json")

    assert response.status_code == 400, response.content
    assert response.json()[field][0].startswith(words)
    assert not AlertRule.objects.exists()


def test_rules_are_for_administrators_only(source):
    manager = UserFactory()
    DepartmentFactory().managers.add(manager)

    assert client_of(manager).get(RULES).status_code == 403
    assert APIClient().get(RULES).status_code in (401, 403)


def test_managers_see_the_alerts_of_their_branch_only_and_acknowledge_them(admin_client, source):
    branch = DepartmentFactory(name="Sales")
    below = DepartmentFactory(name="Sales north", parent=branch)
    plant = DepartmentFactory(name="Plant")
    ExtensionFactory(site=source.site, number="4001", department=below)
    ExtensionFactory(site=source.site, number="4002", department=plant)
    AlertRule.objects.create(name="emergency", kind="emergency", params={}, channels=[])
    manager = UserFactory()
    branch.managers.add(manager)
    lines = [
        avaya_line(NIGHT, "0911", extension="4001", seconds=0, call_id=1),
        avaya_line(NIGHT, "0911", extension="4002", seconds=0, call_id=2),
        avaya_line(NIGHT, UK, extension="4001", call_id=3),
    ]
    raw_records_ingest(
        source=source,
        records=[
            IncomingRecord(
                seq=n + 1, received_at=dt.datetime(2026, 11, 30, tzinfo=dt.UTC), line=line
            )
            for n, line in enumerate(lines)
        ],
    )

    everything = admin_client.get(ALERTS).json()["results"]
    mine = client_of(manager).get(ALERTS).json()["results"]

    assert len(everything) == 2
    assert len(mine) == 1
    alert = mine[0]
    assert alert["kind"] == "emergency" and alert["source"] == "cordoba-ipoffice"
    assert alert["acknowledged_by"] is None and len(alert["calls"]) == 1
    others = next(item for item in everything if item["id"] != alert["id"])
    assert client_of(manager).post(f"{ALERTS}{others['id']}/acknowledge/").status_code == 404

    acknowledged = client_of(manager).post(f"{ALERTS}{alert['id']}/acknowledge/")
    assert acknowledged.status_code == 200
    assert acknowledged.json()["acknowledged_by"] == manager.username
    assert acknowledged.json()["acknowledged_at"].endswith("Z")
    again = admin_client.post(f"{ALERTS}{alert['id']}/acknowledge/")
    assert again.status_code == 409
    assert manager.username in again.json()["detail"]
