"""Scope: a manager reads only their departments and those below, in the API and in
every download; administrators read everything; a user who manages nothing gets
empty reports. A department outside one's scope answers 404 (as if it did not
exist, so that other departments' ids are not disclosed), everywhere alike."""

import csv
import io

import openpyxl
import pytest

from .conftest import client_for

DEPARTMENTS = "/api/v1/reports/departments/"
EXTENSIONS = "/api/v1/reports/extensions/"


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


def department_codes(user) -> list[str]:
    response = client_for(user).get(DEPARTMENTS, {"month": "2026-10"})
    assert response.status_code == 200
    return [line["code"] for line in response.json()["departments"]]


def extension_numbers(user, **query) -> list[str]:
    response = client_for(user).get(EXTENSIONS, {"month": "2026-10", **query})
    assert response.status_code == 200, response.content
    return [line["number"] for line in response.json()["extensions"]]


def test_administrator_sees_every_department_and_the_calls_of_none(org):
    assert department_codes(org.admin) == ["ADM", "FIN", "PAY", "SAL", "SLN", "SUP", ""]
    assert set(extension_numbers(org.admin)) == {
        "4001",
        "4002",
        "4003",
        "4004",
        "4005",
        "4006",
        "4099",
        "",
    }


def test_manager_sees_their_departments_and_sub_departments_only(org):
    assert department_codes(org.finance) == ["FIN", "PAY"]
    assert department_codes(org.sales) == ["SAL", "SLN"]
    assert extension_numbers(org.finance) == ["4002", "4003"]
    assert extension_numbers(org.sales, department=org.departments["SLN"].pk) == ["4005"]


def test_manager_totals_cover_only_their_calls(org):
    body = client_for(org.finance).get(DEPARTMENTS, {"month": "2026-10"}).json()
    # Finance: 10 + 2.5001 + 0 (unrated) + 0 (incoming); Payroll: 7.7777 + 1.
    assert body["total"]["cost"] == "21.2778"
    assert body["total"]["calls"] == 6


@pytest.mark.parametrize("code", ["SAL", "SLN", "ADM", "SUP"])
def test_other_departments_are_not_found_in_the_api(org, code):
    response = client_for(org.finance).get(
        EXTENSIONS, {"month": "2026-10", "department": org.departments[code].pk}
    )
    assert response.status_code == 404
    assert "departments you can see" in response.json()["detail"]


def test_unknown_department_answers_the_same_as_a_forbidden_one(org):
    unknown = client_for(org.finance).get(EXTENSIONS, {"month": "2026-10", "department": 999999})
    forbidden = client_for(org.finance).get(
        EXTENSIONS, {"month": "2026-10", "department": org.departments["SAL"].pk}
    )
    assert unknown.status_code == forbidden.status_code == 404
    assert unknown.json()["detail"].replace("999999", "N") == forbidden.json()["detail"].replace(
        str(org.departments["SAL"].pk), "N"
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_other_departments_are_not_found_in_downloads(org, fmt):
    sales = org.departments["SAL"].pk
    response = client_for(org.finance).get(f"/reports/2026-10/extensions.{fmt}?department={sales}")
    assert response.status_code == 404
    assert "departments you can see" in response.json()["detail"]


def test_manager_downloads_hold_only_their_departments(org):
    client = client_for(org.sales)
    rows = csv_rows(client.get("/reports/2026-10/departments.csv"))
    assert [row[0] for row in rows[1:-1]] == ["SAL", "SLN"]
    assert rows[-1][1] == "Total" and rows[-1][4] == "5"
    rows = csv_rows(client.get("/reports/2026-10/extensions.csv"))
    assert [row[1] for row in rows[1:-1]] == ["4005", "4004"]
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get("/reports/2026-10/extensions.xlsx").content)
    ).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)][:-1] == [
        "4005",
        "4004",
    ]
    rows = csv_rows(client.get("/reports/2026-10/calls.csv"))
    assert {row[11] for row in rows[1:]} == {"SAL", "SLN"}


def test_user_without_departments_gets_empty_reports(org):
    assert department_codes(org.nobody) == []
    assert extension_numbers(org.nobody) == []
    body = client_for(org.nobody).get(DEPARTMENTS, {"month": "2026-10"}).json()
    assert body["total"]["calls"] == 0 and body["total"]["cost"] == "0.0000"
    client = client_for(org.nobody)
    rows = csv_rows(client.get("/reports/2026-10/departments.csv"))
    assert len(rows) == 2 and rows[1][1] == "Total" and rows[1][4] == "0"
    assert len(csv_rows(client.get("/reports/2026-10/calls.csv"))) == 1  # the header only
    assert client.get("/reports/2026-10/departments.pdf").status_code == 200
    response = client.get(f"/reports/2026-10/extensions.csv?department={org.departments['FIN'].pk}")
    assert response.status_code == 404


def test_calls_csv_department_filter_cannot_widen_scope(org):
    sales = org.departments["SAL"].pk
    rows = csv_rows(client_for(org.finance).get(f"/reports/2026-10/calls.csv?department={sales}"))
    assert rows[1:] == []
