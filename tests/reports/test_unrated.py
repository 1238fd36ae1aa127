"""Unrated calls are counted, never summed as zero without a word (issue 12, point 6).

Every report total carries ``unrated`` beside ``cost``; pages, files and e-mails say
how many calls of the month are not priced and why, with a link to them; the
dashboard warns. ``org`` (``conftest.py``) has one unrated call in October, of FIN;
``december`` adds a month whose calls are all unrated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from django.db.models import Q
from django.test import Client

from billing.models import Call
from billing.rollups import rollups_rebuild
from org.models import Site
from reports.mail import monthly_reports_send

from .conftest import OCTOBER, call_make, client_for, local
from .test_exports import pdf_pages, read_xlsx, xlsx_notes

DECEMBER = dt.date(2026, 12, 1)
MOBILE = "no rate for Mobile valid on 2026-12-03"
NO_MATCH = "no destination of plan ar-2026 matches 5491155550000"
NO_PLAN = "the site has no rate plan"


def unrated_in(month: dt.date, department_ids=None, *, no_department: bool = False) -> int:
    """The month's calls (each site's local month) whose cost is empty, counted directly:
    all, those of ``department_ids``, or those of no department."""
    following = (month + dt.timedelta(days=32)).replace(day=1)
    in_month = Q(pk__in=[])
    for site in Site.objects.all():
        in_month |= Q(
            site=site,
            start__gte=dt.datetime.combine(month, dt.time(), site.zone),
            start__lt=dt.datetime.combine(following, dt.time(), site.zone),
        )
    calls = Call.objects.filter(in_month, cost__isnull=True)
    if department_ids is not None:
        calls = calls.filter(department_id__in=department_ids)
    if no_department:
        calls = calls.filter(department=None)
    return calls.count()


@pytest.fixture
def december(org):
    """December 2026: five calls, none priced, for four reasons (two of FIN's)."""
    for day, number, reason in (
        (3, "4002", MOBILE),
        (3, "4002", MOBILE),
        (4, "4004", NO_PLAN),
        (5, "4006", NO_MATCH),
        (6, "4099", ""),  # stored before rating ever ran: no reason recorded
    ):
        call_make(
            source=org.source,
            extension=org.extensions[number],
            start=local(day, 11, month=12),
            cost=None,
            category="",
            unrated_reason=reason,
        )
    rollups_rebuild([DECEMBER])
    return org


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_text(response) -> str:
    assert response.status_code == 200
    return " ".join(unescape(response.content.decode()).split())


def unrated_link(response) -> dict[str, list[str]]:
    """The query of the page's link to the calls not priced."""
    html = unescape(response.content.decode())
    start = html.index('class="alert alert--warning"')
    href = html[html.index('href="', start) + 6 :]
    url = urlparse(href[: href.index('"')])
    assert url.path == "/reports/calls/"
    return parse_qs(url.query)


# ---------------------------------------------------------------- API


def all_totals(data: dict) -> list[dict]:
    return [data["total"]] + [
        line[key] for line in data["departments"] for key in ("totals", "subtotal")
    ]


@pytest.mark.parametrize(
    ("who", "codes"),
    [("admin", None), ("finance", ("FIN", "PAY")), ("sales", ("SAL", "SLN"))],
)
def test_api_totals_count_the_unrated_calls_in_scope(december, who, codes):
    """Each total object carries ``unrated``, equal to the cost-null calls the caller
    may see: every call for the administrator, only their branch for a manager."""
    org = december
    scope = None if codes is None else org.ids(*codes)
    client = client_for(getattr(org, who))
    for month in (OCTOBER, DECEMBER):
        data = client.get("/api/v1/reports/departments/", {"month": f"{month:%Y-%m}"}).json()
        assert all("unrated" in totals for totals in all_totals(data))
        assert data["total"]["unrated"] == unrated_in(month, scope)
        for line in data["departments"]:
            if line["id"] is None:  # the No department line
                expected = unrated_in(month, no_department=True)
            else:
                expected = unrated_in(month, {line["id"]})
            assert line["totals"]["unrated"] == expected, line["name"]
        extensions = client.get("/api/v1/reports/extensions/", {"month": f"{month:%Y-%m}"}).json()
        assert extensions["total"]["unrated"] == unrated_in(month, scope)
        assert sum(line["unrated"] for line in extensions["extensions"]) == unrated_in(month, scope)
    assert unrated_in(DECEMBER) == 5 and unrated_in(OCTOBER) == 1


def test_api_subtotals_add_the_branch_and_an_all_unrated_month_costs_zero_with_a_count(
    december,
):
    data = (
        client_for(december.admin).get("/api/v1/reports/departments/", {"month": "2026-12"}).json()
    )
    assert data["total"]["cost"] == "0.0000" and data["total"]["unrated"] == 5
    by_code = {line["code"]: line for line in data["departments"]}
    assert by_code["ADM"]["totals"]["unrated"] == 0
    assert by_code["ADM"]["subtotal"]["unrated"] == 2  # FIN's two, below it
    assert by_code["SAL"]["subtotal"]["unrated"] == 1
    assert by_code[""]["totals"]["unrated"] == 1  # the No department line
    assert sum(c["unrated"] for c in data["total"]["categories"]) == 5


def test_openapi_schema_documents_unrated(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert "unrated" in schema["Totals"]["properties"]
    assert "unrated" in schema["ExtensionLine"]["properties"]
    assert "unrated" in schema["CategoryTotal"]["properties"]


# ---------------------------------------------------------------- the reasons


def test_reasons_are_the_commonest_of_the_scope_and_local_month(december):
    from billing.selectors import calls_unrated_reasons

    org = december
    assert calls_unrated_reasons(month=DECEMBER) == [(MOBILE, 2), ("", 1), (NO_MATCH, 1)]
    assert calls_unrated_reasons(month=DECEMBER, departments=org.ids("FIN", "PAY")) == [(MOBILE, 2)]
    assert calls_unrated_reasons(month=DECEMBER, departments=set()) == []
    # 23:30 local on 30 November is December in UTC, yet November here.
    call_make(
        source=org.source,
        extension=org.extensions["4002"],
        start=local(30, 23, 30, month=11),
        cost=None,
        unrated_reason="late",
    )
    assert ("late", 1) not in calls_unrated_reasons(month=DECEMBER, limit=10)
    assert ("late", 1) in calls_unrated_reasons(month=dt.date(2026, 11, 1), limit=10)


# ---------------------------------------------------------------- pages


def test_department_page_of_an_all_unrated_month_says_how_many_and_why(december):
    response = signed_in(december.admin).get("/reports/departments/", {"month": "2026-12"})
    text = page_text(response)
    assert "5 calls not priced in December 2026" in text
    assert "their cost is not in the totals" in text
    assert f"{MOBILE} (2)" in text
    assert "not rated yet (1)" in text and f"{NO_MATCH} (1)" in text
    assert "1 for another reason" in text  # "the site has no rate plan", the fourth
    assert unrated_link(response) == {"month": ["2026-12"], "unrated": ["true"]}


def test_department_page_of_a_branch_and_of_a_manager_count_their_own(december):
    org = december
    fin = org.departments["FIN"].pk
    branch = signed_in(org.admin).get(
        "/reports/departments/", {"month": "2026-12", "department": fin}
    )
    text = page_text(branch)
    assert "2 calls not priced in December 2026" in text and f"{MOBILE} (2)" in text
    assert NO_PLAN not in text
    assert unrated_link(branch) == {
        "month": ["2026-12"],
        "department": [str(fin)],
        "unrated": ["true"],
    }
    sales = page_text(signed_in(org.sales).get("/reports/departments/", {"month": "2026-12"}))
    assert "1 call not priced in December 2026" in sales and f"{NO_PLAN} (1)" in sales
    assert MOBILE not in sales


def test_the_link_lands_on_exactly_the_calls_not_priced(december):
    client = signed_in(december.admin)
    query = unrated_link(client.get("/reports/departments/", {"month": "2026-12"}))
    html = client.get("/reports/calls/", {key: value[0] for key, value in query.items()})
    shown = {int(pk) for pk in re.findall(r'data-call="(\d+)"', html.content.decode())}
    assert shown == set(
        Call.objects.filter(cost=None, start__gte=local(1, 0, month=12)).values_list(
            "pk", flat=True
        )
    )
    assert len(shown) == 5


def test_dashboard_warns_when_calls_of_the_month_are_unrated(december):
    client = signed_in(december.admin)
    response = client.get("/reports/", {"month": "2026-12"})
    text = page_text(response)
    assert 'class="alert alert--warning"' in response.content.decode()
    assert "5 calls not priced in December 2026" in text and f"{MOBILE} (2)" in text
    assert unrated_link(response) == {"month": ["2026-12"], "unrated": ["true"]}
    # A month whose calls are all priced shows no warning.
    november = client.get("/reports/", {"month": "2026-11"})
    assert "alert--warning" not in november.content.decode()
    assert "not priced" not in page_text(november)


def test_extension_page_says_how_many_are_not_priced(december):
    text = page_text(signed_in(december.finance).get("/reports/extensions/", {"month": "2026-12"}))
    assert "2 calls not priced in December 2026" in text and f"{MOBILE} (2)" in text


# ---------------------------------------------------------------- files


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_files_count_unrated_calls_in_a_last_column(december):
    client = client_for(december.admin)
    header, *rows = read_csv(client.get("/reports/2026-12/departments.csv").content)
    # The unrated columns, then only columns added later (personal cost).
    unrated = header.index("Unrated")
    assert header[unrated : unrated + 2] == ["Unrated", "Subtotal unrated"]
    assert header[unrated + 2 :] == ["Personal cost ARS"]
    total = rows.pop()
    assert total[1] == "Total" and total[unrated : unrated + 2] == ["5", "5"]
    assert sum(int(row[unrated]) for row in rows) == 5
    assert Decimal(total[header.index("Cost ARS")]) == 0
    header, *rows = read_csv(client.get("/reports/2026-12/extensions.csv").content)
    assert header[-1] == "Unrated"
    total = rows.pop()
    assert total[2] == "Total" and total[-1] == "5"
    assert {row[1]: row[-1] for row in rows} == {
        "4002": "2",
        "4004": "1",
        "4006": "1",
        "4099": "1",
    }


def test_xlsx_files_have_an_unrated_column_and_a_note_under_the_table(december):
    client = client_for(december.finance)
    content = client.get("/reports/2026-12/departments.xlsx").content
    header, *_rows, total = read_xlsx(content)
    unrated = header.index("Unrated")
    assert header[unrated : unrated + 2] == ("Unrated", "Subtotal unrated")
    assert total[1] == "Total" and total[unrated + 1] == 2
    [note] = xlsx_notes(content)
    assert note == f"2 calls not priced (not in the cost): {MOBILE} (2)"
    content = client.get("/reports/2026-12/extensions.xlsx").content
    header, *_rows, total = read_xlsx(content)
    assert header[-1] == "Unrated" and total[-1] == 2
    assert xlsx_notes(content) == [f"2 calls not priced (not in the cost): {MOBILE} (2)"]
    # No unrated call, no note.
    october = client_for(december.sales).get("/reports/2026-10/departments.xlsx").content
    assert xlsx_notes(october) == []


def test_pdf_files_say_how_many_calls_are_not_priced_and_why(december):
    client = client_for(december.admin)
    first = pdf_pages(client.get("/reports/2026-12/departments.pdf").content)[0]
    assert "Calls not priced (not in the cost)" in first
    assert "5 calls not priced (not in the cost)" in first
    assert MOBILE in first
    extensions = pdf_pages(client.get("/reports/2026-12/extensions.pdf").content)[0]
    assert "5 calls not priced (not in the cost)" in extensions
    assert f"{MOBILE} (2)" in extensions and "1 for another reason" in extensions


def test_monthly_email_says_how_many_calls_are_not_priced(december):
    monthly_reports_send(DECEMBER)
    [finance] = [message for message in mail.outbox if "finance@example.org" in message.to]
    assert f"2 calls not priced (not in the cost): {MOBILE} (2)." in finance.body
    assert "2 calls not priced" in finance.alternatives[0][0]
    [sales] = [message for message in mail.outbox if "sales@example.org" in message.to]
    assert f"1 call not priced (not in the cost): {NO_PLAN} (1)." in sales.body


# ---------------------------------------------------------------- the calls filter


def test_calls_api_unrated_filter_returns_exactly_the_cost_null_calls(december):
    client = client_for(december.admin)

    def ids(**params) -> set[int]:
        response = client.get("/api/v1/calls/", {"page_size": 1000, **params})
        assert response.status_code == 200
        assert response.json()["next"] is None
        return {call["id"] for call in response.json()["results"]}

    unrated = set(Call.objects.filter(cost=None).values_list("pk", flat=True))
    assert len(unrated) == 6  # October's one and December's five
    assert ids(unrated="true") == unrated
    assert ids(unrated="false") == set(Call.objects.exclude(cost=None).values_list("pk", flat=True))
    assert ids() == set(Call.objects.values_list("pk", flat=True))
    finance = client_for(december.finance).get("/api/v1/calls/", {"unrated": "true"}).json()
    assert {call["id"] for call in finance["results"]} == set(
        Call.objects.filter(cost=None, department__code="FIN").values_list("pk", flat=True)
    )
