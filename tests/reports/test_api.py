"""The reports API and the downloads: shapes, errors, authentication and the calls CSV."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.utils.encoders import JSONEncoder

from billing.rollups import rollups_rebuild
from capture.services import source_rotate_key
from reports.api.serializers import (
    DepartmentReportSerializer,
    ExtensionReportSerializer,
    department_report_data,
    extension_report_data,
)
from reports.selectors import department_report, extension_report, extension_totals
from tests.factories import SiteFactory, SourceFactory

from .conftest import OCTOBER, call_make, client_for, local, month_call_sums

DEPARTMENTS = "/api/v1/reports/departments/"
EXTENSIONS = "/api/v1/reports/extensions/"


def test_department_report_json(org):
    response = client_for(org.admin).get(DEPARTMENTS, {"month": "2026-10"})
    assert response.status_code == 200, response.content
    body = response.json()
    sums = month_call_sums(OCTOBER)
    assert body["month"] == "2026-10" and body["currency"] == "ARS"
    assert body["total"]["calls"] == sums["calls"]
    assert Decimal(body["total"]["cost"]) == sums["cost"]
    assert body["total"]["costs"] == [{"currency": "ARS", "cost": f"{sums['cost']:.4f}"}]
    codes = [line["code"] for line in body["departments"]]
    assert codes == ["ADM", "FIN", "PAY", "SAL", "SLN", "SUP", ""]
    adm, fin = body["departments"][0], body["departments"][1]
    assert adm["children"] == [fin["id"]] and fin["parent"] == adm["id"]
    assert fin["path"] == ["Administration", "Finance"] and fin["depth"] == 1
    assert Decimal(adm["subtotal"]["cost"]) == sum(
        Decimal(line["totals"]["cost"]) for line in body["departments"][:3]
    )
    assert body["departments"][-1]["id"] is None
    assert body["departments"][-1]["name"] == "No department"


def test_extension_report_json_with_department(org):
    sales = org.departments["SAL"].pk
    response = client_for(org.admin).get(EXTENSIONS, {"month": "2026-10", "department": sales})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["department"] == sales
    assert [line["number"] for line in body["extensions"]] == ["4005", "4004"]  # North, Sales
    line = body["extensions"][1]
    assert line["site"] == "cordoba" and line["holder"] == "Sales lead"
    assert (line["calls"], line["outgoing"], line["internal"], line["cost"]) == (
        4,
        3,
        1,
        "12.0000",
    )
    assert body["total"]["cost"] == "12.0100"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "month"),
        ({"month": "2026-13"}, "month"),
        ({"month": "10/2026"}, "month"),
        ({"month": "2026-10", "department": "sales"}, "department"),
    ],
)
def test_bad_queries_answer_400_naming_the_field(org, query, field):
    response = client_for(org.admin).get(EXTENSIONS, query)
    assert response.status_code == 400
    assert field in response.json()


def test_month_error_says_how_to_write_it(org):
    response = client_for(org.admin).get(DEPARTMENTS, {"month": "2026-13"})
    assert "YYYY-MM" in response.json()["month"][0]


@pytest.mark.parametrize("month", ["9999-12", "0001-01"])
@pytest.mark.parametrize("url", [DEPARTMENTS, EXTENSIONS])
def test_a_month_at_the_ends_of_the_calendar_answers_400(org, url, month):
    response = client_for(org.admin).get(url, {"month": month})

    assert response.status_code == 400
    assert "outside the months reports cover" in response.json()["month"][0]


@pytest.mark.parametrize("month", ["9999-12", "0001-01"])
@pytest.mark.parametrize(
    "download",
    [
        f"{report}.{fmt}"
        for report in ("departments", "extensions")
        for fmt in ("csv", "xlsx", "pdf")
    ]
    + ["calls.csv"],
)
def test_a_download_of_a_month_at_the_ends_of_the_calendar_is_not_found(org, download, month):
    response = client_for(org.admin).get(f"/reports/{month}/{download}")

    assert response.status_code == 404
    assert "outside the months reports cover" in response.json()["detail"]


def test_api_needs_credentials_and_refuses_source_keys(org):
    response = APIClient().get(DEPARTMENTS, {"month": "2026-10"})
    assert response.status_code == 401
    key = source_rotate_key(source=org.source)
    response = APIClient(HTTP_AUTHORIZATION=f"Token {key}").get(DEPARTMENTS, {"month": "2026-10"})
    assert response.status_code in (401, 403)


def test_schema_documents_the_report_endpoints(admin_client):
    response = admin_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (DEPARTMENTS, EXTENSIONS):
        operation = paths[path]["get"]
        names = {parameter["name"] for parameter in operation["parameters"]}
        assert "month" in names
    assert "department" in {p["name"] for p in paths[EXTENSIONS]["get"]["parameters"]}
    assert not any(path.startswith("/reports/") for path in paths)


# ---------------------------------------------------------------- downloads


@pytest.mark.parametrize(
    ("fmt", "content_type", "magic"),
    [
        ("csv", "text/csv; charset=utf-8", b"\xef\xbb\xbf"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
        ("pdf", "application/pdf", b"%PDF"),
    ],
)
@pytest.mark.parametrize("report", ["departments", "extensions"])
def test_downloads_with_an_api_key(org, report, fmt, content_type, magic):
    response = client_for(org.finance).get(f"/reports/2026-10/{report}.{fmt}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == content_type
    assert response.content.startswith(magic)
    assert f"{report}-2026-10.{fmt}" in response["Content-Disposition"]


def test_download_with_a_session(org):
    client = Client()
    client.force_login(org.sales)
    response = client.get("/reports/2026-10/extensions.csv")
    assert response.status_code == 200
    numbers = [row[1] for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))]
    assert numbers[1:-1] == ["4005", "4004"]


def test_download_of_one_department_names_it_in_the_file(org):
    sales = org.departments["SAL"].pk
    response = client_for(org.admin).get(f"/reports/2026-10/extensions.csv?department={sales}")
    assert "extensions-2026-10-SAL.csv" in response["Content-Disposition"]


def test_download_errors_are_clear(org):
    response = Client().get("/reports/2026-10/departments.csv")
    assert response.status_code == 401
    assert "credentials" in response.json()["detail"]
    client = client_for(org.admin)
    response = client.get("/reports/2026-13/departments.csv", HTTP_ACCEPT="text/csv")
    assert response.status_code == 404
    assert "2026-13" in response.json()["detail"] and "YYYY-MM" in response.json()["detail"]
    assert client.get("/reports/2026-10/departments.docx").status_code == 404
    response = client.get("/reports/2026-10/extensions.csv?department=x")
    assert response.status_code == 400 and "department" in response.json()["detail"]


def read_calls_csv(response) -> list[dict]:
    assert response.streaming
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content)))


def test_calls_csv_streams_the_local_month(org):
    response = client_for(org.admin).get("/reports/2026-10/calls.csv")
    assert response.status_code == 200
    assert 'filename="calls-2026-10.csv"' in response["Content-Disposition"]
    rows = read_calls_csv(response)
    sums = month_call_sums(OCTOBER)
    assert len(rows) == sums["calls"]
    assert sum(Decimal(row["cost"] or 0) for row in rows) == sums["cost"]
    late = next(row for row in rows if row["start_utc"] == "2026-11-01T02:30:00Z")
    assert late["start"] == "2026-10-31T23:30:00-03:00"  # the site's zone
    first = rows[0]
    assert first["site"] == "cordoba" and first["source"] == "cordoba-ipoffice"
    assert first["extension"] == "4001" and first["department_code"] == "ADM"


def test_calls_csv_honours_scope_and_the_calls_filters(org):
    rows = read_calls_csv(client_for(org.finance).get("/reports/2026-10/calls.csv"))
    assert {row["department_code"] for row in rows} == {"FIN", "PAY"}
    rows = read_calls_csv(
        client_for(org.admin).get("/reports/2026-10/calls.csv?direction=incoming")
    )
    assert [row["extension"] for row in rows] == ["4002"]
    response = client_for(org.admin).get("/reports/2026-10/calls.csv?direction=sideways")
    assert response.status_code == 400 and "direction" in response.json()["detail"]


def test_calls_csv_neutralizes_formulas(org):
    call_make(
        source=org.source,
        extension=org.extensions["4001"],
        start=local(21),
        cost="1",
        number="=cmd|' /C calc'!A0",
    )
    rows = read_calls_csv(client_for(org.admin).get("/reports/2026-10/calls.csv"))
    assert "'=cmd|' /C calc'!A0" in {row["number"] for row in rows}


def test_fast_json_equals_the_documented_serializers(org):
    """The views build their JSON directly; it must be what the schema's serializers
    (the reference) give, including the mixed-currency case."""
    usd = SourceFactory(site=SiteFactory(slug="miami", currency="USD", time_zone="UTC"))
    call_make(source=usd, extension=None, start=local(12), cost="2.5000")
    rollups_rebuild([OCTOBER])
    for user in (org.admin, org.finance):
        report = department_report(month=OCTOBER, user=user)
        expected = json_round_trip(DepartmentReportSerializer(report).data)
        assert json_round_trip(department_report_data(report)) == expected
        lines = extension_report(month=OCTOBER, user=user)
        data = {
            "month": OCTOBER,
            "department": None,
            "total": extension_totals(lines),
            "extensions": lines,
        }
        expected = json_round_trip(ExtensionReportSerializer(data).data)
        fast = extension_report_data(
            month=OCTOBER, department_id=None, totals=extension_totals(lines), lines=lines
        )
        assert json_round_trip(fast) == expected


def json_round_trip(data):
    return json.loads(json.dumps(data, cls=JSONEncoder))


@pytest.mark.parametrize(
    ("language", "delimiter", "mark"), [("es-AR", ";", ","), ("pt-BR", ";", ","), ("en", ",", ".")]
)
def test_excel_csv_uses_the_languages_separators(org, language, delimiter, mark):
    """DESIGN.md: ``?excel=1`` gives the locale's separator and decimal mark, with a
    UTF-8 byte-order mark; without it the CSV keeps the machine format."""
    client = client_for(org.admin)
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    machine = client.get("/reports/2026-10/calls.csv", **headers)
    excel = client.get("/reports/2026-10/calls.csv?excel=1", **headers)
    departments = client.get("/reports/2026-10/departments.csv?excel=1", **headers)
    extensions = client.get("/reports/2026-10/extensions.csv?excel=1", **headers)

    text = b"".join(excel.streaming_content)
    assert text.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig")), delimiter=delimiter))
    plain = read_calls_csv(machine)
    assert [row["id"] for row in rows] == [row["id"] for row in plain]
    costs = [(row["cost"], ours["cost"]) for row, ours in zip(plain, rows, strict=True)]
    assert all(excel_cost == cost.replace(".", mark) for cost, excel_cost in costs)
    assert any("." in cost for cost, _ in costs)  # there are decimals to write
    assert (
        sum(Decimal(row["cost"].replace(mark, ".") or 0) for row in rows)
        == (month_call_sums(OCTOBER)["cost"])
    )
    for response in (departments, extensions):
        body = response.content.decode("utf-8-sig")
        header = next(csv.reader(io.StringIO(body), delimiter=delimiter))
        assert len(header) > 3 and "Calls" in header  # the machine headers, split right
