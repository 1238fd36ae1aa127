"""Top-N and ad-hoc reports (reports.topn): each checked against the calls it reads,
in the viewer's scope, on the page, in the files and in the API."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import holidays
import pytest
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook

from billing.models import Call
from org.models import Trunk
from reports.topn import TopParams, TopReportInvalid, top_report

from .conftest import CORDOBA, OCTOBER, call_make, client_for, local

API = "/api/v1/reports/top/"


def rows_of(kind: str, user, **params) -> list[dict]:
    return top_report(kind=kind, params=TopParams(month=OCTOBER, **params), user=user).rows


def test_numbers_adds_up_each_number_and_ranks_by_calls(org):
    for day in (5, 6, 7):
        call_make(
            source=org.source,
            extension=org.extensions["4004"],
            start=local(day, 11),
            cost="2.0000",
            number="0111234567",
        )
    rows = rows_of("numbers", org.admin)
    october = Call.objects.filter(
        direction="outgoing", start__gte=local(1, 0), start__lt=local(1, 0, month=11)
    )
    assert [row["number"] for row in rows] == ["03514000000", "0111234567"]
    assert rows[0]["calls"] == october.filter(number="03514000000").count()
    assert (rows[1]["calls"], rows[1]["cost"]) == (3, Decimal("6.0000"))
    assert sum(row["calls"] for row in rows) == october.count()


def test_a_manager_sees_only_their_branch(org):
    rows = rows_of("longest", org.finance)
    extensions = {row["extension"] for row in rows}
    assert extensions <= {"4002", "4003"}
    assert extensions  # Finance and Payroll made calls
    assert rows_of("longest", org.nobody) == []


def test_longest_and_expensive_are_single_calls_in_order_with_local_times(org):
    longest = rows_of("longest", org.admin, top=3)
    assert [row["seconds"] for row in longest] == sorted(
        (row["seconds"] for row in longest), reverse=True
    )
    expensive = rows_of("expensive", org.admin, top=2)
    assert [row["cost"] for row in expensive] == [Decimal("100.0000"), Decimal("10.0000")]
    assert expensive[0]["start"].utcoffset() == dt.timedelta(hours=-3)
    assert Call.objects.get(pk=expensive[0]["call"]).cost == Decimal("100.0000")


def test_unrated_calls_are_not_among_the_most_expensive(org):
    rows = rows_of("expensive", org.admin, top=500)
    assert all(row["cost"] is not None for row in rows)


def test_account_codes_sum_their_calls_and_say_how_many_have_none(org):
    calls = list(Call.objects.filter(direction="outgoing").order_by("id")[:3])
    for call, code in zip(calls, ["P-100", "P-100", "=HYPERLINK()"], strict=True):
        call.account_code = code
        call.save(update_fields=["account_code"])
    report = top_report(kind="account-codes", params=TopParams(month=OCTOBER), user=org.admin)
    by_code = {row["account_code"]: row for row in report.rows}
    expected = Call.objects.filter(account_code="P-100").aggregate(cost=Sum("cost"))["cost"]
    assert by_code["P-100"]["calls"] == 2
    assert by_code["P-100"]["cost"] == Decimal(expected).quantize(Decimal("0.0001"))
    assert "have no account code" in report.note


def test_kpis_give_asr_and_acd_per_extension_trunk_and_destination(org):
    trunk = Trunk.objects.create(site=org.site, name="E1-A")
    Call.objects.filter(extension=org.extensions["4004"]).update(trunk=trunk)
    by_extension = {row["group"]: row for row in rows_of("kpis", org.admin)}
    line = by_extension["4004 Sales lead"]
    # 4004 made three outgoing calls; the second was not answered.
    assert (line["attempts"], line["answered"]) == (3, 2)
    assert line["asr"] == Decimal("66.7")
    assert line["acd"] == round((30 + 64) / 2)
    by_trunk = {row["group"]: row for row in rows_of("kpis", org.admin, by="trunk")}
    assert by_trunk["E1-A"]["attempts"] == 3
    by_category = {row["group"]: row for row in rows_of("kpis", org.admin, by="destination")}
    assert by_category["Mobile"]["answered"] == 0  # every second call: mobile, unanswered


def test_missed_calls_are_counted_per_local_hour(org):
    for day, hour in ((6, 9), (7, 9), (31, 23)):  # 23:00 on the 31st: 02:00 UTC in November
        call_make(
            source=org.source,
            extension=org.extensions["4006"],
            start=local(day, hour),
            cost="0",
            direction="incoming",
            answered=False,
        )
    (line,) = [row for row in rows_of("missed", org.admin) if row["extension"] == "4006"]
    assert (line["calls"], line["h09"], line["h23"], line["h02"]) == (3, 2, 1, 0)


def test_after_hours_counts_evenings_weekends_and_holidays_only(org):
    holiday = next(
        day
        for day in holidays.country_holidays("AR", years=2026)
        if day.month == 10 and day.weekday() < 5
    )
    saturday = next(day for day in range(1, 31) if dt.date(2026, 10, day).weekday() == 5)
    narrow_day = (dt.time(7), dt.time(21))

    def after_hours(**params) -> int:
        rows = rows_of("after-hours", org.admin, **params)
        return sum(row["calls"] for row in rows if row["extension"] == "4005")

    before, before_narrow = after_hours(), after_hours(workday=narrow_day)
    for start in (
        local(5, 20),  # a Monday evening
        local(saturday, 11),  # a weekend
        dt.datetime.combine(holiday, dt.time(11), CORDOBA),  # a public holiday
        local(6, 7, 59),  # before the day starts
        local(6, 12),  # in hours: not counted
    ):
        call_make(source=org.source, extension=org.extensions["4005"], start=start, cost="1")
    assert after_hours() - before == 4
    # A working day of 07:00 to 21:00 leaves the weekend and the holiday only.
    assert after_hours(workday=narrow_day) - before_narrow == 2


def test_destinations_come_from_the_rollups_and_equal_the_calls(org):
    rows = rows_of("destinations", org.admin)
    national = next(row for row in rows if row["destination"] == "National")
    calls = Call.objects.filter(
        category="national", start__gte=local(1, 0), start__lt=local(1, 0, month=11)
    )
    assert national["calls"] == calls.count()
    assert national["cost"] == Decimal(calls.aggregate(s=Sum("cost"))["s"]).quantize(
        Decimal("0.0001")
    )


def test_a_department_narrows_to_its_branch_and_outside_scope_is_not_found(org):
    rows = rows_of("longest", org.admin, department=org.departments["FIN"].pk, top=500)
    assert {row["extension"] for row in rows} == {"4002", "4003"}
    with pytest.raises(Exception) as raised:
        rows_of("longest", org.sales, department=org.departments["FIN"].pk)
    assert "no department" in str(raised.value).lower()


def test_an_unknown_report_names_the_known_ones(org):
    with pytest.raises(TopReportInvalid, match="numbers, destinations"):
        top_report(kind="nope", params=TopParams(month=OCTOBER), user=org.admin)


# ---------------------------------------------------------------- API


def test_api_answers_columns_and_rows(org):
    response = client_for(org.admin).get(API, {"report": "expensive", "month": "2026-10"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["report"] == "expensive"
    assert body["month"] == "2026-10"
    assert [column["key"] for column in body["columns"]][:2] == ["start", "extension"]
    assert body["rows"][0]["cost"] == "100.0000"
    assert body["rows"][0]["start"].endswith("-03:00")
    assert body["count"] == len(body["rows"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"report": "numbers", "month": "2026-10", "limit": "5"}, "limit"),
        ({"report": "bogus", "month": "2026-10"}, "report"),
        ({"report": "numbers", "month": "2026-13"}, "month"),
        ({"report": "numbers", "month": "2026-10", "top": "501"}, "top"),
        ({"report": "numbers", "month": "2026-10", "top": "0"}, "top"),
        ({"report": "after-hours", "month": "2026-10", "from": "8am"}, "from"),
        ({"report": "kpis", "month": "2026-10", "by": "planet"}, "by"),
        ({"report": "numbers", "month": "2026-10", "category": "cheap"}, "category"),
        ({"report": "numbers", "month": "2026-10", "site": "atlantis"}, "atlantis"),
        ({"month": "2026-10"}, "report"),
    ],
)
def test_api_refuses_bad_parameters_with_a_reason(org, query, expected):
    response = client_for(org.admin).get(API, query)
    assert response.status_code == 400
    assert expected in response.content.decode()


def test_api_department_outside_scope_is_404(org):
    response = client_for(org.sales).get(
        API, {"report": "numbers", "month": "2026-10", "department": org.departments["FIN"].pk}
    )
    assert response.status_code == 404


# ---------------------------------------------------------------- files and page


def test_files_hold_the_report_and_are_safe_against_formulas(org):
    org.extensions["4006"].holder = "=cmd|' /C calc'!A0"
    org.extensions["4006"].save()
    client = client_for(org.admin)
    query = {"report": "expensive", "month": "2026-10", "top": "3"}
    csv = client.get(reverse("reports:top-download", args=["csv"]), query)
    assert csv.status_code == 200
    text = csv.content.decode("utf-8-sig").splitlines()
    assert text[0].startswith("Start,Extension,Holder")
    assert "'=cmd" in text[1]
    xlsx = client.get(reverse("reports:top-download", args=["xlsx"]), query)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(row=2, column=3).value.startswith("'=")
    assert sheet.max_row == 4  # the header and three calls
    pdf = client.get(reverse("reports:top-download", args=["pdf"]), query)
    assert pdf.content.startswith(b"%PDF")
    assert (
        client.get(reverse("reports:top-download", args=["pdf"]), {"month": "x"}).status_code == 400
    )


def test_the_page_shows_each_report_in_spanish_and_a_wrong_parameter_says_why(org, client):
    client.force_login(org.admin)
    url = reverse("reports:top")
    for kind in (
        "numbers",
        "destinations",
        "longest",
        "expensive",
        "account-codes",
        "kpis",
        "missed",
        "after-hours",
    ):
        response = client.get(url, {"report": kind, "month": "2026-10"}, HTTP_ACCEPT_LANGUAGE="es")
        assert response.status_code == 200, kind
        page = response.content.decode()
        assert f'data-report-kind="{kind}" aria-current="page"' in page
    response = client.get(url, {"report": "numbers", "month": "2026-10", "top": "9999"})
    assert response.status_code == 400
    assert "500" in response.content.decode()


def test_the_page_in_another_month_has_no_lines(org, client):
    client.force_login(org.finance)
    response = client.get(reverse("reports:top"), {"report": "numbers", "month": "2025-01"})
    assert response.status_code == 200
    assert 'data-report="top-numbers"' not in response.content.decode()
