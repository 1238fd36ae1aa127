"""Personal calls: PATCH /api/v1/calls/{id}/ for the extension's holder and
administrators, refused after the month closes, kept when the records are parsed
again; the calls list's ``personal`` filter."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from billing.models import Call, ClosedMonth
from billing.pipeline import raw_records_process, raw_records_reprocess
from capture.models import RawRecord
from capture.services import IncomingRecord, raw_records_store
from tests.factories import DepartmentFactory, ExtensionFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/calls/"

# IP Office records (pbx-formats.md section 3), start in the site's zone (UTC-3).
OUTGOING = (
    "2026/11/02 10:06:19,00:00:38,4,4731,O,03514234567,03514234567,77,0,1949480,0,"
    "E4731,Maria,T9017,Line 17.4,0,0,,,,,,,,,,,,,"
)
OTHER = (
    "2026/11/02 11:28:41,00:01:00,9,4324,O,0111234567,0111234567,,0,1000014155,0,"
    "E4324,Joe Bloggs,T9161,LINE 5.1,0,0,,,,,,,,,,,,,"
)


@pytest.fixture
def holder():
    return UserFactory(username="maria", email="maria@example.com")


@pytest.fixture
def calls(source, holder):
    department = DepartmentFactory(code="FIN", name="Finance")
    ExtensionFactory(site=source.site, number="4731", department=department, user=holder)
    ExtensionFactory(site=source.site, number="4324", department=department)
    received = dt.datetime(2026, 11, 3, 12, tzinfo=dt.UTC)
    records = [
        IncomingRecord(seq=n, received_at=received, line=line)
        for n, line in enumerate([OUTGOING, OTHER], start=1)
    ]
    raw_records_store(source=source, records=records)
    raw_records_process(source_id=source.id)
    return {call.extension.number: call for call in Call.objects.select_related("extension")}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def patch(user, call, body):
    return client_for(user).patch(f"{URL}{call.pk}/", body, format="json")


def test_the_holder_marks_and_unmarks_a_call(calls, holder):
    call = calls["4731"]

    response = patch(holder, call, {"personal": True, "personal_note": "  my dentist "})
    assert response.status_code == 200, response.content
    assert response.json()["personal"] is True
    call.refresh_from_db()
    assert (call.personal, call.personal_note) == (True, "my dentist")

    response = patch(holder, call, {"personal": False})
    assert response.status_code == 200
    call.refresh_from_db()
    assert (call.personal, call.personal_note) == (False, "")


def test_a_colleague_is_refused_with_403(calls, holder):
    colleague = UserFactory()
    response = patch(colleague, calls["4731"], {"personal": True})
    assert response.status_code == 403
    # Nor may the holder mark an extension that is not theirs.
    assert patch(holder, calls["4324"], {"personal": True}).status_code == 403
    assert not Call.objects.filter(personal=True).exists()


def test_an_administrator_may_mark_any_call(calls, admin_user):
    response = patch(admin_user, calls["4324"], {"personal": True, "personal_note": "x"})
    assert response.status_code == 200
    assert Call.objects.get(pk=calls["4324"].pk).personal


def test_a_closed_month_is_refused_naming_it(calls, holder):
    ClosedMonth.objects.create(month=dt.date(2026, 11, 1))
    response = patch(holder, calls["4731"], {"personal": True})
    assert response.status_code == 400
    assert "2026-11" in response.json()["detail"]
    assert not Call.objects.get(pk=calls["4731"].pk).personal


def test_bad_input_is_a_400_and_put_is_not_allowed(calls, holder):
    call = calls["4731"]
    assert patch(holder, call, {"personal": True, "personal_note": "x" * 501}).status_code == 400
    response = client_for(holder).put(f"{URL}{call.pk}/", {"personal": True}, format="json")
    assert response.status_code == 405
    assert client_for(holder).patch(f"{URL}999999/", {}, format="json").status_code == 404


def test_a_mark_survives_parsing_the_record_again(calls, holder, source):
    call = calls["4731"]
    patch(holder, call, {"personal": True, "personal_note": "dentist"})

    raw_records_reprocess(queryset=RawRecord.objects.filter(source=source))
    raw_records_process(source_id=source.id)

    again = Call.objects.get(raw_record_id=call.raw_record_id)
    assert again.pk != call.pk  # a new call, made again from its record
    assert (again.personal, again.personal_note) == (True, "dentist")
    assert Call.objects.filter(personal=True).count() == 1


def test_the_personal_filter(calls, holder, admin_user):
    patch(holder, calls["4731"], {"personal": True})
    client = client_for(admin_user)
    personal = client.get(URL, {"personal": "true"}).json()["results"]
    business = client.get(URL, {"personal": "false"}).json()["results"]
    assert [c["extension"] for c in personal] == ["4731"]
    assert [c["extension"] for c in business] == ["4324"]
    assert client.get(URL, {"personal_notes": "x"}).status_code == 400  # strict filters


def test_re_rating_keeps_the_mark(calls, holder):
    from billing.rerating import calls_rerate

    call = calls["4731"]
    patch(holder, call, {"personal": True, "personal_note": "dentist"})
    calls_rerate(date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 30))

    call.refresh_from_db()
    assert (call.personal, call.personal_note) == (True, "dentist")
