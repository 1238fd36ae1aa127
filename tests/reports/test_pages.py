"""The report pages through the Django test client: sign-in, figures, links, scope.

The organization is ``tests/reports/conftest.py``'s: ``finance`` manages FIN (and so
PAY below it), ``sales`` manages SAL (and SLN), ``boss`` is an administrator.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.urls import reverse

from billing.models import Call

from .conftest import CORDOBA, OCTOBER, call_make, local, month_call_sums

PAGES = ("reports:dashboard", "reports:departments", "reports:extensions", "reports:calls")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return unescape(response.content.decode())


def money(amount: Decimal, currency: str = "ARS") -> str:
    return f"{amount.quantize(Decimal('0.01')):,.2f}\u00a0{currency}"


def hrefs(response, pattern: str) -> list[str]:
    return [
        unescape(href)
        for href in re.findall(r'href="([^"]*)"', response.content.decode())
        if re.search(pattern, unescape(href))
    ]


# ---------------------------------------------------------------- sign-in and layout


@pytest.mark.parametrize("name", PAGES)
def test_pages_send_anonymous_visitors_to_the_login_form(db, name):
    response = Client().get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_the_root_goes_to_the_dashboard_and_admins_still_reach_the_admin(org):
    client = signed_in(org.admin)

    assert client.get("/").url == reverse("reports:dashboard")
    assert client.get("/admin/").status_code == 200


def test_signing_in_through_the_form_lands_on_the_dashboard(org):
    """The login page labels its fields; a good password opens the dashboard, a bad
    one says so."""
    client = Client()
    page = client.get(reverse("login"))
    assert '<label for="id_username">User name</label>' in text(page)
    assert '<label for="id_password">Password</label>' in text(page)

    wrong = client.post(reverse("login"), {"username": "finance", "password": "nope"})
    assert "did not match" in text(wrong)

    right = client.post(
        reverse("login"), {"username": "finance", "password": "correct horse battery staple"}
    )
    assert right.url == reverse("reports:dashboard")
    assert client.get(right.url).status_code == 200


def test_navigation_shows_the_admin_link_to_staff_only(org):
    manager_page = text(signed_in(org.finance).get(reverse("reports:dashboard")))
    admin_page = text(signed_in(org.admin).get(reverse("reports:dashboard")))

    assert 'href="/admin/"' not in manager_page
    assert 'href="/admin/"' in admin_page
    for page in (manager_page, admin_page):
        assert "Sign out" in page and 'action="/accounts/logout/"' in page
        assert "reports/site.css" in page
        assert "<script" not in page  # no JavaScript at all, nothing from a CDN
        assert not re.search(r'(src|href)="(https?:)?//|url\((https?:)?//|@import', page)


def test_signing_out_ends_the_session(org):
    client = signed_in(org.finance)

    client.post(reverse("logout"))

    assert client.get(reverse("reports:dashboard")).status_code == 302


# ---------------------------------------------------------------- dashboard


def test_dashboard_shows_the_managers_month_and_chart(org):
    """Finance sees FIN and PAY: the month's cost and calls, a server-drawn chart."""
    response = signed_in(org.finance).get(reverse("reports:dashboard"), {"month": "2026-10"})

    page = text(response)
    sums = month_call_sums(OCTOBER, org.ids("FIN", "PAY"))
    assert money(sums["cost"]) in page
    assert re.search(rf'data-kpi="calls">.*?kpi__value">{sums["calls"]}<', page, re.DOTALL)
    assert page.count('class="pygal-chart"') == 2  # the share bars are small SVGs too
    assert 'role="img"' in page
    assert "Cost over twelve months" in page
    # Other branches are nowhere on the page.
    for other in ("Sales", "Support", "4004", "4006"):
        assert other not in page


def test_dashboard_of_a_bad_month_is_not_found(org):
    response = signed_in(org.finance).get(reverse("reports:dashboard"), {"month": "2026-13"})

    assert response.status_code == 404


def test_dashboard_reads_a_handful_of_queries_whatever_the_data(org, django_assert_max_num_queries):
    """Rollups only: the page's query count does not grow with calls or departments."""
    client = signed_in(org.admin)
    # 20: the 16 of the page, the month's fixed charges (budgets), the reader's saved
    # language (accounts' middleware), whether they hold an extension ("My calls") and
    # the Alerts panel's unacknowledged alerts (a count too only past its 10 rows).
    with django_assert_max_num_queries(20):
        response = client.get(reverse("reports:dashboard"), {"month": "2026-10"})
    assert response.status_code == 200


def test_dashboard_for_someone_who_manages_nothing_is_empty_not_an_error(org):
    page = text(signed_in(org.nobody).get(reverse("reports:dashboard"), {"month": "2026-10"}))

    assert "No calls this month." in page
    assert "Finance" not in page


# ---------------------------------------------------------------- department report


def test_department_report_shows_the_managers_tree_with_subtotals(org):
    response = signed_in(org.finance).get(reverse("reports:departments"), {"month": "2026-10"})

    page = text(response)
    rows = re.findall(r'<tr class="[^"]*" data-department="(\d+)"', page)
    assert [int(pk) for pk in rows] == [
        org.departments["FIN"].pk,
        org.departments["PAY"].pk,
    ]
    branch = month_call_sums(OCTOBER, org.ids("FIN", "PAY"))
    payroll = month_call_sums(OCTOBER, org.ids("PAY"))
    assert money(branch["cost"]) in page  # Finance's subtotal and the total
    assert money(payroll["cost"]) in page
    assert re.search(rf'data-total="calls">{branch["calls"]}<', page)
    for other in ("Sales", "North", "Support", "Administration"):
        assert other not in page


def test_department_report_links_to_extensions_calls_and_downloads(org):
    response = signed_in(org.finance).get(reverse("reports:departments"), {"month": "2026-10"})

    fin = org.departments["FIN"].pk
    assert f"/reports/extensions/?month=2026-10&department={fin}" in hrefs(response, "extensions")
    assert f"/reports/calls/?month=2026-10&department={fin}" in hrefs(response, "calls")
    for fmt in ("csv", "xlsx", "pdf"):
        assert f"/reports/2026-10/departments.{fmt}" in hrefs(response, "departments\\.")
    assert "/reports/2026-10/departments.csv?excel=1" in hrefs(response, "departments\\.")
    assert "CSV for Excel" in text(response)


def test_department_report_focuses_on_a_branch(org):
    pay = org.departments["PAY"]
    response = signed_in(org.finance).get(
        reverse("reports:departments"), {"month": "2026-10", "department": pay.pk}
    )

    page = text(response)
    assert re.findall(r'data-department="(\d+)"', page) == [str(pay.pk)]
    assert money(month_call_sums(OCTOBER, org.ids("PAY"))["cost"]) in page


def test_department_report_of_another_managers_branch_is_not_found(org):
    """Finance asking for Sales (or an unknown id) gets 404, never Sales' figures."""
    client = signed_in(org.finance)
    for department in (org.departments["SAL"].pk, org.departments["ADM"].pk, 999_999):
        response = client.get(
            reverse("reports:departments"), {"month": "2026-10", "department": department}
        )
        assert response.status_code == 404


def test_administrators_see_every_department_and_calls_of_none(org):
    page = text(signed_in(org.admin).get(reverse("reports:departments"), {"month": "2026-10"}))

    for name in ("Administration", "Finance", "Payroll", "Sales", "North", "Support"):
        assert name in page
    assert "No department" in page
    assert money(month_call_sums(OCTOBER)["cost"]) in page


# ---------------------------------------------------------------- extension report


def test_extension_report_lists_the_branchs_extensions_with_links_to_their_calls(org):
    fin = org.departments["FIN"].pk
    response = signed_in(org.finance).get(
        reverse("reports:extensions"), {"month": "2026-10", "department": fin}
    )

    page = text(response)
    assert re.findall(r'data-extension="(\d+)"', page) == ["4002", "4003"]
    assert money(month_call_sums(OCTOBER, org.ids("FIN", "PAY"))["cost"]) in page
    links = hrefs(response, "/reports/calls/")
    assert f"/reports/calls/?month=2026-10&site=cordoba&extension=4002&department={fin}" in links
    downloads = hrefs(response, "extensions\\.")
    assert f"/reports/2026-10/extensions.csv?department={fin}" in downloads
    assert f"/reports/2026-10/extensions.csv?department={fin}&excel=1" in downloads


def test_extension_report_of_another_department_is_not_found(org):
    client = signed_in(org.finance)
    for department in (org.departments["SAL"].pk, org.departments["SUP"].pk, 999_999):
        response = client.get(
            reverse("reports:extensions"), {"month": "2026-10", "department": department}
        )
        assert response.status_code == 404


def test_extension_report_department_choices_are_the_managers_own(org):
    page = text(signed_in(org.sales).get(reverse("reports:extensions"), {"month": "2026-10"}))

    options = re.findall(r'<option value="(\d+)"', page)
    assert sorted(int(pk) for pk in options) == sorted(org.ids("SAL", "SLN"))
    assert re.findall(r'data-extension="(\d+)"', page) == ["4005", "4004"]  # North, Sales


# ---------------------------------------------------------------- call search


def call_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-call="(\d+)"', response.content.decode())]


def test_drill_down_from_an_extension_lands_on_its_calls_of_the_month(org):
    """The link of extension 4002 in October lists exactly its October calls, with
    times in Córdoba and the cost with the currency."""
    client = signed_in(org.finance)
    report = client.get(reverse("reports:extensions"), {"month": "2026-10"})
    link = next(href for href in hrefs(report, "extension=4002"))

    response = client.get(link)

    expected = Call.objects.filter(
        extension=org.extensions["4002"],
        start__gte=dt.datetime(2026, 10, 1, tzinfo=CORDOBA),
        start__lt=dt.datetime(2026, 11, 1, tzinfo=CORDOBA),
    ).order_by("-start", "-id")
    assert call_ids(response) == [call.pk for call in expected]
    page = text(response)
    first = expected[0]
    assert first.start.astimezone(CORDOBA).strftime("%H:%M:%S") in page
    assert money(expected.exclude(cost=None)[0].cost) in page
    assert "not rated" in page  # the call of 4002 with no price


def test_call_search_shows_site_local_times(org):
    """23:30 on 31 October in Córdoba is 02:30 UTC on 1 November: shown as Córdoba's."""
    call = Call.objects.get(start=local(31, 23, 30))

    page = text(signed_in(org.finance).get(reverse("reports:calls"), {"month": "2026-10"}))

    assert "Sat 31 Oct 2026 23:30:00" in page
    assert call.start.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") in page


def test_call_search_only_ever_shows_the_managers_calls(org):
    client = signed_in(org.finance)

    everything = call_ids(client.get(reverse("reports:calls")))
    sales_extension = call_ids(client.get(reverse("reports:calls"), {"extension": "4004"}))

    mine = Call.objects.filter(department_id__in=org.ids("FIN", "PAY"))
    assert sorted(everything) == sorted(mine.values_list("pk", flat=True))
    assert sales_extension == []


def test_call_search_of_another_department_is_not_found(org):
    client = signed_in(org.finance)
    for department in (org.departments["SAL"].pk, 999_999):
        response = client.get(reverse("reports:calls"), {"department": department})
        assert response.status_code == 404


def test_call_search_applies_the_api_filters(org):
    client = signed_in(org.admin)

    incoming = call_ids(client.get(reverse("reports:calls"), {"direction": "incoming"}))
    missed = call_ids(client.get(reverse("reports:calls"), {"answered": "false"}))
    costly = call_ids(client.get(reverse("reports:calls"), {"min_cost": "50"}))

    assert incoming == list(
        Call.objects.filter(direction="incoming").order_by("-start").values_list("pk", flat=True)
    )
    assert sorted(missed) == sorted(
        Call.objects.filter(answered=False).values_list("pk", flat=True)
    )
    assert sorted(costly) == sorted(Call.objects.filter(cost__gte=50).values_list("pk", flat=True))


def test_call_search_reads_typed_dates_in_the_sites_zone(org):
    """ "From 31 October 23:00" typed in the form means 23:00 in Córdoba."""
    response = signed_in(org.admin).get(
        reverse("reports:calls"), {"start_after": "2026-10-31T23:00", "site": "cordoba"}
    )

    expected = Call.objects.filter(start__gte=local(31, 23)).order_by("-start", "-id")
    assert call_ids(response) == [call.pk for call in expected]
    assert call_ids(response)  # the 23:30 call is among them


def test_call_search_explains_a_bad_filter(org):
    response = signed_in(org.admin).get(reverse("reports:calls"), {"min_cost": "lots"})

    assert response.status_code == 200
    assert "could not be read" in text(response)
    assert call_ids(response) == []


SORTS = {
    "-start": ("-start", "-id"),
    "start": ("start", "id"),
    "-duration": ("-duration_seconds", "-id"),
    "duration": ("duration_seconds", "id"),
    "-cost": ("-cost", "-id"),
    "cost": ("cost", "id"),
}


@pytest.mark.parametrize("sort", list(SORTS))
def test_call_search_pages_by_keyset_without_gaps_or_repeats(org, sort):
    """120 more calls at the same minute, of the same duration and cost: pages of 50
    walk them all in the order asked, each once, and "Newer" walks back to the same
    page before. Sorted by cost, calls without a price are left out."""
    for index in range(120):
        call_make(
            source=org.source,
            extension=org.extensions["4006"],
            start=local(20, 12, 0),
            cost="1",
            number=f"0351{index:07d}",
        )
    client = signed_in(org.admin)
    url = reverse("reports:calls")
    calls = Call.objects.all()
    if "cost" in sort:
        calls = calls.filter(cost__isnull=False)
    expected = list(calls.order_by(*SORTS[sort]).values_list("pk", flat=True))

    seen, pages, response = [], [], client.get(url, {"sort": sort})
    while True:
        pages.append(call_ids(response))
        seen += pages[-1]
        older = hrefs(response, "after=")
        if not older:
            break
        response = client.get(url + older[0])

    assert seen == expected
    assert len(expected) > 120
    assert [len(page) for page in pages] == [
        min(50, len(expected) - first) for first in range(0, len(expected), 50)
    ]
    newer = hrefs(response, "before=")[0]
    back = client.get(url + newer)
    assert call_ids(back) == pages[-2]


def test_the_sortable_headers_turn_the_order_round(org):
    client = signed_in(org.admin)
    page = client.get(reverse("reports:calls"), {"sort": "-cost", "month": "2026-10"})
    assert 'aria-sort="descending"' in page.content.decode()
    (cost_link,) = hrefs(page, "sort=cost")
    assert "month=2026-10" in cost_link
    assert client.get(reverse("reports:calls"), {"sort": "planet"}).status_code == 404


def test_a_page_link_of_another_order_is_refused(org):
    for _ in range(60):
        call_make(source=org.source, extension=org.extensions["4002"], start=local(12), cost="1")
    client = signed_in(org.admin)
    older = hrefs(client.get(reverse("reports:calls"), {"sort": "-cost"}), "after=")[0]
    cursor = parse_qs(urlparse(older).query)["after"][0]
    response = client.get(reverse("reports:calls"), {"sort": "-duration", "after": cursor})
    assert response.status_code == 404


def test_call_search_rejects_a_damaged_page_link(org):
    response = signed_in(org.admin).get(reverse("reports:calls"), {"after": "!!not-a-cursor"})

    assert response.status_code == 404


def test_page_links_keep_the_filters(org):
    for index in range(60):
        call_make(
            source=org.source,
            extension=org.extensions["4002"],
            start=local(12, 8, index % 60),
            cost="1",
        )
    response = signed_in(org.finance).get(
        reverse("reports:calls"), {"month": "2026-10", "extension": "4002"}
    )

    older = hrefs(response, "after=")[0]
    query = parse_qs(urlparse(older).query)
    assert query["month"] == ["2026-10"] and query["extension"] == ["4002"]


@pytest.mark.parametrize(
    "position",
    [
        "MDAwMS0wMS0wMVQwMDowMDowMCswNTowMHwx",  # 0001-01-01T00:00:00+05:00|1: before year 1 in UTC
        "OTk5OS0xMi0zMVQyMzo1OTo1OS0wNTowMHwx",  # 9999-12-31T23:59:59-05:00|1: after 9999 in UTC
        "MjAyNi0xMC0wMVQwMDowMDowMCswMDowMHw5OTk5OTk5OTk5OTk5OTk5OTk5OTk5",  # id > 2**63
        "LWNvc3R8TmFOfDE",  # -cost|NaN|1
        "LWR1cmF0aW9ufC01fDE",  # -duration|-5|1
        "LXN0YXJ0fDIwMjYtMTAtMDFUMDA6MDB8MQ",  # -start|2026-10-01T00:00|1: no zone
    ],
)
@pytest.mark.parametrize("param", ["after", "before"])
def test_call_search_rejects_a_page_link_out_of_range(org, param, position):
    response = signed_in(org.admin).get(reverse("reports:calls"), {param: position})

    assert response.status_code == 404


@pytest.mark.parametrize("month", ["9999-12", "0001-01"])
@pytest.mark.parametrize("view", ["dashboard", "departments", "extensions", "calls"])
def test_a_month_at_the_ends_of_the_calendar_is_not_found_and_says_why(org, view, month):
    response = signed_in(org.admin).get(reverse(f"reports:{view}"), {"month": month})

    assert response.status_code == 404
    assert "outside the months reports cover: 1900-01 to 9998-12" in text(response)


def test_an_unknown_address_is_not_found_without_internals(org):
    response = signed_in(org.admin).get("/reports/no-such-page/")

    assert response.status_code == 404
    assert "There is nothing at this address." in text(response)
    assert "Resolver404" not in text(response)


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59"]
)
def test_call_search_explains_a_time_outside_the_calendar(org, moment):
    """The last one is typed in Córdoba's time: after year 9999 in UTC."""
    response = signed_in(org.admin).get(reverse("reports:calls"), {"start_before": moment})

    assert response.status_code == 200
    assert "could not be read" in text(response)
    assert "outside the times that can be stored" in text(response)
    assert call_ids(response) == []
