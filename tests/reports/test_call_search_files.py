"""The call search's XLSX and its destination and account-code filters."""

from __future__ import annotations

import io

from django.urls import reverse
from openpyxl import load_workbook

from billing.filters import calls_in_month
from billing.models import Call
from reports import downloads

from .conftest import OCTOBER, client_for


def test_the_xlsx_holds_exactly_the_calls_found_in_the_readers_language(org, client):
    client.force_login(org.finance)
    query = {"month": "2026-10", "direction": "outgoing"}
    page = client.get(reverse("reports:calls"), query).content.decode()
    assert 'data-download="calls-xlsx"' in page
    response = client.get(reverse("reports:calls-search-xlsx"), query, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Llamada"
    expected = set(
        Call.objects.filter(calls_in_month(OCTOBER))
        .filter(department_id__in=org.ids("FIN", "PAY"), direction="outgoing")
        .values_list("id", flat=True)
    )
    assert {row[0] for row in rows[1:]} == expected
    # Categories in the reader's words; an empty cell where the call is not rated.
    assert {row[17] for row in rows[1:]} == {"celular", "larga distancia", None}


def test_too_many_calls_for_a_spreadsheet_say_so(org, monkeypatch):
    monkeypatch.setattr(downloads, "XLSX_MAX_CALLS", 2)
    response = client_for(org.admin).get(reverse("reports:calls-search-xlsx"), {"month": "2026-10"})
    assert response.status_code == 400
    assert "too many for a spreadsheet" in response.json()["detail"]


def test_destination_and_account_code_filter_the_calls(org):
    call = Call.objects.filter(category="mobile").first()
    Call.objects.filter(pk=call.pk).update(account_code="P-7", destination="Brazil mobile")
    client = client_for(org.admin)
    found = client.get("/api/v1/calls/", {"destination": "brazil"}).json()["results"]
    assert [row["id"] for row in found] == [call.pk]
    found = client.get("/api/v1/calls/", {"account_code": "P-7"}).json()["results"]
    assert [row["id"] for row in found] == [call.pk]
    assert client.get("/api/v1/calls/", {"account_code": "P-"}).json()["results"] == []
