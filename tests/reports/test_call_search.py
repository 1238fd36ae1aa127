"""The call search for managers: the count and cost of the whole result, its CSV
(exactly the calls found), the category filter, and each call's price page, all
within the manager's scope.

The organization is ``tests/reports/conftest.py``'s: ``finance`` manages FIN (and so
PAY below it); ``boss`` is an administrator.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from billing.models import Call
from billing.rollups import rollups_rebuild
from reports.templatetags.report_format import money

from .conftest import OCTOBER, call_make, local, month_call_sums


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def search(user, **params):
    response = signed_in(user).get(reverse("reports:calls"), params)
    assert response.status_code == 200
    return response


def page_text(response) -> str:
    return unescape(response.content.decode())


def call_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-call="(\d+)"', response.content.decode())]


def found(response) -> int:
    return int(re.search(r'data-found="(\d+)"', response.content.decode()).group(1))


def csv_link(response) -> str:
    return unescape(re.search(r'href="([^"]*)" data-download="calls-csv"', page_text(response))[1])


def csv_ids(client: Client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return [int(row["id"]) for row in csv.DictReader(io.StringIO(content))]


def test_the_result_has_its_count_cost_and_unrated_calls(org):
    """October for the whole organization: every call of the month counted, their
    cost summed, the one call without a price counted apart, with a link to it."""
    response = search(org.admin, month="2026-10")

    sums = month_call_sums(OCTOBER)
    page = page_text(response)
    assert found(response) == sums["calls"] == len(call_ids(response))
    assert f'data-total-cost="ARS">{money(sums["cost"], "ARS")}<' in page
    assert 'data-found-unrated="1"' in page
    assert "1 not priced (not in the cost)" in page


def test_a_manager_counts_only_their_calls(org):
    response = search(org.finance, month="2026-10")

    mine = month_call_sums(OCTOBER, org.ids("FIN", "PAY"))
    assert found(response) == mine["calls"]
    assert f'data-total-cost="ARS">{money(mine["cost"], "ARS")}<' in page_text(response)


def test_the_count_is_of_the_whole_result_not_the_page(org):
    for minute in range(60):
        call_make(
            source=org.source,
            extension=org.extensions["4001"],
            start=local(20, 8, minute),
            cost="1",
        )
    rollups_rebuild([OCTOBER])  # as the billing services keep them

    response = search(org.admin, month="2026-10", extension="4001")

    assert len(call_ids(response)) == 50
    assert found(response) == Call.objects.filter(extension=org.extensions["4001"]).count() == 62


def test_the_category_filter_narrows_the_calls_and_their_total(org):
    response = search(org.admin, month="2026-10", category="mobile")

    mobile = Call.objects.filter(category="mobile")
    assert sorted(call_ids(response)) == sorted(mobile.values_list("pk", flat=True))
    assert found(response) == mobile.count() > 0
    assert '<option value="mobile" selected>' in page_text(response)


def test_the_csv_holds_exactly_the_calls_found(org):
    """With a typed time (read in the site's zone), a site and a category, the CSV
    link gives the same calls as the page, and a manager's only theirs."""
    client = signed_in(org.admin)
    params = {"start_after": "2026-10-04T00:00", "site": "cordoba", "category": "national"}
    response = client.get(reverse("reports:calls"), params)

    link = csv_link(response)
    assert link.startswith(reverse("reports:calls-search-csv"))
    assert sorted(csv_ids(client, link)) == sorted(call_ids(response))
    assert call_ids(response)

    manager = signed_in(org.finance)
    mine = manager.get(reverse("reports:calls"))
    assert sorted(csv_ids(manager, csv_link(mine))) == sorted(call_ids(mine))
    assert set(csv_ids(manager, reverse("reports:calls-search-csv"))) == set(
        Call.objects.filter(department_id__in=org.ids("FIN", "PAY")).values_list("pk", flat=True)
    )


def test_no_result_has_no_download(org):
    response = search(org.admin, number="999999")

    assert found(response) == 0
    assert 'data-download="calls-csv"' not in page_text(response)


def test_each_call_links_to_its_price_explanation(org):
    client = signed_in(org.finance)
    response = client.get(reverse("reports:calls"), {"month": "2026-10"})

    links = re.findall(r'href="([^"]*)"[^>]*data-explain="(\d+)"', response.content.decode())
    assert {int(pk) for _, pk in links} == set(call_ids(response))
    href, pk = links[0]
    page = client.get(unescape(href))
    assert page.status_code == 200
    body = page_text(page)
    assert f"Call {pk}: how its price is reached" in body
    assert 'class="price-explanation"' in body
    assert "Back to the calls" in body and 'href="/reports/calls/?month=2026-10"' in body


def test_a_call_outside_the_managers_scope_has_no_price_page(org):
    other = Call.objects.filter(department=org.departments["SAL"]).first()

    assert (
        signed_in(org.finance).get(reverse("reports:call-explain", args=[other.pk])).status_code
        == 404
    )
    assert (
        signed_in(org.admin).get(reverse("reports:call-explain", args=[other.pk])).status_code
        == 200
    )
    assert (
        signed_in(org.finance).get(reverse("reports:call-explain", args=[10**12])).status_code
        == 404
    )


def test_the_back_link_only_goes_back_to_the_search(org):
    call = Call.objects.filter(department=org.departments["FIN"]).first()
    url = reverse("reports:call-explain", args=[call.pk])

    page = page_text(signed_in(org.finance).get(url, {"back": "https://evil.example/"}))

    back = re.search(r'<a href="([^"]*)">‹ Back to the calls', page)[1]
    assert back == reverse("reports:calls")


def test_an_unrated_call_shows_its_reason(org):
    call = call_make(
        source=org.source,
        extension=org.extensions["4002"],
        start=local(21),
        cost=None,
        category="",
        unrated_reason="no rate for 5411 on 2026-10-21",
    )

    response = search(org.finance, unrated="true")

    assert call.pk in call_ids(response)
    assert "no rate for 5411 on 2026-10-21" in page_text(response)
    assert Decimal(0) == sum((c.cost or 0) for c in Call.objects.filter(cost=None))


def _calls_totals(user, params: dict):
    """The totals summed straight from the calls the FilterSet selects."""
    from django.db.models import Count, Q, Sum

    from billing.filters import CallFilterSet
    from billing.selectors import calls_visible_to
    from reports.selectors import _totals

    filters = CallFilterSet(params, queryset=calls_visible_to(user))
    assert filters.is_valid(), filters.errors
    rows = (
        filters.qs.order_by()
        .values_list("currency")
        .annotate(count=Count("id"), unrated=Count("id", filter=Q(cost=None)), cost=Sum("cost"))
    )
    return filters, _totals(rows)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"month": "2026-10"},
        {"month": "2026-11"},
        {"month": "2026-10", "category": "mobile"},
        {"month": "2026-10", "direction": "incoming"},
        {"extension": "4002"},
        {"department": "FIN"},
        {"site": "cordoba", "unrated": "true"},
        {"month": "2026-10", "unrated": "false"},
        {"site": "elsewhere"},
    ],
)
@pytest.mark.parametrize("who", ["admin", "finance"])
def test_totals_read_from_the_rollups_equal_the_calls(org, params, who):
    """The filters the rollups answer are summed from them: the same count, unrated
    calls and cost as the calls themselves, for an administrator and a manager."""
    from reports.selectors import call_search_totals

    user = getattr(org, who)
    if params.get("department"):
        params = {**params, "department": str(org.departments[params["department"]].pk)}
    filters, expected = _calls_totals(user, params)

    totals = call_search_totals(calls=filters.qs, filters=filters.form.cleaned_data, user=user)

    assert totals == expected
    if params.get("site") != "elsewhere":
        assert totals.calls > 0


def test_other_filters_are_counted_on_the_calls(org, django_assert_num_queries):
    from reports.selectors import call_search_totals

    filters, expected = _calls_totals(org.admin, {"min_cost": "5", "month": "2026-10"})

    with django_assert_num_queries(1):
        totals = call_search_totals(
            calls=filters.qs, filters=filters.form.cleaned_data, user=org.admin
        )
    assert totals == expected and totals.calls > 0


def test_the_price_page_and_the_totals_speak_spanish(org):
    call = Call.objects.filter(department=org.departments["FIN"]).first()
    client = signed_in(org.finance)

    explain = page_text(
        client.get(reverse("reports:call-explain", args=[call.pk]), HTTP_ACCEPT_LANGUAGE="es")
    )
    found_page = page_text(
        client.get(reverse("reports:calls"), {"month": "2026-10"}, HTTP_ACCEPT_LANGUAGE="es")
    )

    assert f"Llamada {call.pk}: cómo se llega a su precio" in explain
    assert "Volver a las llamadas" in explain
    assert "llamadas encontradas" in found_page
    assert "Descargar estas llamadas (CSV)" in found_page
