"""E-mail to the managers of the calls' departments: each manager of a call's
department, or of one above it, gets the calls in their scope, in their language."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.models import Profile
from alerts.models import AlertRule, Delivery
from alerts.rules import channels_validate
from billing.pipeline import raw_records_ingest
from capture.services import IncomingRecord
from tests.alerts.conftest import UK, avaya_line
from tests.factories import DepartmentFactory, ExtensionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

NIGHT = dt.datetime(2026, 11, 3, 3, 0)  # noqa: DTZ001 (Córdoba's wall clock)


def manager_of(department, username, language=""):
    user = UserFactory(username=username)
    department.managers.add(user)
    if language:
        Profile.objects.create(user=user, language=language)
    return user


def test_each_manager_gets_the_calls_of_their_branch_in_their_language(source):
    government = DepartmentFactory(name="Government")
    security = DepartmentFactory(name="Security", parent=government)
    press = DepartmentFactory(name="Press")
    manager_of(government, "minister", "es-ar")  # above Security: sees its calls
    manager_of(security, "chief", "pt-br")
    manager_of(press, "editor")
    UserFactory(username="nobody")
    ExtensionFactory(site=source.site, number="4001", department=security)
    ExtensionFactory(site=source.site, number="4002", department=press)
    AlertRule.objects.create(
        name="Night",
        kind="after-hours",
        params={"categories": ["international"], "from": "08:00", "to": "18:00"},
        channels=[{"type": "email", "managers": True, "to": ["desk@example.org"]}],
    )
    lines = [
        avaya_line(NIGHT, UK, extension="4001", call_id=1),
        avaya_line(NIGHT, UK, extension="4001", call_id=2),
        avaya_line(NIGHT, UK, extension="4002", call_id=3),
    ]
    raw_records_ingest(
        source=source,
        records=[
            IncomingRecord(seq=n, received_at=dt.datetime(2026, 11, 30, tzinfo=dt.UTC), line=line)
            for n, line in enumerate(lines, start=1)
        ],
    )

    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == [
        "chief@example.org",
        "desk@example.org",
        "editor@example.org",
        "minister@example.org",
    ]
    assert by_address["desk@example.org"].subject == "Night: 3 calls"
    assert by_address["minister@example.org"].subject == "Night: 2 llamadas"
    assert "Regla: Night" in by_address["minister@example.org"].body
    assert by_address["chief@example.org"].subject == "Night: 2 chamadas"
    assert by_address["editor@example.org"].subject == "Night: 1 calls"
    assert "4002" in by_address["editor@example.org"].body
    assert "4001" not in by_address["editor@example.org"].body
    assert "4002" not in by_address["minister@example.org"].body
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.last_status == "sent to 4"


@pytest.mark.parametrize(
    ("channel", "words"),
    [
        ({"type": "email"}, "channel 1, to: a list of e-mail addresses"),
        ({"type": "email", "managers": False}, "channel 1, to:"),
        ({"type": "email", "managers": "yes"}, "channel 1, managers:"),
        ({"type": "email", "managers": True, "to": ["nope"]}, "channel 1, to: 'nope'"),
    ],
)
def test_an_email_channel_needs_addresses_unless_it_names_the_managers(channel, words):
    with pytest.raises(ValidationError) as caught:
        channels_validate([channel])
    assert caught.value.message_dict["channels"][0].startswith(words)


def test_an_email_channel_may_name_the_managers_only():
    assert channels_validate([{"type": "email", "managers": True}])
