"""Employee self-service: "My calls" (the holder marks and unmarks, a colleague is
refused, a closed month is refused), managers finding their branch's personal calls,
the personal-calls chargeback and the personal column of the department report."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from billing.models import Call, ClosedMonth
from billing.services import call_personal_mark
from reports.personal import personal_chargeback, personal_costs_by_department
from tests.factories import UserFactory

from .conftest import OCTOBER, client_for

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ana(org):
    """The holder of 4002 (Finance), linked to it."""
    user = UserFactory(username="ana", first_name="Ana", last_name="Contable")
    extension = org.extensions["4002"]
    extension.user = user
    extension.save()
    return user


def october_calls(extension):
    return Call.objects.filter(
        extension=extension,
        start__gte=dt.datetime(2026, 10, 1, 3, tzinfo=dt.UTC),
        start__lt=dt.datetime(2026, 11, 1, 3, tzinfo=dt.UTC),
    ).order_by("start")


def mark(client, call, personal=True, note=""):
    return client.post(
        reverse("reports:my-call-mark", args=[call.pk]),
        {"personal": "true" if personal else "false", "note": note},
    )


def test_my_calls_lists_the_holder_s_month_and_the_header_links_it(org, ana):
    client = signed_in(ana)
    response = client.get(reverse("reports:my-calls"), {"month": "2026-10"})
    page = response.content.decode()

    assert response.status_code == 200
    assert 'data-nav="my-calls"' in page
    calls = list(october_calls(org.extensions["4002"]))
    assert len(calls) == 4
    for call in calls:
        assert f'data-call="{call.pk}"' in page
    assert "csrfmiddlewaretoken" in page
    total = sum((c.cost or Decimal(0) for c in calls), Decimal(0))
    assert total == Decimal("12.5001")
    # Someone without an extension gets no link, and the page says why.
    other = signed_in(org.nobody).get(reverse("reports:my-calls"), {"month": "2026-10"})
    assert 'data-nav="my-calls"' not in other.content.decode()
    assert "data-no-extensions" in other.content.decode()


def test_the_holder_marks_and_unmarks_a_call_from_the_page(org, ana):
    client = signed_in(ana)
    call = october_calls(org.extensions["4002"]).first()

    response = mark(client, call, note="my dentist")
    assert response.status_code == 302
    assert response["Location"].endswith("?month=2026-10")
    call.refresh_from_db()
    assert (call.personal, call.personal_note) == (True, "my dentist")
    page = client.get(response["Location"]).content.decode()
    assert "is marked personal" in page and "my dentist" in page
    assert f'data-unmark="{call.pk}"' in page

    mark(client, call, personal=False)
    call.refresh_from_db()
    assert (call.personal, call.personal_note) == (False, "")


def test_a_colleague_may_not_mark_the_holder_s_call(org, ana):
    call = october_calls(org.extensions["4002"]).first()
    response = mark(signed_in(org.finance), call)  # the manager, even
    assert response.status_code == 403
    assert not Call.objects.filter(personal=True).exists()


def test_the_page_refuses_marks_once_the_month_is_closed(org, ana):
    ClosedMonth.objects.create(month=OCTOBER)
    client = signed_in(ana)
    call = october_calls(org.extensions["4002"]).first()

    response = mark(client, call)
    page = client.get(response["Location"]).content.decode()
    assert "2026-10 is closed" in page
    assert "data-month-closed" in page and f'data-mark="{call.pk}"' not in page
    call.refresh_from_db()
    assert not call.personal


def test_a_mark_needs_post(org, ana):
    call = october_calls(org.extensions["4002"]).first()
    response = signed_in(ana).get(reverse("reports:my-call-mark", args=[call.pk]))
    assert response.status_code == 405


@pytest.fixture
def marked(org, ana):
    """Personal calls: two of Finance's 4002, one of Payroll, one of Sales."""
    chosen = [
        *october_calls(org.extensions["4002"])[:2],
        october_calls(org.extensions["4003"]).first(),
        october_calls(org.extensions["4004"]).first(),
    ]
    for call in chosen:
        call_personal_mark(call=call, user=org.admin, personal=True, note="")
    return chosen


def test_managers_find_the_personal_calls_of_their_branch_only(org, marked):
    response = signed_in(org.finance).get(
        reverse("reports:calls"), {"month": "2026-10", "personal": "true"}
    )
    page = response.content.decode()
    shown = {call.pk for call in Call.objects.all() if f'data-call="{call.pk}"' in page}
    assert shown == {call.pk for call in marked[:3]}  # not Sales' call
    assert page.count("data-personal ") == 3
    api = client_for(org.sales).get("/api/v1/calls/", {"personal": "true"}).json()
    assert [call["id"] for call in api["results"]] == [marked[3].pk]


def test_the_chargeback_equals_the_marked_calls(org, ana, marked):
    lines = personal_chargeback(month=OCTOBER, scope=None)
    expected = sum((call.cost or Decimal(0) for call in marked), Decimal(0))
    assert sum((line.cost for line in lines), Decimal(0)) == expected
    by_person = {line.person: line for line in lines}
    assert by_person["Ana Contable"].calls == 2
    assert by_person["Ana Contable"].extensions == ("4002",)
    assert by_person["Ana Contable"].cost == sum(
        (call.cost or Decimal(0) for call in marked[:2]), Decimal(0)
    )
    assert by_person["Payroll desk"].calls == 1  # no account linked: the holder's name
    # A manager's chargeback covers their branch.
    finance = personal_chargeback(month=OCTOBER, scope=frozenset(org.ids("FIN", "PAY")))
    assert {line.person for line in finance} == {"Ana Contable", "Payroll desk"}


def test_the_chargeback_files(org, ana, marked):
    ana.first_name, ana.last_name = '=HYPERLINK("http://x")', ""
    ana.save()
    client = signed_in(org.admin)
    response = client.get(reverse("reports:personal-download", args=["2026-10", "csv"]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Person", "E-mail", "Extensions"]
    people = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in people  # quoted: not a formula
    assert rows[-1][0] == "Total"
    expected = sum((call.cost or Decimal(0) for call in marked), Decimal(0))
    assert Decimal(rows[-1][6]) == expected
    for fmt in ("xlsx", "pdf"):
        assert client.get(reverse("reports:personal-download", args=["2026-10", fmt])).content
    workbook = openpyxl.load_workbook(
        io.BytesIO(
            client.get(reverse("reports:personal-download", args=["2026-10", "xlsx"])).content
        )
    )
    values = [cell.value for cell in workbook.active["A"]]
    assert '\'=HYPERLINK("http://x")' in values


def test_the_department_report_shows_the_personal_cost(org, marked):
    costs = personal_costs_by_department(month=OCTOBER, scope=None)
    fin = org.departments["FIN"].pk
    assert costs[fin]["ARS"] == sum((c.cost or Decimal(0) for c in marked[:2]), Decimal(0))

    client = signed_in(org.admin)
    page = client.get(reverse("reports:departments"), {"month": "2026-10"}).content.decode()
    assert 'data-total="personal"' in page
    response = client.get(reverse("reports:departments-download", args=["2026-10", "csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][-1] == "Personal cost ARS"
    by_code = {row[0]: row for row in rows[1:]}
    assert Decimal(by_code["FIN"][-1]) == costs[fin]["ARS"]
    expected = Call.objects.filter(personal=True).aggregate(total=Sum("cost"))["total"]
    assert Decimal(rows[-1][-1]) == expected
    xlsx = client.get(reverse("reports:departments-download", args=["2026-10", "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(row=1, column=sheet.max_column).value == "Personal cost ARS"


def test_my_calls_speaks_spanish(org, ana):
    ClosedMonth.objects.create(month=dt.date(2026, 9, 1))
    client = signed_in(ana)
    page = client.get(
        reverse("reports:my-calls"), {"month": "2026-10"}, HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Mis llamadas" in page and "Marcar como personal" in page
    call = Call.objects.filter(extension=org.extensions["4002"], cost=Decimal("60")).get()
    response = client.post(
        reverse("reports:my-call-mark", args=[call.pk]),
        {"personal": "true"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "2026-09 está cerrado" in page


def test_my_calls_reads_a_handful_of_queries(org, ana, marked, django_assert_max_num_queries):
    """Nine, whatever the number of calls: the session and its user, the saved
    language, the header's link, the extensions, the totals, the listed calls, the
    closed month and the messages."""
    client = signed_in(ana)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("reports:my-calls"), {"month": "2026-10"})
    assert response.status_code == 200


def test_the_department_pdf_says_the_personal_and_business_cost(org, marked):
    from tests.reports.test_exports import pdf_pages

    response = signed_in(org.admin).get(
        reverse("reports:departments-download", args=["2026-10", "pdf"])
    )
    first = pdf_pages(response.content)[0]
    personal = sum((call.cost or Decimal(0) for call in marked), Decimal(0))
    assert "marked personal by the extensions' holders" in first
    assert f"{personal.quantize(Decimal('0.01')):,.2f}" in first
