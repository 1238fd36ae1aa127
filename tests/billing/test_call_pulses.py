"""Meter pulses ("pulsos") on the call's pages: a star-hash call imported end to end
shows the pulses its PBX printed, on the admin's call page and in the price
explanation, which says the price comes from the duration; a call without pulses
shows no pulses line."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from billing.models import Call
from capture.models import Transport
from tests.factories import AdminFactory, RatePlanFactory, SourceFactory

pytestmark = pytest.mark.django_db(transaction=True)
CAPTURE = Path(__file__).parent.parent / "data" / "star-hash" / "prueba-first300.log"
LINES = CAPTURE.read_bytes().split(b"\r\n")
# Lines 50 and 51 (1-based) of the real capture: 9344 dials 155302606, 788 metered
# seconds and 4 pulses (the accounting record's offsets 47-52: "000004").
OUTGOING = LINES[49] + b"\r\n" + LINES[50] + b"\r\n"
INTERNAL = LINES[0] + b"\r\n"  # line 1: 9524 calls 9299, no accounting record
PULSES_ROW = '<th scope="row">meter pulses</th>\n<td>4</td>'


@pytest.fixture
def source():
    source = SourceFactory(slug="gobierno", family="star-hash", transport=Transport.FILE)
    source.site.rate_plan = RatePlanFactory(slug="telecom", currency="ARS")
    source.site.save()
    return source


def imported(tmp_path, data: bytes) -> Call:
    path = tmp_path / "capture.log"
    path.write_bytes(data)
    out = io.StringIO()
    call_command("import_cdr", "--source", "gobierno", str(path), "--no-progress", stdout=out)
    assert "1 parsed into calls" in out.getvalue(), out.getvalue()
    return Call.objects.get()


def test_an_imported_star_hash_call_shows_its_pulses_on_its_page(source, tmp_path, client):
    call = imported(tmp_path, OUTGOING)
    client.force_login(AdminFactory())

    page = client.get(f"/admin/billing/call/{call.pk}/change/").content.decode()

    assert call.details["meter_pulses"] == 4
    assert call.duration_seconds == 788  # the metered seconds: what is priced
    assert "Meter pulses" in page
    assert '<div class="readonly">4</div>' in page
    assert PULSES_ROW in page
    assert "the price comes from the duration" in page


def test_the_explanation_says_the_pbx_metered_the_pulses(source, tmp_path, admin_client):
    call = imported(tmp_path, OUTGOING)

    body = admin_client.get(f"/api/v1/calls/{call.pk}/explain/").json()

    steps = {step["step"]: step for step in body["steps"]}
    assert steps["meter pulses"]["value"] == "4"
    assert steps["meter pulses"]["how"] == (
        "metered by the PBX, kept for reference: the price comes from the duration"
    )


def test_a_call_without_pulses_shows_no_pulses_line(source, tmp_path, client):
    call = imported(tmp_path, INTERNAL)
    client.force_login(AdminFactory())

    page = client.get(f"/admin/billing/call/{call.pk}/change/").content.decode()

    assert "meter_pulses" not in call.details
    assert "Price explanation" in page
    assert "Meter pulses" not in page
    assert "meter pulses" not in page
